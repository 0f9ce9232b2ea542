// `kirchhoff solve --engine ideal|nodal|spice [--config F] [--set k=v ...] [--json] [--out DIR]`:
// one MVM (or one select-mode read) on a configured tile with seeded random conductances and
// inputs.
#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/child_watchdog.hpp"
#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "cli/config_options.hpp"
#include "netlists/crossbar_setup.hpp"
#include "cosim/crossbar_solve.hpp"
#include "io/output_path.hpp"
#include "cosim/solve_memory.hpp"
#include "params/error.hpp"
#include "validation/ir_drop_map.hpp"

namespace kirchhoff::cli {

namespace {

struct SolveOptions {
    std::string engine = "nodal";
    bool json = false;
    std::string out_dir;
};

std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.begin(), v.end()}; }

cosim::CircuitEngine circuit_engine(const std::string& engine) {
    return engine == "nodal" ? cosim::CircuitEngine::nodal
           : engine == "spice" ? cosim::CircuitEngine::spice
                               : cosim::CircuitEngine::ideal;
}

void solve_and_print(const SolveOptions& o, const netlists::CrossbarSetup& setup);

void run(const SolveOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    // Before the tile is built: a 4096 x 4096 circuit alone takes gigabytes.
    if (o.engine != "ideal") cosim::check_memory_budget(netlists::crossbar_config(config), o.engine);
    const netlists::CrossbarSetup setup = netlists::crossbar_setup(config);
    print_effective_config(config);
    const auto& spec = setup.config.spec;
    if (o.engine == "ideal") cosim::require_ideal_defined(setup.config);
    if (!o.out_dir.empty() && o.engine == "ideal")
        throw InputError("--out: voltage maps need a circuit engine (--engine nodal or spice)");
    if (!o.out_dir.empty()) io::prepare_output_dir(o.out_dir, "--out");
    const double limit_s = setup.config.timeout_s;
    if (o.engine != "spice" || !(limit_s > 0)) return solve_and_print(o, setup);
    // libngspice cannot be interrupted while it loads a deck: the solve runs in a child process
    // that is killed one second after solver.timeout_s (the analysis itself is halted at it).
    const int status = run_in_watched_child(limit_s, 1.0, fmt::format("{}x{} tile (solver.timeout_s = {} s)",
                                                                       spec.rows, spec.cols, limit_s),
                                            [&] { solve_and_print(o, setup); });
    if (status != 0) throw ChildFailed(status);
}

void solve_and_print(const SolveOptions& o, const netlists::CrossbarSetup& setup) {
    const auto& spec = setup.config.spec;
    const auto start = std::chrono::steady_clock::now();
    cosim::CrossbarReading reading =
        cosim::read_crossbar(circuit_engine(o.engine), setup.xbar, setup.config, setup.tile.g_siemens, setup.tile.v_volt);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const bool read_mode = spec.mode == netlists::Mode::read;
    const Eigen::VectorXd ideal =
        read_mode ? netlists::ideal_outputs(spec, setup.tile.g_siemens, setup.tile.v_volt) : Eigen::VectorXd();
    const double rel_err = read_mode ? (reading.outputs - ideal).norm() / ideal.norm() : std::nan("");

    if (!o.out_dir.empty()) {
        // The maps come from the nodal solution (for spice: the same circuit solved natively,
        // which agrees with ngspice to 1e-6).
        cosim::NodalOptions options;
        options.timeout_s = setup.config.timeout_s;
        const cosim::CrossbarReading nodal = o.engine == "nodal" ? reading : cosim::read_nodal(setup.xbar, options);
        for (const auto& f : validation::write_ir_drop_map(setup.xbar, nodal.node_volt, nodal.cell_current, o.out_dir))
            fmt::print(stderr, "wrote {}\n", f.string());
    }

    if (o.json) {
        nlohmann::json out;
        out["engine"] = o.engine;
        out["rows"] = spec.rows;
        out["cols"] = spec.cols;
        out["mode"] = to_string(spec.mode);
        out["currents_a"] = to_vector(reading.outputs);
        out["ideal_a"] = to_vector(ideal);
        out["rel_err_vs_ideal"] = read_mode ? nlohmann::json(rel_err) : nlohmann::json(nullptr);
        out["seconds"] = seconds;
        if (!read_mode) {
            out["sense_currents_a"] = nlohmann::json::array();
            for (double x : reading.sense_current) out["sense_currents_a"].push_back(std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x));
        }
        fmt::print("{}\n", out.dump());
        return;
    }
    fmt::print("# {}x{} {} tile, {} mode, engine {}, {:.4f} s\n", spec.rows, spec.cols, to_string(spec.cell),
               to_string(spec.mode), o.engine, seconds);
    if (!read_mode) {
        fmt::print("selected cell ({}, {}) read current: {:.17g} A\n", spec.select_row, spec.select_col,
                   reading.sense_current(spec.select_col));
        return;
    }
    fmt::print("{:>6}  {:>24}  {:>24}  {:>12}\n", "output", "current_a", "ideal_a", "rel_diff");
    for (int k = 0; k < spec.cols; ++k)
        fmt::print("{:>6}  {:>24.17g}  {:>24.17g}  {:>12.4e}\n", k, reading.outputs(k), ideal(k),
                   (reading.outputs(k) - ideal(k)) / ideal(k));
    fmt::print("relative error vs ideal G^T v (2-norm): {:.6e}\n", rel_err);
}

}  // namespace

void add_solve_command(CLI::App& app) {
    auto options = std::make_shared<SolveOptions>();
    CLI::App* cmd = app.add_subcommand("solve", "One crossbar matrix-vector product on a configured tile");
    cmd->add_option("--engine", options->engine,
                    fmt::format("ideal (G^T v), nodal (Kirchhoff's circuit solver) or spice (ngspice) (default "
                                "nodal). {}",
                                ideal_engine_help))
        ->check(CLI::IsMember({"ideal", "nodal", "spice"}));
    cmd->add_flag("--json", options->json,
                  "print one JSON object {engine, rows, cols, currents_a, ideal_a, rel_err_vs_ideal, seconds} "
                  "(default: off)");
    cmd->add_option("--out", options->out_dir,
                    "also write per-cell voltage maps (IR drop) as CSV and heat-map PNG into this folder (default: none)")
        ->type_name("DIR");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, netlists::crossbar_schema());
    cmd->callback([options, config_options] { run(*options, *config_options); });
}

}  // namespace kirchhoff::cli
