// Benchmark (not a test) of one validated device tile, the way nodal validation solves it on a
// fresh engine (analog/check_cache.hpp, cosim/tile_solver.cpp), stage by stage, in thread-free
// wall time per tile: the circuit build (named nodes and elements), the nested-dissection
// ordering, the nodal solver's set-up (numbering, assembly, stamp slots), then the Newton solve
// from zero bias (the split factor's analysis and factorisation, the CG-preconditioned steps,
// the device evaluations) against the same solve on a new solver started from the
// line-relaxation surrogate's solution (its build and solve, the mapping onto the nodes,
// cosim/surrogate_start.hpp), with Newton and CG iterations and the largest output difference
// relative to the largest output. Random tiles of the --config configuration (default the main
// job's Stanford-PKU tile), inputs rt.v_volt * --scale; response and V* from --tables.
// Run with OMP_NUM_THREADS=1: validation solves each tile on one thread.
//
// Usage: check_bench [--config TOML] [--tables FILE] [--tiles 10] [--scale 1]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "analog/analog_config.hpp"
#include "bench_util.hpp"
#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/surrogate_start.hpp"
#include "cosim/tile_solver.hpp"
#include "evaluation/model_inputs.hpp"
#include "netlists/crossbar_builder.hpp"
#include "params/config.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff: stages of one validated device tile, zero-bias vs surrogate start");
    std::string config_path = "validation/configs/main_stanford.toml", tables = "out/main/stanford.safetensors";
    int tiles = 10;
    double scale = 1.0;
    app.add_option("--config", config_path, "tile configuration (TOML)");
    app.add_option("--tables", tables, "surrogate tables from `kirchhoff fit` for that configuration");
    app.add_option("--tiles", tiles, "random tiles (one input each)")->check(CLI::Range(1, 100000));
    app.add_option("--scale", scale, "input voltages: the random tile's times this")->check(CLI::Range(1e-3, 1.0));
    CLI11_PARSE(app, argc, argv);
    params::Config cc(analog::analog_schema());
    cc.load_file(config_path);
    const analog::AnalogOptions ao = evaluation::analog_options(cc, cosim::Engine::surrogate, tables);
    netlists::CrossbarConfig xc = ao.config.crossbar;
    double t_build = 0, t_order = 0, t_ctor = 0, t_solve = 0, t_line = 0, t_map = 0, t_warm = 0, diff = 0;
    double t_pooled = 0, diff_pooled = 0, t_line_build = 0;
    long newton = 0, cg = 0, newton_w = 0, cg_w = 0;
    std::unique_ptr<cosim::TileCircuitSolver> pooled;  // one solver, reprogrammed tile after tile
    for (int k = 0; k < tiles; ++k) {
        xc.seed = 100 + k;
        const netlists::RandomTile rt = netlists::random_tile(xc);
        const cosim::ProgrammedTile tile = cosim::program_tile(xc, rt.g_siemens);
        const Eigen::VectorXd vin = rt.v_volt * scale;
        auto t0 = Clock::now();
        auto xbar = netlists::build_crossbar(xc.spec, tile.cells, Eigen::VectorXd::Zero(xc.spec.rows), "tile circuit");
        t_build += seconds_since(t0);
        t0 = Clock::now();
        cosim::NodalOptions o;
        o.ordering = netlists::nested_dissection_order(xbar);
        t_order += seconds_since(t0);
        t0 = Clock::now();
        cosim::NodalSolver solver(xbar.circuit, o);
        t_ctor += seconds_since(t0);
        xbar.set_inputs(vin);
        t0 = Clock::now();
        const cosim::NodalSolution s = solver.solve();
        t_solve += seconds_since(t0);
        const Eigen::VectorXd out = xbar.outputs(cosim::sense_currents(xbar, s));
        newton += s.iterations;
        cg += s.cg_iterations;
        // The same on a fresh solver, from the surrogate's solution.
        cosim::NodalSolver solver2(xbar.circuit, o);
        t0 = Clock::now();
        const auto line = cosim::LineRelaxation::build(xc.spec, tile.cells, ao.response, ao.v_star_volt, ao.surrogate.line);
        t_line_build += seconds_since(t0);
        cosim::LineRelaxationNodes nodes;
        line.sense_currents(vin, nullptr, &nodes);
        t_line += seconds_since(t0);
        t0 = Clock::now();
        const Eigen::VectorXd start = cosim::surrogate_start_voltages(xbar, nodes);
        t_map += seconds_since(t0);
        t0 = Clock::now();
        const cosim::NodalSolution w = solver2.solve_from(start);
        t_warm += seconds_since(t0);
        newton_w += w.iterations;
        cg_w += w.cg_iterations;
        const Eigen::VectorXd out2 = xbar.outputs(cosim::sense_currents(xbar, w));
        diff = std::max(diff, (out2 - out).cwiseAbs().maxCoeff() / out.cwiseAbs().maxCoeff());
        // The validation's path (analog/check_solvers.hpp): the line relaxation, then one solver
        // reprogrammed with this tile's cells and started there (the first tile sets it up).
        t0 = Clock::now();
        auto start_line = cosim::tile_line_relaxation(tile, ao.response, ao.v_star_volt, ao.surrogate.line);
        if (!pooled) pooled = std::make_unique<cosim::TileCircuitSolver>(xc, tile.cells, std::move(start_line));
        else pooled->reprogram(xc, tile.cells, std::move(start_line));
        const Eigen::VectorXd out3 = netlists::logical_outputs(xc.spec, pooled->sense_currents(vin));
        if (k > 0) t_pooled += seconds_since(t0);
        diff_pooled = std::max(diff_pooled, (out3 - out2).cwiseAbs().maxCoeff() / out.cwiseAbs().maxCoeff());
    }
    const double n = tiles;
    fmt::print("per tile: build {:.4f} order {:.4f} ctor {:.4f} | zero-bias solve {:.4f} (newton {:.2f} cg {:.2f}) | "
               "line {:.4f} (its build {:.4f}) map {:.4f} started solve {:.4f} (newton {:.2f} cg {:.2f}) | max rel diff {:.1e}\n",
               t_build / n, t_order / n, t_ctor / n, t_solve / n, newton / n, cg / n, t_line / n, t_line_build / n, t_map / n, t_warm / n,
               newton_w / n, cg_w / n, diff);
    if (tiles > 1)
        fmt::print("reprogrammed solver (line relaxation, swap, started solve): {:.4f} per tile after the first, "
                   "against {:.4f} built | max rel diff to the started solve {:.1e}\n",
                   t_pooled / (n - 1), (t_build + t_order + t_ctor + t_line + t_map + t_warm) / n, diff_pooled);
}
