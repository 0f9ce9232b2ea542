// Benchmark of training (not a test): tokens per second of the training step (forward,
// backward, AdamW) of a model shaped by the training configuration, digital and with each
// hardware-aware option alone and all together, measured side by side in one run on the
// same batches (Trainer::step on the vendored corpus). The relative cost is each variant's
// time per step over the digital one's. Defaults are the shipped models' shape
// (models/plain.toml): dim 128, 5 layers, hidden 384, seq_len 256, batch 32.
//
// Usage: train_bench [--steps 6] [--warmup 1] [--set key=value ...]   (OMP_NUM_THREADS sets threads)
#include <algorithm>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <omp.h>

#include "training/config.hpp"
#include "training/corpus.hpp"
#include "training/loop.hpp"

using namespace kirchhoff;
using namespace kirchhoff::training;

namespace {

struct Variant {
    const char* name;
    std::vector<const char*> sets;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Training throughput and the cost of each hardware-aware option");
    int steps = 6, warmup = 1;
    std::vector<std::string> sets;
    app.add_option("--steps", steps, "timed steps per variant (median reported)");
    app.add_option("--warmup", warmup, "untimed steps per variant first");
    app.add_option("--set", sets, "training configuration override (repeatable)");
    CLI11_PARSE(app, argc, argv);

    const Corpus corpus = load_corpus();
    const std::vector<Variant> variants = {
        {"digital (ideal)", {}},
        {"gaussian weight noise", {"hwa.weight_noise=\"gaussian\"", "hwa.weight_noise_rel=0.03"}},
        {"pcm programming noise", {"hwa.weight_noise=\"pcm\""}},
        {"input noise", {"hwa.input_noise_rel=0.01"}},
        {"output noise", {"hwa.output_noise_rel=0.04"}},
        {"8-bit DAC", {"hwa.dac_bits=8"}},
        {"8-bit ADC", {"hwa.adc_bits=8"}},
        {"weight clipping 2.5 sigma", {"hwa.weight_clip_sigma=2.5"}},
        {"all of the above (pcm)",
         {"hwa.weight_noise=\"pcm\"", "hwa.input_noise_rel=0.01", "hwa.output_noise_rel=0.04", "hwa.dac_bits=8",
          "hwa.adc_bits=8", "hwa.weight_clip_sigma=2.5"}},
    };
    fmt::print("# training step: forward + backward + AdamW, {} threads, {} timed steps per variant (median)\n",
               omp_get_max_threads(), steps);
    double base = 0;
    bool header = false;
    for (const Variant& v : variants) {
        params::Config cfg(training_schema());
        cfg.set_override("train.steps=1000000");
        for (const std::string& s : sets) cfg.set_override(s);
        for (const char* s : v.sets) cfg.set_override(s);
        Trainer trainer(train_config_from(cfg), corpus);
        trainer.init_weights();
        if (!header) {
            const auto& c = trainer.config();
            fmt::print("# model: dim {}, hidden {}, {} layers, {} heads ({} kv), seq_len {}, batch {}, {} parameters\n",
                       c.model.dim, c.model.hidden_dim, c.model.n_layers, c.model.n_heads, c.model.n_kv_heads,
                       c.model.seq_len, c.batch_size, trainer.model().parameter_count());
            fmt::print("| variant | s/step | tokens/s | cost vs digital |\n|---|---:|---:|---:|\n");
            header = true;
        }
        for (int i = 0; i < warmup; ++i) trainer.step();
        std::vector<double> t;
        for (int i = 0; i < steps; ++i) t.push_back(trainer.step().seconds);
        const double s = median(t);
        if (base == 0) base = s;
        const double tokens = static_cast<double>(trainer.config().batch_size) * trainer.config().model.seq_len;
        fmt::print("| {} | {:.3f} | {:.0f} | {:.2f} |\n", v.name, s, tokens / s, s / base);
        std::fflush(stdout);
    }
    return 0;
}
