// `kirchhoff solve --engine ideal|spice [--config F] [--set k=v ...] [--json]`: one MVM on a
// configured tile with seeded random conductances and inputs.
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "cosim/ideal.hpp"
#include "cosim/ngspice_session.hpp"
#include "netlists/crossbar_config.hpp"
#include "netlists/resistive_crossbar.hpp"

namespace kirchhoff::cli {

namespace {

struct SolveOptions {
    std::string engine = "spice";
    bool json = false;
};

Eigen::VectorXd solve_spice(const netlists::ResistiveCrossbar& x, const netlists::CrossbarConfig& c) {
    cosim::NgspiceSession session;
    session.load(netlists::resistive_crossbar_deck(x));
    session.run("op", c.timeout_s > 0 ? std::optional<double>(c.timeout_s) : std::nullopt);
    const auto names = netlists::column_current_vectors(c.cols);
    Eigen::VectorXd i(c.cols);
    for (int k = 0; k < c.cols; ++k) i(k) = session.vector(names[std::size_t(k)]).at(0);
    return i;
}

void run(const SolveOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    const netlists::CrossbarConfig c = netlists::crossbar_config(config);
    print_effective_config(config);
    const netlists::ResistiveCrossbar x = netlists::random_crossbar(c);
    const Eigen::VectorXd ideal = cosim::ideal_column_currents(x.g_siemens, x.v_volt);

    const auto start = std::chrono::steady_clock::now();
    const Eigen::VectorXd currents = o.engine == "ideal" ? ideal : solve_spice(x, c);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rel_err = (currents - ideal).norm() / ideal.norm();

    if (o.json) {
        nlohmann::json out;
        out["engine"] = o.engine;
        out["rows"] = c.rows;
        out["cols"] = c.cols;
        out["currents_a"] = std::vector<double>(currents.begin(), currents.end());
        out["ideal_a"] = std::vector<double>(ideal.begin(), ideal.end());
        out["rel_err_vs_ideal"] = rel_err;
        out["seconds"] = seconds;
        fmt::print("{}\n", out.dump());
        return;
    }
    fmt::print("# {}x{} tile, engine {}, {:.4f} s\n", c.rows, c.cols, o.engine, seconds);
    fmt::print("{:>6}  {:>24}  {:>24}  {:>12}\n", "column", "current_a", "ideal_a", "rel_diff");
    for (int k = 0; k < c.cols; ++k)
        fmt::print("{:>6}  {:>24.17g}  {:>24.17g}  {:>12.4e}\n", k, currents(k), ideal(k),
                   (currents(k) - ideal(k)) / ideal(k));
    fmt::print("relative error vs ideal G^T v (2-norm): {:.6e}\n", rel_err);
}

}  // namespace

void add_solve_command(CLI::App& app) {
    auto options = std::make_shared<SolveOptions>();
    CLI::App* cmd = app.add_subcommand("solve", "One crossbar matrix-vector product on a configured tile");
    cmd->add_option("--engine", options->engine,
                    "how to compute it: ideal (G^T v) or spice (full circuit in ngspice) (default spice)")
        ->check(CLI::IsMember({"ideal", "spice"}));
    cmd->add_flag("--json", options->json,
                  "print one JSON object {engine, rows, cols, currents_a, ideal_a, rel_err_vs_ideal, seconds} "
                  "(default: off)");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, netlists::crossbar_schema());
    cmd->callback([options, config_options] { run(*options, *config_options); });
}

}  // namespace kirchhoff::cli
