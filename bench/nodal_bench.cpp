// Benchmark of Kirchhoff's nodal solver against ngspice on the same crossbar circuits (not a
// test). For each N x N ohmic tile (1 ohm segments, seeded random conductances and inputs):
//   - ngspice session: deck text, load, op, read the N column currents;
//   - nodal: build the circuit, order, factorise, solve; and a re-solve for a new input
//     vector (the factorisation reused), the cost an MVM on a programmed tile pays;
//   - agreement of the two (max relative difference of the column currents);
//   - memory: the Cholesky factor's size (values and row indices), and the process's peak
//     resident set (which includes the ngspice session's own memory).
// Ratios are measured side by side in one run. Targets: nodal at least 20x faster than
// ngspice at 128 x 128; agreement within 1e-6.
//
// Usage: nodal_bench [--sizes 32,64,128,256,512] [--spice-max 512] [--repeats 3]
#include <algorithm>
#include <chrono>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_util.hpp"
#include "cosim/crossbar_solve.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

namespace {

struct Tile {
    netlists::CrossbarConfig config;
    netlists::RandomTile tile;
};

Tile make_tile(int n) {
    Tile t;
    t.config.spec.rows = t.config.spec.cols = n;
    t.config.seed = std::uint64_t(n);
    t.tile = netlists::random_tile(t.config);
    return t;
}

netlists::CrossbarCircuit build(const Tile& t) {
    return netlists::build_crossbar(t.config.spec, netlists::program_cells(t.config, t.tile.g_siemens), t.tile.v_volt,
                                    fmt::format("bench {0}x{0}", t.config.spec.rows));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff nodal solver vs ngspice benchmark");
    std::vector<int> sizes{32, 64, 128, 256, 512};
    int spice_max = 512, repeats = 3;
    app.add_option("--sizes", sizes, "crossbar sizes N (N x N)")->delimiter(',');
    app.add_option("--spice-max", spice_max, "largest N also solved by ngspice");
    app.add_option("--repeats", repeats, "timed repeats (median reported)")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    fmt::print("| N | unknowns | ngspice s | nodal s (build+order+factor+solve) | speed-up | re-solve s | "
               "full / re-solve | max rel diff | factor MiB | peak RSS MiB |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    cosim::NgspiceSession session;
    for (int n : sizes) {
        const Tile t = make_tile(n);
        std::vector<double> t_spice, t_nodal, t_resolve;
        Eigen::VectorXd i_spice, i_nodal;
        long factor_nnz = 0;
        int unknowns = 0;
        for (int k = 0; k < repeats; ++k) {
            if (n <= spice_max) {
                const auto s0 = Clock::now();
                const auto xbar = build(t);
                i_spice = cosim::read_spice(session, xbar).outputs;
                t_spice.push_back(seconds_since(s0));
            }
            const auto n0 = Clock::now();
            auto xbar = build(t);
            cosim::NodalOptions options;
            options.ordering = netlists::nested_dissection_order(xbar);
            const cosim::NodalSolver solver(xbar.circuit, options);
            const auto solution = solver.solve();
            i_nodal = xbar.outputs(cosim::sense_currents(xbar, solution));
            t_nodal.push_back(seconds_since(n0));
            unknowns = solver.unknowns();
            factor_nnz = solver.factor_nonzeros();
            // A new input vector on the same programmed tile.
            xbar.set_inputs(t.tile.v_volt.reverse());
            const auto r0 = Clock::now();
            const auto again = solver.solve();
            t_resolve.push_back(seconds_since(r0));
            if (!(again.node_volt.size() > 0)) return 1;
        }
        const double nodal = median(t_nodal), resolve = median(t_resolve);
        std::string spice = "n/a", speedup = "n/a", diff = "n/a";
        if (!t_spice.empty()) {
            const double s = median(t_spice);
            spice = fmt::format("{:.4f}", s);
            speedup = fmt::format("{:.1f}x", s / nodal);
            diff = fmt::format("{:.1e}", ((i_nodal - i_spice).array().abs() / i_spice.array().abs()).maxCoeff());
        }
        fmt::print("| {} | {} | {} | {:.4f} | {} | {:.5f} | {:.1f}x | {} | {:.1f} | {:.0f} |\n", n, unknowns, spice,
                   nodal, speedup, resolve, nodal / resolve, diff, double(factor_nnz) * 12.0 / (1024.0 * 1024.0),
                   peak_rss_mib());
        std::fflush(stdout);
    }
    return 0;
}
