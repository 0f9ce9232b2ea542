// Benchmark (not a test): a GPT-2-small-shaped model (124 M parameters, random weights) on
// crossbar tiles with the surrogate engine (issue 15 item 5). The model is written with save_hf
// (config.json + model.safetensors) and read back with load_hf, then for each tile size the
// analog backend programs every linear layer (the default tile configuration otherwise:
// differential columns, 1 ohm wires, 8-bit DAC and ADC, linear cells) and scores --tokens
// tokens with --validate-fraction of the MVMs validated by the nodal circuit on the worker
// thread. Printed per tile size: tiles, programming time, tokens/s (wall time including every
// validation solve), MVMs validated and their NMSE, and the process's peak resident memory
// after each stage. The digital float32 speed on the same tokens is printed first.
//
// Usage: scale_bench [--tiles 64,256] [--tokens 16] [--validate-fraction 0.01] [--dim 768
//        --hidden 3072 --layers 12 --heads 12 --vocab 50257 --seq 1024]
#include <unistd.h>

#include <filesystem>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analog/analog_backend.hpp"
#include "bench_util.hpp"
#include "model_shape.hpp"
#include "evaluation/pass_progress.hpp"
#include "params/config.hpp"
#include "transformer/hf_checkpoint.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using bench::Clock;
using bench::seconds_since;

int main(int argc, char** argv) {
    CLI::App app("A GPT-2-small-shaped model on crossbar tiles: programming time, memory, tokens/s");
    std::vector<int> tiles{64, 256};
    int n_tokens = 16;
    double validate_fraction = 0.01;
    transformer::ModelConfig c = transformer::gpt2_small_shape();
    app.add_option("--tiles", tiles, "tile sizes (rows = cols)")->delimiter(',')->check(CLI::Range(8, 4096));
    app.add_option("--tokens", n_tokens, "tokens scored per tile size")->check(CLI::Range(2, 1 << 20));
    app.add_option("--validate-fraction", validate_fraction, "fraction of MVMs validated (nodal, worker thread)")
        ->check(CLI::Range(0.0, 1.0));
    bench::add_shape_options(app, c);
    CLI11_PARSE(app, argc, argv);
    c.n_kv_heads = c.n_heads;
    n_tokens = std::min(n_tokens, c.seq_len);

    auto t0 = Clock::now();
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / fmt::format("kirchhoff_scale_bench_{}", ::getpid());
    transformer::save_hf(transformer::random_model(c, 1), dir);
    const transformer::Model model = transformer::load_hf(dir);
    std::filesystem::remove_all(dir);
    fmt::print("model: GPT-2 shape, dim {}, hidden {}, {} layers, {} heads, vocab {}: {:.1f} M parameters "
               "(written and read back as safetensors in {:.1f} s); peak RSS {:.0f} MiB\n",
               c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.vocab_size, model.parameter_count() / 1e6,
               seconds_since(t0), bench::peak_rss_mib());
    std::fflush(stdout);

    std::vector<int> tokens;
    for (int i = 0; i < n_tokens; ++i) tokens.push_back((i * 7919 + i * i * 31) % c.vocab_size);
    transformer::IdealBackend digital;
    const auto d = transformer::perplexity<float>(model, digital, tokens);
    fmt::print("digital float32: {:.2f} tokens/s\n", d.tokens_per_second());
    std::fflush(stdout);

    for (int n : tiles) {
        params::Config config(analog::analog_schema());
        config.set_override(fmt::format("array.rows={}", n));
        config.set_override(fmt::format("array.cols={}", n));
        analog::AnalogOptions o;
        o.config = analog::analog_config(config);
        o.engine = cosim::Engine::surrogate;
        if (validate_fraction > 0) o.validate = cosim::Engine::nodal;
        o.validate_fraction = validate_fraction;
        o.validate_in_background = true;
        o.on_tile_programmed = evaluation::programming_progress();
        analog::AnalogBackend backend(o);
        t0 = Clock::now();
        backend.prepare(model);
        const double program_s = seconds_since(t0);
        const double rss_programmed = bench::peak_rss_mib();
        t0 = Clock::now();
        const auto a = transformer::perplexity<float>(model, backend, tokens);
        backend.finish_validation();
        const double run_s = seconds_since(t0);
        long validated = 0;
        double err = 0, ref = 0;
        for (const auto& s : backend.validation()) {
            validated += static_cast<long>(s.count);
            err += s.sum_sq_err;
            ref += s.sum_sq_ref;
        }
        fmt::print("{}x{} tiles: {} tiles programmed in {:.1f} s (peak RSS {:.0f} MiB); {} tokens in {:.1f} s = {:.3f} "
                   "tokens/s ({:.4f}x digital) with {} MVMs validated ({:.1f} s of solves, NMSE over all {:.2e}); "
                   "peak RSS {:.0f} MiB\n",
                   n, n, backend.tiles(), program_s, rss_programmed, n_tokens, run_s, double(n_tokens) / run_s,
                   double(n_tokens) / run_s / d.tokens_per_second(), validated, backend.validation_seconds(),
                   ref > 0 ? err / ref : 0.0, bench::peak_rss_mib());
        std::fflush(stdout);
    }
    return 0;
}
