// Benchmark of the nodal solver's Newton paths on nonlinear cells (not a test), side by side in
// one run: `fresh` (a new factorisation every Newton step, every solve from zero bias: the path
// before the cache) against `cached` (CG preconditioned by a factor cached across steps and
// MVMs, warm start from the tile's last solution; linalg/newton_linear_solve.hpp).
//   - one tile: per-MVM time of the same sequence of random signed inputs on a programmed
//     Stanford-PKU tile (default 64 x 64, differential columns, 1 ohm wires, 0.3 V), the ratio,
//     Newton and CG iterations and factorisations per MVM, and the largest difference of the
//     outputs relative to the largest output;
//   - the shipped model: tokens per second with every MVM a nodal circuit solve
//     (`kirchhoff run --engine nodal`), same tokens, and the perplexities of the two.
// Target: the model at least 20x faster (>= 3 tokens/s at 2 threads) with the same results
// within the Newton tolerance.
//
// Usage: newton_bench [--model models/plain/model.bin] [--tokens 4] [--mvms 30] [--size 64]
//                     [--v-read 0.3] [--preset stanford_rram_aimc] [--g-min 2e-6] [--no-model]
#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analog/analog_backend.hpp"
#include "bench_util.hpp"
#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

namespace {

struct TileRun {
    std::vector<double> seconds;  // per MVM
    std::vector<Eigen::VectorXd> outputs;
    cosim::NodalCounts counts;
};

// The MVMs of `inputs` on one solver of the tile's circuit, as the nodal engine does them.
TileRun run_tile(const netlists::CrossbarConfig& config, const cosim::ProgrammedTile& tile,
                 const std::vector<Eigen::VectorXd>& inputs, cosim::NewtonJacobian newton) {
    auto xbar = netlists::build_crossbar(config.spec, tile.cells, inputs.front(), "newton bench tile");
    cosim::NodalOptions o;
    o.ordering = netlists::nested_dissection_order(xbar);
    o.newton = newton;
    const cosim::NodalSolver solver(xbar.circuit, o);
    TileRun run;
    for (const Eigen::VectorXd& v : inputs) {
        xbar.set_inputs(v);
        const auto t0 = Clock::now();
        run.outputs.push_back(xbar.outputs(cosim::sense_currents(xbar, solver.solve())));
        run.seconds.push_back(seconds_since(t0));
    }
    run.counts = solver.counts();
    return run;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff nodal Newton paths: fresh factorisations vs cached factor + CG");
    std::string model_path = "models/plain/model.bin", preset = "stanford_rram_aimc";
    int n_tokens = 4, mvms = 30, size = 64;
    double v_read = 0.3, g_min = 2e-6;
    bool no_model = false;
    std::string only;
    app.add_option("--model", model_path, "llama2.c .bin (default: the shipped plain model)");
    app.add_option("--tokens", n_tokens, "tokens scored per path")->check(CLI::Range(2, 1 << 20));
    app.add_option("--mvms", mvms, "MVMs on the tile per path")->check(CLI::Range(2, 1 << 20));
    app.add_option("--size", size, "tile rows = logical columns")->check(CLI::Range(2, 1024));
    app.add_option("--v-read", v_read, "largest input voltage of the tile (V)")->check(CLI::Range(1e-3, 2.0));
    app.add_option("--preset", preset, "device preset of the cells");
    app.add_option("--g-min", g_min, "lowest programmed conductance (S)");
    app.add_flag("--no-model", no_model, "skip the model run");
    app.add_option("--only", only, "run one path only (for profiling)")->check(CLI::IsMember({"fresh", "cached"}));
    CLI11_PARSE(app, argc, argv);
    const cosim::NewtonJacobian paths[] = {cosim::NewtonJacobian::fresh, cosim::NewtonJacobian::cached};
    const char* names[] = {"fresh", "cached"};

    // One programmed tile and a fixed sequence of signed inputs in [-v_read, v_read].
    netlists::CrossbarConfig xc;
    xc.spec.rows = xc.spec.cols = size;
    xc.spec.differential = netlists::Differential::columns;
    xc.device_preset = preset;
    xc.g_min_siemens = g_min;
    xc.v_read_volt = v_read;
    const netlists::RandomTile rt = netlists::random_tile(xc);
    const cosim::ProgrammedTile tile = cosim::program_tile(xc, rt.g_siemens);
    netlists::SplitMix64 rng(7);
    std::vector<Eigen::VectorXd> inputs(std::size_t(mvms), Eigen::VectorXd::Zero(size));
    for (Eigen::VectorXd& v : inputs)
        for (Eigen::Index r = 0; r < v.size(); ++r) v(r) = v_read * (2.0 * rng.uniform() - 1.0);

    fmt::print("# one {0}x{0} tile, differential columns, {1} ohm wires, {2} cells (g_min {3} S), inputs in "
               "[-{4}, {4}] V, {5} MVMs per path\n",
               size, xc.spec.r_wire_row_ohm, preset, g_min, v_read, mvms);
    fmt::print("| path | first MVM s | per-MVM s (median of the rest) | Newton it/MVM | CG it/MVM | factorisations/MVM |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|\n");
    TileRun runs[2];
    for (int p = 0; p < 2; ++p) {
        if (!only.empty() && only != names[p]) continue;
        runs[p] = run_tile(xc, tile, inputs, paths[p]);
        const TileRun& r = runs[p];
        const double m = double(r.counts.solves);
        fmt::print("| {} | {:.4f} | {:.5f} | {:.2f} | {:.2f} | {:.2f} |\n", names[p], r.seconds.front(),
                   median(std::vector<double>(r.seconds.begin() + 1, r.seconds.end())),
                   double(r.counts.newton_iterations) / m, double(r.counts.cg_iterations) / m,
                   double(r.counts.factorizations) / m);
        std::fflush(stdout);
    }
    double scale = 0, diff = 0;
    for (std::size_t i = 0; i < inputs.size() && only.empty(); ++i) {
        scale = std::max(scale, runs[0].outputs[i].cwiseAbs().maxCoeff());
        diff = std::max(diff, (runs[1].outputs[i] - runs[0].outputs[i]).cwiseAbs().maxCoeff());
    }
    if (only.empty())
        fmt::print("per-MVM speed-up cached / fresh: {:.1f}x; max |cached - fresh| / max |output| = {:.1e}\n",
                   median(std::vector<double>(runs[0].seconds.begin() + 1, runs[0].seconds.end())) /
                       median(std::vector<double>(runs[1].seconds.begin() + 1, runs[1].seconds.end())),
                   diff / scale);
    if (no_model) return 0;

    // The shipped model with every MVM a nodal solve of its tiles (default tiles: 64 x 64,
    // differential columns, 1 ohm wires), the same cells.
    const transformer::Model model = transformer::load_llama2c(model_path);
    n_tokens = std::min(n_tokens, model.config.seq_len);
    std::vector<int> tokens;
    for (int i = 0; i < n_tokens; ++i) tokens.push_back((i * 31 + i * i * 7) % model.config.vocab_size);
    fmt::print("\n# {} with --engine nodal, {} cells (g_min {} S), {} tokens per path\n", model_path, preset, g_min,
               n_tokens);
    fmt::print("| path | tokens/s | ppl | Newton it/MVM | CG it/MVM | factorisations/MVM |\n|---|---:|---:|---:|---:|---:|\n");
    double tps[2] = {0, 0}, ppl[2] = {0, 0};
    for (int p = 0; p < 2; ++p) {
        if (!only.empty() && only != names[p]) continue;
        params::Config config(analog::analog_schema());
        config.set_override("device.preset=" + preset);
        config.set_override(fmt::format("device.g_min_siemens={}", g_min));
        config.set_override(fmt::format("solver.nodal_newton={}", names[p]));
        analog::AnalogOptions o;
        o.config = analog::analog_config(config);
        o.engine = cosim::Engine::nodal;
        analog::AnalogBackend backend(o);
        backend.prepare(model);
        const auto r = transformer::perplexity<float>(model, backend, tokens);
        tps[p] = r.tokens_per_second();
        ppl[p] = r.perplexity();
        const cosim::NodalCounts c = backend.nodal_counts();
        const double m = double(std::max(1L, c.solves));
        fmt::print("| {} | {:.3f} | {:.10f} | {:.2f} | {:.2f} | {:.2f} |\n", names[p], tps[p], ppl[p],
                   double(c.newton_iterations) / m, double(c.cg_iterations) / m, double(c.factorizations) / m);
        std::fflush(stdout);
    }
    if (only.empty())
        fmt::print("tokens/s speed-up cached / fresh: {:.1f}x; perplexity difference {:.1e}\n", tps[1] / tps[0],
                   std::abs(ppl[1] - ppl[0]));
    return 0;
}
