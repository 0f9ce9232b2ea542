// `kirchhoff fit [--config F] [--set k=v ...] --out FILE`: fits a tile surrogate (device table
// from ngspice, V* from full circuit solves) and saves it as safetensors.
// `kirchhoff check --tables FILE --samples K [--json]`: re-solves K held-out random tiles as
// full ngspice circuits and compares.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "cosim/surrogate_model.hpp"
#include "validation/surrogate_check.hpp"

namespace kirchhoff::cli {

namespace {

void run_fit(const std::string& out, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    netlists::crossbar_config(config);  // cross-key checks before the effective configuration is shown
    print_effective_config(config);
    cosim::NgspiceSession session;
    std::string last_stage;
    const auto model = cosim::fit_surrogate(config, session, [&](const std::string& stage, std::size_t done, std::size_t total) {
        if (stage != last_stage && !last_stage.empty()) fmt::print(stderr, "\n");
        last_stage = stage;
        fmt::print(stderr, "\rfit: {} {}/{}", stage, done, total);
    });
    fmt::print(stderr, "\n");
    cosim::save_surrogate(model, out);
    const auto& r = model.report;
    fmt::print("wrote {}\n", out);
    fmt::print("cell model: {}, separable terms {}, factor residual {:.2e}\n", model.crossbar.device_preset,
               model.response.rank(), r.factor_residual);
    if (model.table)
        fmt::print("device table {}x{} (memory x voltage) from ngspice: vs native model {:.2e}, interpolation {:.2e} "
                   "(relative to each state's largest current)\n",
                   model.table->grid.nm, model.table->grid.nv, r.table_vs_native, r.table_interpolation);
    fmt::print("linearisation (chord) voltage V* = {:.4f} V\n", model.v_star_volt);
    fmt::print("fit set: {} tiles, {} inputs: surrogate ({} tier) NMSE {:.3e}, ideal NMSE {:.3e}, captured fraction "
               "{:.4f}\n",
               r.tiles, r.inputs, r.tier, r.nmse, r.ideal_nmse, r.captured_fraction);
}

void run_check(const std::string& tables, int samples, bool json) {
    const auto model = cosim::load_surrogate(tables);
    cosim::NgspiceSession session;
    const auto r = validation::check_surrogate(model, samples, session, [&](std::size_t done, std::size_t total) {
        fmt::print(stderr, "\rcheck: {}/{} held-out tiles solved in ngspice", done, total);
    });
    fmt::print(stderr, "\n");
    for (const std::string& e : r.errors) fmt::print(stderr, "kirchhoff: warning: a held-out sample failed: {}\n", e);
    if (r.samples == 0) throw cosim::SpiceError(tables, "check", "every held-out sample failed in ngspice");
    if (json) {
        nlohmann::json j{{"samples", r.samples},        {"tier", r.tier},  {"nmse", r.nmse},
                         {"max_rel_err", r.max_rel_err}, {"ideal_nmse", r.ideal_nmse},
                         {"captured_fraction", r.captured_fraction}, {"failed", r.failed}};
        fmt::print("{}\n", j.dump());
        return;
    }
    fmt::print("{} held-out {}x{} tiles ({}), surrogate vs ngspice ({} failed and skipped):\n", r.samples,
               model.crossbar.spec.rows, model.crossbar.spec.cols, model.crossbar.device_preset, r.failed);
    fmt::print("  NMSE {:.3e}, max relative error {:.3e}\n", r.nmse, r.max_rel_err);
    fmt::print("  ideal G^T v vs ngspice: NMSE {:.3e}\n", r.ideal_nmse);
    fmt::print("  captured fraction {:.4f}\n", r.captured_fraction);
    fmt::print("  time: surrogate builds {:.3f} s, ngspice solves {:.3f} s\n", r.seconds_surrogate_build, r.seconds_spice);
}

}  // namespace

void add_fit_command(CLI::App& app) {
    auto out = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("fit", "Fit a tile surrogate (device table from ngspice, V* from circuit solves)");
    cmd->add_option("--out", *out, "the surrogate table to write (safetensors)")->required()->type_name("FILE");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, cosim::surrogate_fit_schema());
    cmd->callback([out, config_options] { run_fit(*out, *config_options); });

    struct CheckOptions {
        std::string tables;
        int samples = 8;
        bool json = false;
    };
    auto check = std::make_shared<CheckOptions>();
    CLI::App* ccmd = app.add_subcommand("check", "Compare a surrogate table with full ngspice circuits on held-out tiles");
    ccmd->add_option("--tables", check->tables, "surrogate table from `kirchhoff fit`")->required()->type_name("FILE");
    ccmd->add_option("--samples", check->samples, "held-out random tiles and inputs (default 8, range [1, 10000])")
        ->check(CLI::Range(1, 10000));
    ccmd->add_flag("--json", check->json,
                   "print one JSON object {samples, nmse, max_rel_err, ideal_nmse, captured_fraction} (default: off)");
    ccmd->callback([check] { run_check(check->tables, check->samples, check->json); });
}

}  // namespace kirchhoff::cli
