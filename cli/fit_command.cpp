// `kirchhoff fit [--config F] [--set k=v ...] --out FILE`: fits a tile surrogate (device table
// from ngspice, V* from full circuit solves) and saves it as safetensors.
// `kirchhoff check --tables FILE --samples K [--differential L] [--json]`: re-solves K held-out
// random tiles as full ngspice circuits and compares (metrics: cosim/residual_metrics.hpp).
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "cosim/solve_memory.hpp"
#include "cosim/surrogate_model.hpp"
#include "io/output_path.hpp"
#include "params/enum_names.hpp"
#include "validation/surrogate_check.hpp"

namespace kirchhoff::cli {

namespace {


std::string fraction_text(double x) { return std::isnan(x) ? "n/a (no IR drop to capture)" : fmt::format("{:.4f}", x); }

void run_fit(const std::string& out, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    netlists::crossbar_config(config);  // cross-key checks before the effective configuration is shown
    print_effective_config(config);
    // The fit set's circuits are solved by the nodal solver, one at a time.
    cosim::check_memory_budget(netlists::crossbar_config(config), "nodal");
    io::prepare_output_file(out, "--out");  // before minutes of fitting; a device or FIFO is never replaced
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
    fmt::print("fit set ({} tiles, differential {}, {} inputs, nodal circuit): surrogate ({} tier) NMSE {:.3e}, ideal NMSE {:.3e}, "
               "ideal-wire NMSE {:.3e}, captured fraction {:.4f}, captured fraction IR {}\n",
               r.tiles, netlists::to_string(model.crossbar.spec.differential), r.inputs, r.tier, r.nmse, r.ideal_nmse, r.ir_nmse,
               r.captured_fraction, fraction_text(r.captured_fraction_ir));
}

void run_check(const std::string& tables, const std::string& layout_name, int samples, bool json) {
    const auto model = cosim::load_surrogate(tables);
    const netlists::Differential layout =  // CLI11 checked the name; empty: the layout `run` uses
        params::enum_from_name(layout_name, {netlists::Differential::none, netlists::Differential::columns,
                                             netlists::Differential::arrays})
            .value_or(netlists::inference_layout);
    if (layout != model.crossbar.spec.differential)
        fmt::print(stderr, "kirchhoff: note: {} was fitted with array.differential = {}; checking on {} tiles{}\n",
                   tables, netlists::to_string(model.crossbar.spec.differential), netlists::to_string(layout),
                   layout == netlists::inference_layout ? " (the layout `kirchhoff run` uses; --differential to change)" : "");
    netlists::CrossbarConfig checked = model.crossbar;  // the held-out tiles: ngspice and the ideal-wire nodal solve
    checked.spec.differential = layout;
    cosim::check_memory_budget(checked, "spice");
    cosim::check_memory_budget(checked, "nodal");
    cosim::SpicePool pool(1, cosim::PoolBackend::processes);  // solver.timeout_s also bounds deck loading
    const auto r = validation::check_surrogate(model, layout, samples, pool, [&](std::size_t done, std::size_t total) {
        fmt::print(stderr, "\rcheck: {}/{} held-out tiles solved in ngspice", done, total);
    });
    fmt::print(stderr, "\n");
    for (const std::string& e : r.errors) fmt::print(stderr, "kirchhoff: warning: a held-out sample failed: {}\n", e);
    if (r.samples == 0) throw cosim::SpiceError(tables, "check", "every held-out sample failed in ngspice");
    const auto& m = r.metrics;
    const netlists::CrossbarConfig& x = r.crossbar;
    const netlists::CrossbarSpec& spec = x.spec;
    if (json) {
        fmt::print("{}\n", validation::to_json(r, model).dump());
        return;
    }
    fmt::print("{} held-out tiles, surrogate ({} tier) vs ngspice ({} failed and skipped):\n", r.samples, r.tier, r.failed);
    fmt::print("  tile: {} x {} outputs, differential {} ({} physical columns), {} cells, device {}, G {}..{} S\n",
               spec.rows, spec.cols, netlists::to_string(spec.differential), spec.physical_cols(),
               netlists::to_string(spec.cell), x.device_preset, x.g_min_siemens, x.g_max_siemens);
    fmt::print("        wires {} / {} ohm (row / column segment), driver {} ohm, sense {}, inputs in [0, {}] V, V* {:.4f} V\n",
               spec.r_wire_row_ohm, spec.r_wire_col_ohm, spec.r_driver_ohm, netlists::to_string(spec.sense),
               x.v_read_volt, model.v_star_volt);
    fmt::print("  surrogate:  NMSE {:.3e}; relative error per output (|error| / sample's max |output|): "
               "max {:.3e}, mean {:.3e}, median {:.3e}\n",
               m.nmse, m.max_rel_err, m.mean_rel_err, m.median_rel_err);
    fmt::print("  ideal G^T v vs ngspice:             NMSE {:.3e}; captured fraction    {:.4f}\n", m.ideal_nmse,
               m.captured_fraction);
    fmt::print("  same cells, ideal wires vs ngspice: NMSE {:.3e}; captured fraction IR {}\n", m.ir_nmse,
               fraction_text(m.captured_fraction_ir));
    fmt::print("  time: surrogate builds {:.3f} s, ngspice solves {:.3f} s, ideal-wire solves {:.3f} s\n",
               r.seconds_surrogate_build, r.seconds_spice, r.seconds_ideal_wire);
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
        std::string differential{netlists::to_string(netlists::inference_layout)};
        int samples = 8;
        bool json = false;
    };
    auto check = std::make_shared<CheckOptions>();
    CLI::App* ccmd = app.add_subcommand("check", "Compare a surrogate table with full ngspice circuits on held-out tiles");
    ccmd->add_option("--tables", check->tables, "surrogate table from `kirchhoff fit`")->required()->type_name("FILE");
    ccmd->add_option("--samples", check->samples, "held-out random tiles and inputs (default 8, range [1, 10000])")
        ->check(CLI::Range(1, 10000));
    ccmd->add_option("--differential", check->differential,
                     fmt::format("tile layout to check on: none, columns or arrays (default {}, the layout `kirchhoff "
                                 "run` uses, whatever the table was fitted on)",
                                 netlists::to_string(netlists::inference_layout)))
        ->check(CLI::IsMember({"none", "columns", "arrays"}));
    ccmd->add_flag("--json", check->json,
                   "print one JSON object (default: off): samples, failed, nmse, max_rel_err, mean_rel_err, "
                   "median_rel_err, ideal_nmse, captured_fraction, ir_nmse, captured_fraction_ir, and the tiles "
                   "checked: differential, fitted_differential, cell, device_preset, rows, cols, r_wire_row_ohm, "
                   "r_wire_col_ohm, r_driver_ohm, sense, v_read_volt, g_min_siemens, g_max_siemens, v_star_volt");
    ccmd->footer(
        "Metrics, over all held-out samples (each a random tile and input; outputs are the tile's logical outputs, "
        "G+ minus G- for differential tiles):\n"
        "  nmse                  sum ||surrogate - spice||^2 / sum ||spice||^2\n"
        "  max_rel_err           max over samples of max_j |surrogate_j - spice_j| / max_j |spice_j|\n"
        "  mean_rel_err, median_rel_err  mean and median over every output j of every sample of the same\n"
        "                        |surrogate_j - spice_j| / max_j |spice_j| (its sample's largest output)\n"
        "  ideal_nmse            the same NMSE for the ideal G^T v of the target conductances (no wires, no\n"
        "                        access transistor or selector, ohmic cells)\n"
        "  captured_fraction     1 - ||surrogate - spice|| / ||ideal - spice||: also credits the surrogate with\n"
        "                        the cell nonlinearity and access resistance that G^T v misses\n"
        "  ir_nmse               the NMSE of the same programmed cells (device I-V, access transistor, selector)\n"
        "                        with ideal wires: word- and bit-line segments, row driver resistance and the\n"
        "                        sense amplifier's input resistance set to zero (virtual ground), solved exactly\n"
        "                        by the nodal solver: the size of the IR drop alone\n"
        "  captured_fraction_ir  1 - ||surrogate - spice|| / ||ideal wires - spice||: the fraction of the IR-drop\n"
        "                        effect the surrogate captures (1 exact, 0 no better than ignoring the wires,\n"
        "                        negative worse); null when ir_nmse < 1e-20 (no IR drop to capture)");
    ccmd->callback([check] { run_check(check->tables, check->differential, check->samples, check->json); });
}

}  // namespace kirchhoff::cli
