// The training schema and its conversion to option structs.
#include "training/config.hpp"

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::training {

using params::Range;

params::Schema training_schema() {
    params::Schema s;
    // model
    s.add(params::integer_key("model.dim", 128, Range::closed(2, 4096), "width of the residual stream (= n_heads x head size)"));
    s.add(params::integer_key("model.hidden_dim", 384, Range::closed(1, 16384), "SwiGLU MLP width"));
    s.add(params::integer_key("model.n_layers", 5, Range::closed(1, 64), "transformer blocks"));
    s.add(params::integer_key("model.n_heads", 4, Range::closed(1, 256), "query heads"));
    s.add(params::integer_key("model.n_kv_heads", 4, Range::closed(1, 256), "key/value heads (grouped-query attention when < n_heads)"));
    s.add(params::integer_key("model.seq_len", 256, Range::closed(2, 4096), "context length in characters (training window)"));
    s.add(params::boolean_key("model.shared_classifier", false, "tie the classifier to the token embedding"));
    // data
    s.add(params::text_key("data.corpus", "", "training text; empty = the vendored tiny-shakespeare (SHA-256 checked)"));
    // train
    s.add(params::integer_key("train.seed", 1, Range::closed(0, 9.0e15), "seed of initialisation, batches and noise"));
    s.add(params::integer_key("train.steps", 5000, Range::closed(1, 1e9), "optimizer steps"));
    s.add(params::integer_key("train.batch_size", 32, Range::closed(1, 4096), "sequences per step"));
    s.add(params::real_key("train.lr", 2e-3, "1", {0.0, 1.0, true, false}, "peak learning rate (AdamW)"));
    s.add(params::real_key("train.lr_min", 2e-4, "1", Range::closed(0, 1), "learning rate at the last step (cosine decay)"));
    s.add(params::integer_key("train.warmup_steps", 200, Range::closed(0, 1e9), "linear warm-up steps"));
    s.add(params::real_key("train.weight_decay", 0.1, "1", Range::closed(0, 1), "AdamW decoupled weight decay (matrices only)"));
    s.add(params::real_key("train.beta1", 0.9, "1", {0.0, 1.0, false, true}, "AdamW first-moment decay"));
    s.add(params::real_key("train.beta2", 0.99, "1", {0.0, 1.0, false, true}, "AdamW second-moment decay"));
    s.add(params::real_key("train.adam_eps", 1e-8, "1", {0.0, 1.0, true, false}, "AdamW denominator epsilon"));
    s.add(params::real_key("train.grad_clip", 1.0, "1", Range::non_negative(), "max global gradient L2 norm; 0 = no clipping"));
    s.add(params::real_key("train.init_std", 0.02, "1", {0.0, 1.0, true, false}, "std of initial weights (residual projections / sqrt(2 n_layers))"));
    s.add(params::text_key("train.init_from", "", "llama2.c .bin to start from (e.g. HWA fine-tuning); empty = random init"));
    s.add(params::integer_key("train.log_every", 10, Range::closed(1, 1e9), "steps between progress lines and loss.csv rows"));
    s.add(params::integer_key("train.eval_every", 250, Range::closed(0, 1e9), "steps between held-out evaluations; 0 = only at the end"));
    s.add(params::integer_key("train.eval_windows", 64, Range::closed(1, 1e6), "held-out windows of seq_len per periodic evaluation (the final one uses all)"));
    s.add(params::integer_key("train.checkpoint_every", 500, Range::closed(0, 1e9), "steps between checkpoints; 0 = only at the end"));
    // hwa (hwa.hpp; Joshi et al. 2020, Rasch et al. 2023)
    s.add(params::choice_key("hwa.weight_noise", "none", {"none", "gaussian", "pcm"}, "weight noise in the forward pass: Gaussian (Joshi 2020) or PCM programming noise"));
    s.add(params::real_key("hwa.weight_noise_rel", 0.0, "1", Range::closed(0, 1), "gaussian: noise std relative to the layer's max |W|"));
    s.add(params::real_key("hwa.pcm_noise_scale", 1.0, "1", Range::closed(0, 100), "pcm: multiplier on sigma_prog (Nandakumar 2019 / Joshi 2020 polynomial)"));
    s.add(params::real_key("hwa.pcm_g_max_siemens", 25e-6, "S", {0.0, 1e-3, true, false}, "pcm: conductance representing max |W| (Joshi 2020: 25 uS)"));
    s.add(params::real_key("hwa.input_noise_rel", 0.0, "1", Range::closed(0, 1), "input noise std relative to the row's max |x|"));
    s.add(params::real_key("hwa.output_noise_rel", 0.0, "1", Range::closed(0, 10), "output noise std in units of max|W| max|x| (Rasch 2023: 0.04)"));
    s.add(params::integer_key("hwa.dac_bits", 0, Range::closed(0, 24), "input DAC bits incl. sign (Rasch 2023: 8); 0 = no quantisation"));
    s.add(params::integer_key("hwa.adc_bits", 0, Range::closed(0, 24), "output ADC bits incl. sign (Rasch 2023: 8); 0 = no clipping or quantisation"));
    s.add(params::real_key("hwa.adc_bound", 10.0, "1", {0.0, 1e6, true, false}, "ADC full scale in units of max|W| max|x| (Rasch 2023: 10)"));
    s.add(params::real_key("hwa.weight_clip_sigma", 0.0, "1", Range::closed(0, 100), "clip each layer's W to +-k std(W) after each step (aihwkit: 2.5); 0 = off"));
    return s;
}

TrainConfig train_config_from(const params::Config& cfg) {
    TrainConfig t;
    transformer::ModelConfig& m = t.model;
    m.arch = transformer::Architecture::llama;
    m.dim = static_cast<int>(cfg.integer("model.dim"));
    m.hidden_dim = static_cast<int>(cfg.integer("model.hidden_dim"));
    m.n_layers = static_cast<int>(cfg.integer("model.n_layers"));
    m.n_heads = static_cast<int>(cfg.integer("model.n_heads"));
    m.n_kv_heads = static_cast<int>(cfg.integer("model.n_kv_heads"));
    m.seq_len = static_cast<int>(cfg.integer("model.seq_len"));
    m.shared_classifier = cfg.boolean("model.shared_classifier");
    const auto where = [&](const char* key) { return cfg.source(key); };
    if (m.dim % m.n_heads != 0 || (m.dim / m.n_heads) % 2 != 0)
        throw InputError(fmt::format("{}: model.dim = {} must be n_heads = {} times an even head size (RoPE rotates pairs)",
                                     where("model.dim"), m.dim, m.n_heads));
    if (m.n_heads % m.n_kv_heads != 0)
        throw InputError(fmt::format("{}: model.n_kv_heads = {} must divide model.n_heads = {} (grouped-query attention)",
                                     where("model.n_kv_heads"), m.n_kv_heads, m.n_heads));
    t.corpus = cfg.text("data.corpus");

    t.seed = static_cast<std::uint64_t>(cfg.integer("train.seed"));
    t.batch_size = static_cast<int>(cfg.integer("train.batch_size"));
    AdamWOptions& a = t.adamw;
    a.total_steps = cfg.integer("train.steps");
    a.warmup_steps = cfg.integer("train.warmup_steps");
    a.lr = cfg.real("train.lr");
    a.lr_min = cfg.real("train.lr_min");
    a.weight_decay = cfg.real("train.weight_decay");
    a.beta1 = cfg.real("train.beta1");
    a.beta2 = cfg.real("train.beta2");
    a.eps = cfg.real("train.adam_eps");
    a.grad_clip = cfg.real("train.grad_clip");
    if (a.lr_min > a.lr)
        throw InputError(fmt::format("{}: train.lr_min = {} must not exceed train.lr = {}", where("train.lr_min"),
                                     params::format_number(a.lr_min), params::format_number(a.lr)));
    if (a.warmup_steps >= a.total_steps)
        throw InputError(fmt::format("{}: train.warmup_steps = {} must be below train.steps = {}",
                                     where("train.warmup_steps"), a.warmup_steps, a.total_steps));
    t.init_std = cfg.real("train.init_std");
    t.init_from = cfg.text("train.init_from");
    t.log_every = cfg.integer("train.log_every");
    t.eval_every = cfg.integer("train.eval_every");
    t.eval_windows = static_cast<int>(cfg.integer("train.eval_windows"));
    t.checkpoint_every = cfg.integer("train.checkpoint_every");

    HwaOptions& h = t.hwa;
    const std::string& wn = cfg.text("hwa.weight_noise");
    h.weight_noise = wn == "gaussian" ? WeightNoise::gaussian : wn == "pcm" ? WeightNoise::pcm : WeightNoise::none;
    h.weight_noise_rel = cfg.real("hwa.weight_noise_rel");
    h.pcm_noise_scale = cfg.real("hwa.pcm_noise_scale");
    h.pcm_g_max_siemens = cfg.real("hwa.pcm_g_max_siemens");
    h.input_noise_rel = cfg.real("hwa.input_noise_rel");
    h.output_noise_rel = cfg.real("hwa.output_noise_rel");
    h.dac_bits = static_cast<int>(cfg.integer("hwa.dac_bits"));
    h.adc_bits = static_cast<int>(cfg.integer("hwa.adc_bits"));
    h.adc_bound = cfg.real("hwa.adc_bound");
    h.weight_clip_sigma = cfg.real("hwa.weight_clip_sigma");
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
