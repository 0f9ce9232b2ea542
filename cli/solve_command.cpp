// `kirchhoff solve --engine ideal|nodal|spice [--inputs K | --inputs-csv FILE] [--config F]
// [--set k=v ...] [--json] [--out DIR]`: MVMs (or one select-mode read) on a configured tile
// with seeded random conductances and inputs; several input vectors share one set-up. The
// nodal engine solves by solver.method (direct, iterative or auto: cosim/tile_solver.hpp).
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/child_watchdog.hpp"
#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "cli/config_options.hpp"
#include "netlists/crossbar_setup.hpp"
#include "cosim/crossbar_reader.hpp"
#include "cosim/tile_solver.hpp"
#include "cli/input_vectors.hpp"
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
    int inputs = 1;
    std::string inputs_csv;
};

std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.begin(), v.end()}; }

// One vector's result and what it cost.
struct VectorResult {
    cosim::CrossbarReading reading;
    cosim::TileSolveReport report;  // nodal engine, read mode
    double seconds = 0;
};

// Solves every input vector (columns of v) with one set-up (cosim::CrossbarReader: the nodal
// engine's factorisation or iterative factors, the circuit the spice engine reloads).
std::vector<VectorResult> solve(const std::string& engine, const netlists::CrossbarSetup& setup, const Eigen::MatrixXd& v) {
    const cosim::ProgrammedTile tile{setup.config, setup.tile.g_siemens, setup.cells};
    std::optional<netlists::CrossbarCircuit> circuit;
    if (engine == "spice") circuit = setup.xbar;  // built by crossbar_setup for ngspice
    cosim::CrossbarReader reader(cosim::parse_engine(engine, {cosim::Engine::ideal, cosim::Engine::nodal,
                                                              cosim::Engine::spice}, "--engine"),
                                 tile, {}, nullptr, std::move(circuit));
    std::vector<VectorResult> out(std::size_t(v.cols()));
    for (Eigen::Index k = 0; k < v.cols(); ++k) {
        VectorResult& r = out[std::size_t(k)];
        const auto start = std::chrono::steady_clock::now();
        r.reading = reader.read(v.col(k), &r.report);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return out;
}

void solve_and_print(const SolveOptions& o, const netlists::CrossbarSetup& setup, const Eigen::MatrixXd& v);

void run(const SolveOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    const netlists::CrossbarConfig tile_config = netlists::crossbar_config(config);
    const auto& spec = tile_config.spec;
    const bool read_mode = spec.mode == netlists::Mode::read;
    const bool iterative = o.engine == "nodal" && read_mode &&
                           cosim::method_in_force(tile_config) == netlists::SolverMethod::iterative;
    // Before the tile is built: a 4096 x 4096 circuit alone takes gigabytes.
    if (o.engine != "ideal") cosim::check_memory_budget(tile_config, iterative ? "iterative" : o.engine);
    if ((o.inputs > 1 || !o.inputs_csv.empty()) && !read_mode)
        throw InputError("--inputs / --inputs-csv: several input vectors need read mode (array.mode = \"read\"); "
                         "select mode has one select voltage");
    if (o.engine == "ideal") cosim::require_ideal_defined(tile_config);
    if (!o.out_dir.empty() && o.engine == "ideal")
        throw InputError("--out: voltage maps need a circuit engine (--engine nodal or spice)");
    // The circuit is built here for ngspice (the reader reloads it per vector) and for voltage
    // maps only: the nodal engine's solver builds its own (the direct one when it is used, the
    // iterative one none), and so do select-mode reads.
    const bool with_circuit = o.engine == "spice" || !o.out_dir.empty();
    const netlists::CrossbarSetup setup = netlists::crossbar_setup(config, with_circuit);
    const Eigen::MatrixXd v =
        !o.inputs_csv.empty() ? read_input_vectors_csv(o.inputs_csv, spec.rows, tile_config.v_read_volt)
        : read_mode           ? random_input_vectors(setup.tile.v_volt, o.inputs, tile_config.v_read_volt, tile_config.seed)
                              : Eigen::MatrixXd(setup.tile.v_volt);
    print_effective_config(config);
    if (!o.out_dir.empty()) io::prepare_output_dir(o.out_dir, "--out");
    const double limit_s = setup.config.timeout_s;
    if (o.engine != "spice" || !(limit_s > 0)) return solve_and_print(o, setup, v);
    // libngspice cannot be interrupted while it loads a deck: the solve runs in a child process
    // that is killed one second after solver.timeout_s (the analysis itself is halted at it).
    const int status = run_in_watched_child(limit_s, 1.0, fmt::format("{}x{} tile (solver.timeout_s = {} s)",
                                                                       spec.rows, spec.cols, limit_s),
                                            [&] { solve_and_print(o, setup, v); });
    if (status != 0) throw ChildFailed(status);
}

void solve_and_print(const SolveOptions& o, const netlists::CrossbarSetup& setup, const Eigen::MatrixXd& v) {
    const auto& spec = setup.config.spec;
    const std::vector<VectorResult> results = solve(o.engine, setup, v);
    const int k_vectors = int(results.size());
    double total = 0;
    for (const auto& r : results) total += r.seconds;
    // The first vector pays the set-up (factorisation, iterative factors, ngspice load).
    const double per_vector = k_vectors > 1 ? (total - results[0].seconds) / (k_vectors - 1) : results[0].seconds;

    const bool read_mode = spec.mode == netlists::Mode::read;
    auto ideal_of = [&](Eigen::Index k) {
        return read_mode ? netlists::ideal_outputs(spec, setup.tile.g_siemens, v.col(k)) : Eigen::VectorXd();
    };
    for (const auto& r : results)
        if (r.report.fell_back) {
            fmt::print(stderr, "note: solver.method = {}: the direct solver solved this tile: {}\n",
                       to_string(setup.config.solver_method), r.report.fallback_reason);
            break;
        }

    if (!o.out_dir.empty()) {
        // The maps come from the nodal solution of the first vector (for spice and the
        // iterative solver: the same circuit solved by the direct solver, which agrees with
        // ngspice to 1e-6).
        cosim::NodalOptions options;
        options.timeout_s = setup.config.timeout_s;
        netlists::CrossbarCircuit xbar = setup.xbar;
        if (read_mode) xbar.set_inputs(v.col(0));
        const cosim::CrossbarReading nodal = cosim::read_nodal(xbar, options);
        for (const auto& f : validation::write_ir_drop_map(xbar, nodal.node_volt, nodal.cell_current, o.out_dir))
            fmt::print(stderr, "wrote {}\n", f.string());
    }

    auto solver_json = [&](const VectorResult& r, nlohmann::json& out) {
        if (r.report.method.empty()) return;
        out["method"] = r.report.method;
        out["fell_back"] = r.report.fell_back;
        out["fallback_reason"] = r.report.fell_back ? nlohmann::json(r.report.fallback_reason) : nlohmann::json(nullptr);
        out["newton_iterations"] = r.report.newton_iterations;
        out["cg_iterations"] = r.report.cg_iterations;
        out["relative_residual"] =
            r.report.method == "iterative" ? nlohmann::json(r.report.relative_residual) : nlohmann::json(nullptr);
    };
    if (o.json) {
        const VectorResult& first = results[0];
        const Eigen::VectorXd ideal = ideal_of(0);
        nlohmann::json out;
        out["engine"] = o.engine;
        out["rows"] = spec.rows;
        out["cols"] = spec.cols;
        out["mode"] = to_string(spec.mode);
        out["currents_a"] = to_vector(first.reading.outputs);
        out["ideal_a"] = to_vector(ideal);
        out["rel_err_vs_ideal"] =
            read_mode ? nlohmann::json((first.reading.outputs - ideal).norm() / ideal.norm()) : nlohmann::json(nullptr);
        out["seconds"] = first.seconds;
        solver_json(first, out);
        out["vectors"] = k_vectors;
        out["seconds_total"] = total;
        out["seconds_per_vector"] = per_vector;
        if (!read_mode) {
            out["sense_currents_a"] = nlohmann::json::array();
            for (double x : first.reading.sense_current)
                out["sense_currents_a"].push_back(std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x));
        }
        if (k_vectors > 1) {
            out["batch"] = nlohmann::json::array();
            for (int k = 0; k < k_vectors; ++k) {
                const VectorResult& r = results[std::size_t(k)];
                const Eigen::VectorXd ik = ideal_of(k);
                nlohmann::json one;
                one["inputs_v"] = to_vector(v.col(k));
                one["currents_a"] = to_vector(r.reading.outputs);
                one["ideal_a"] = to_vector(ik);
                one["rel_err_vs_ideal"] = (r.reading.outputs - ik).norm() / ik.norm();
                one["seconds"] = r.seconds;
                solver_json(r, one);
                out["batch"].push_back(one);
            }
        }
        fmt::print("{}\n", out.dump());
        return;
    }
    auto solver_text = [&](const VectorResult& r) {
        if (r.report.method == "iterative")
            return fmt::format(", solver iterative ({} Newton, {} CG iterations, relative residual {:.2e})",
                               r.report.newton_iterations, r.report.cg_iterations, r.report.relative_residual);
        if (r.report.method == "direct") return std::string(r.report.fell_back ? ", solver direct (fallback)" : ", solver direct");
        return std::string();
    };
    fmt::print("# {}x{} {} tile, {} mode, engine {}{}, {:.4f} s\n", spec.rows, spec.cols, to_string(spec.cell),
               to_string(spec.mode), o.engine, solver_text(results[0]), results[0].seconds);
    if (!read_mode) {
        fmt::print("selected cell ({}, {}) read current: {:.17g} A\n", spec.select_row, spec.select_col,
                   results[0].reading.sense_current(spec.select_col));
        return;
    }
    for (int k = 0; k < k_vectors; ++k) {
        const VectorResult& r = results[std::size_t(k)];
        const Eigen::VectorXd ideal = ideal_of(k);
        if (k_vectors > 1) fmt::print("# vector {} of {}{}, {:.4f} s\n", k, k_vectors, solver_text(r), r.seconds);
        fmt::print("{:>6}  {:>24}  {:>24}  {:>12}\n", "output", "current_a", "ideal_a", "rel_diff");
        for (int c = 0; c < spec.cols; ++c)
            fmt::print("{:>6}  {:>24.17g}  {:>24.17g}  {:>12.4e}\n", c, r.reading.outputs(c), ideal(c),
                       (r.reading.outputs(c) - ideal(c)) / ideal(c));
        fmt::print("relative error vs ideal G^T v (2-norm): {:.6e}\n", (r.reading.outputs - ideal).norm() / ideal.norm());
    }
    if (k_vectors > 1)
        fmt::print("# {} vectors on one set-up: {:.4f} s in all, first (with the set-up) {:.4f} s, then {:.4g} s per "
                   "vector\n",
                   k_vectors, total, results[0].seconds, per_vector);
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
                  "print one JSON object {engine, rows, cols, currents_a, ideal_a, rel_err_vs_ideal, seconds, "
                  "vectors, seconds_total, seconds_per_vector; nodal: method, fell_back, fallback_reason, "
                  "newton_iterations, cg_iterations, relative_residual; with several vectors: batch, one such "
                  "object per vector} (default: off)");
    cmd->add_option("--inputs", options->inputs,
                    "solve this many input vectors on one set-up (factorisation or iterative factors): the tile's "
                    "seeded inputs and K - 1 more, uniform in [0, input.v_read_volt], from the seed; the per-vector "
                    "cost is printed (default 1; read mode)")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--inputs-csv", options->inputs_csv,
                    "solve the input vectors in this CSV file instead: one vector per line, array.rows "
                    "comma-separated voltages in [-input.v_read_volt, input.v_read_volt]; '#' starts a comment line "
                    "(read mode)")
        ->type_name("FILE");
    cmd->add_option("--out", options->out_dir,
                    "also write per-cell voltage maps (IR drop) as CSV and heat-map PNG into this folder (default: none)")
        ->type_name("DIR");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, netlists::crossbar_schema());
    cmd->callback([options, config_options] { run(*options, *config_options); });
}

}  // namespace kirchhoff::cli
