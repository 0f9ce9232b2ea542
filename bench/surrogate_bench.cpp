// Benchmark of the tile surrogate (not a test), measured side by side in one run:
//   - MVM cost: the surrogate's matvec (features + one GEMV for ohmic and rank-1 cells) vs a
//     plain dense GEMV of the same size (the ideal engine's arithmetic), and vs a nodal
//     re-solve of the full circuit with its factorisation reused. Target at 256 x 256:
//     surrogate at most 3x the GEMV.
//   - Build cost of one tile's surrogate (factorisation + one solve per row). Target: seconds
//     at 256 x 256.
// Tiles: ohmic, and Stanford-PKU RRAM (stanford_rram_aimc, 2-100 uS at 0.2 V) with its cell
// response from a native device table (ngspice's table agrees to 1e-14; see `kirchhoff fit`).
//
// Usage: surrogate_bench [--sizes 64,128,256] [--mvms 2000] [--r-wire 1.0]
#include <chrono>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_util.hpp"
#include "cosim/surrogate_model.hpp"
#include "cosim/device_table.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/tile_surrogate.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff tile surrogate benchmark");
    std::vector<int> sizes{64, 128, 256};
    int mvms = 2000;
    double r_wire = 1.0;
    app.add_option("--sizes", sizes, "tile sizes N (N x N)")->delimiter(',');
    app.add_option("--mvms", mvms, "MVMs timed per engine")->check(CLI::PositiveNumber);
    app.add_option("--r-wire", r_wire, "wire resistance per segment (ohm)");
    CLI11_PARSE(app, argc, argv);

    fmt::print("| cells | N | build s | GEMV us | surrogate us | surrogate / GEMV | nodal re-solve us | nodal / surrogate |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const std::string cells : {"linear", "stanford_rram_aimc"}) {
        for (int n : sizes) {
            netlists::CrossbarConfig x;
            x.spec.rows = x.spec.cols = n;
            x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = r_wire;
            x.device_preset = cells;
            if (cells != "linear") x.g_min_siemens = 2e-6;
            const auto random = netlists::random_tile(x);
            const auto tile = cosim::program_tile(x, random.g_siemens);
            const cosim::CellResponse response = cells == "linear" ? cosim::CellResponse::linear() : cosim::native_response(x, {});

            const auto t0 = Clock::now();
            const auto surrogate = cosim::TileSurrogate::build(x.spec, tile.cells, response, 0.11);
            const double build = seconds_since(t0);

            // Inputs cycle through a small set so that every engine sees the same vectors.
            std::vector<Eigen::VectorXd> inputs;
            netlists::SplitMix64 rng(7);
            for (int k = 0; k < 16; ++k) {
                Eigen::VectorXd v(n);
                for (int r = 0; r < n; ++r) v(r) = x.v_read_volt * rng.uniform();
                inputs.push_back(v);
            }
            const Eigen::MatrixXd gt = random.g_siemens[0].transpose();  // (cols, rows): the ideal engine's GEMV
            double sink = 0;
            auto t = Clock::now();
            for (int k = 0; k < mvms; ++k) sink += (gt * inputs[std::size_t(k % 16)])(0);
            const double gemv = seconds_since(t) / mvms;
            t = Clock::now();
            for (int k = 0; k < mvms; ++k) sink += surrogate.matvec(inputs[std::size_t(k % 16)])(0);
            const double sur = seconds_since(t) / mvms;
            auto nodal = cosim::make_nodal_engine(tile);
            const int nodal_mvms = std::max(3, mvms / 200);
            t = Clock::now();
            for (int k = 0; k < nodal_mvms; ++k) sink += nodal->matvec(inputs[std::size_t(k % 16)])(0);
            const double nod = seconds_since(t) / nodal_mvms;
            if (!(sink != 0)) return 1;
            fmt::print("| {} | {} | {:.3f} | {:.1f} | {:.1f} | {:.2f}x | {:.0f} | {:.0f}x |\n", cells, n, build, 1e6 * gemv,
                       1e6 * sur, sur / gemv, 1e6 * nod, nod / sur);
            std::fflush(stdout);
        }
    }
    return 0;
}
