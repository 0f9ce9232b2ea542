// The training schema and its conversion to option structs.
#include "training/config.hpp"

#include <fmt/format.h>

#include "params/error.hpp"
#include "params/table.hpp"

namespace kirchhoff::training {

using params::Range;

namespace {

// The training keys, each declared once beside the TrainConfig member it sets; defaults from
// TrainConfig{} (config.hpp).
const params::Table<TrainConfig>& training_table() {
    static const params::Table<TrainConfig> table = [] {
        using params::in;
        using T = TrainConfig;
        using M = transformer::ModelConfig;
        using A = AdamWOptions;
        using H = HwaOptions;
        params::Table<T> t;
        // model
        t.integer("model.dim", in(&T::model, &M::dim), Range::closed(2, 4096), "width of the residual stream (= n_heads x head size)");
        t.integer("model.hidden_dim", in(&T::model, &M::hidden_dim), Range::closed(1, 16384), "SwiGLU MLP width");
        t.integer("model.n_layers", in(&T::model, &M::n_layers), Range::closed(1, 64), "transformer blocks");
        t.integer("model.n_heads", in(&T::model, &M::n_heads), Range::closed(1, 256), "query heads");
        t.integer("model.n_kv_heads", in(&T::model, &M::n_kv_heads), Range::closed(1, 256), "key/value heads (grouped-query attention when < n_heads)");
        t.integer("model.seq_len", in(&T::model, &M::seq_len), Range::closed(2, 4096), "context length in characters (training window)");
        t.boolean("model.shared_classifier", in(&T::model, &M::shared_classifier), "tie the classifier to the token embedding");
        // data
        t.text("data.corpus", &T::corpus, "training text; empty = the vendored tiny-shakespeare (SHA-256 checked)");
        // train
        t.integer("train.seed", &T::seed, Range::closed(0, 9.0e15), "seed of initialisation, batches and noise");
        t.integer("train.steps", in(&T::adamw, &A::total_steps), Range::closed(1, 1e9), "optimizer steps");
        t.integer("train.batch_size", &T::batch_size, Range::closed(1, 4096), "sequences per step");
        t.real("train.lr", in(&T::adamw, &A::lr), "1", {0.0, 1.0, true, false}, "peak learning rate (AdamW)");
        t.real("train.lr_min", in(&T::adamw, &A::lr_min), "1", Range::closed(0, 1), "learning rate at the last step (cosine decay)");
        t.integer("train.warmup_steps", in(&T::adamw, &A::warmup_steps), Range::closed(0, 1e9), "linear warm-up steps");
        t.real("train.weight_decay", in(&T::adamw, &A::weight_decay), "1", Range::closed(0, 1), "AdamW decoupled weight decay (matrices only)");
        t.real("train.beta1", in(&T::adamw, &A::beta1), "1", {0.0, 1.0, false, true}, "AdamW first-moment decay");
        t.real("train.beta2", in(&T::adamw, &A::beta2), "1", {0.0, 1.0, false, true}, "AdamW second-moment decay");
        t.real("train.adam_eps", in(&T::adamw, &A::eps), "1", {0.0, 1.0, true, false}, "AdamW denominator epsilon");
        t.real("train.grad_clip", in(&T::adamw, &A::grad_clip), "1", Range::non_negative(), "max global gradient L2 norm; 0 = no clipping");
        t.real("train.init_std", &T::init_std, "1", {0.0, 1.0, true, false}, "std of initial weights (residual projections / sqrt(2 n_layers))");
        t.text("train.init_from", &T::init_from, "llama2.c .bin to start from (e.g. HWA fine-tuning); empty = random init");
        t.integer("train.log_every", &T::log_every, Range::closed(1, 1e9), "steps between progress lines and loss.csv rows");
        t.integer("train.eval_every", &T::eval_every, Range::closed(0, 1e9), "steps between held-out evaluations; 0 = only at the end");
        t.integer("train.eval_windows", &T::eval_windows, Range::closed(1, 1e6), "held-out windows of seq_len per periodic evaluation (the final one uses all)");
        t.integer("train.checkpoint_every", &T::checkpoint_every, Range::closed(0, 1e9), "steps between checkpoints; 0 = only at the end");
        // hwa (hwa.hpp; Joshi et al. 2020, Rasch et al. 2023)
        t.choice("hwa.weight_noise", in(&T::hwa, &H::weight_noise),
                 {{"none", WeightNoise::none}, {"gaussian", WeightNoise::gaussian}, {"pcm", WeightNoise::pcm}},
                 "weight noise in the forward pass: Gaussian (Joshi 2020) or PCM programming noise");
        t.real("hwa.weight_noise_rel", in(&T::hwa, &H::weight_noise_rel), "1", Range::closed(0, 1), "gaussian: noise std relative to the layer's max |W|");
        t.real("hwa.pcm_noise_scale", in(&T::hwa, &H::pcm_noise_scale), "1", Range::closed(0, 100), "pcm: multiplier on sigma_prog (Nandakumar 2019 / Joshi 2020 polynomial)");
        t.real("hwa.pcm_g_max_siemens", in(&T::hwa, &H::pcm_g_max_siemens), "S", {0.0, 1e-3, true, false}, "pcm: conductance representing max |W| (Joshi 2020: 25 uS)");
        t.real("hwa.input_noise_rel", in(&T::hwa, &H::input_noise_rel), "1", Range::closed(0, 1), "input noise std relative to the row's max |x|");
        t.real("hwa.output_noise_rel", in(&T::hwa, &H::output_noise_rel), "1", Range::closed(0, 10), "output noise std in units of max|W| max|x| (Rasch 2023: 0.04)");
        t.integer("hwa.dac_bits", in(&T::hwa, &H::dac_bits), Range::closed(0, 24), "input DAC bits incl. sign (Rasch 2023: 8); 0 = no quantisation");
        t.integer("hwa.adc_bits", in(&T::hwa, &H::adc_bits), Range::closed(0, 24), "output ADC bits incl. sign (Rasch 2023: 8); 0 = no clipping or quantisation");
        t.real("hwa.adc_bound", in(&T::hwa, &H::adc_bound), "1", {0.0, 1e6, true, false}, "ADC full scale in units of max|W| max|x| (Rasch 2023: 10)");
        t.real("hwa.weight_clip_sigma", in(&T::hwa, &H::weight_clip_sigma), "1", Range::closed(0, 100), "clip each layer's W to +-k std(W) after each step (aihwkit: 2.5); 0 = off");
        return t;
    }();
    return table;
}

}  // namespace

const params::Table<TrainConfig>& training_keys() { return training_table(); }

params::Schema training_schema() { return training_table().schema(); }

TrainConfig train_config_from(const params::Config& cfg) {
    TrainConfig t = training_table().read(cfg);
    const transformer::ModelConfig& m = t.model;
    const auto where = [&](const char* key) { return cfg.source(key); };
    if (m.dim % m.n_heads != 0 || (m.dim / m.n_heads) % 2 != 0)
        throw InputError(fmt::format("{}: model.dim = {} must be n_heads = {} times an even head size (RoPE rotates pairs)",
                                     where("model.dim"), m.dim, m.n_heads));
    if (m.n_heads % m.n_kv_heads != 0)
        throw InputError(fmt::format("{}: model.n_kv_heads = {} must divide model.n_heads = {} (grouped-query attention)",
                                     where("model.n_kv_heads"), m.n_kv_heads, m.n_heads));

    const AdamWOptions& a = t.adamw;
    if (a.lr_min > a.lr)
        throw InputError(fmt::format("{}: train.lr_min = {} must not exceed train.lr = {}", where("train.lr_min"),
                                     params::format_number(a.lr_min), params::format_number(a.lr)));
    if (a.warmup_steps >= a.total_steps)
        throw InputError(fmt::format("{}: train.warmup_steps = {} must be below train.steps = {}",
                                     where("train.warmup_steps"), a.warmup_steps, a.total_steps));
    HwaOptions& h = t.hwa;
    h.seed = t.seed;
    for (const char* key : {"hwa.dac_bits", "hwa.adc_bits"})
        if (cfg.integer(key) == 1)
            throw InputError(fmt::format("{}: {} = 1 is outside the allowed values 0 (off) or [2, 24] "
                                         "(a signed converter needs a sign bit and at least one level bit)",
                                         where(key), key));
    if (h.weight_noise == WeightNoise::gaussian && h.weight_noise_rel == 0)
        throw InputError(fmt::format("{}: hwa.weight_noise = \"gaussian\" needs hwa.weight_noise_rel in (0, 1], got 0",
                                     where("hwa.weight_noise_rel")));
    return t;
}

bool key_may_change_on_resume(const std::string& key) {
    return key == "train.log_every" || key == "train.eval_every" || key == "train.eval_windows" ||
           key == "train.checkpoint_every";
}

}  // namespace kirchhoff::training
