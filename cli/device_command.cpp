// `kirchhoff device iv|read|program|drift|presets`: single-device characterisation with the
// compact models of devices/, through the native Odeint engine or ngspice (--engine). The
// experiments run in devices/experiments.hpp; this file parses flags, writes the CSV
// files and parameters.csv, prints, and plots.
//
//   iv       the preset's SET/RESET loop (I-V hysteresis)        -> iv.csv, iv.png
//   read     read I-V at a fixed state                           -> read_iv.csv, read_iv.png
//   program  program-and-verify to a target conductance, with
//            device-to-device and cycle-to-cycle variability     -> program.csv, program.png
//   drift    PCM conductance statistics over time (statistical
//            model: drift, read noise, drift compensation)       -> drift.csv, drift.png
//   presets  every preset with its model and citation (stdout)
// Each experiment prints the device's effective parameters to stderr and writes them to
// DIR/parameters.csv beside its results. Model parameters are configuration keys device.NAME
// (devices/parameter_config.hpp): --config FILE and --set device.NAME=VALUE, as for the other
// subcommands (drift: the statistical PCM model's parameters); --param NAME=VALUE is the older
// spelling of one --set for iv, read and program, applied after them.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cosim/device_spice.hpp"
#include "devices/experiments.hpp"
#include "devices/parameter_config.hpp"
#include "devices/presets.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"
#include "params/load_config.hpp"

namespace kirchhoff::cli {

namespace {

namespace fs = std::filesystem;
using io::gnuplot_quote;

struct Common {
    std::string preset;
    std::string engine = "native";
    std::string out_dir;
    std::string config_file;          // --config: TOML with a [device] table of model parameters
    std::vector<std::string> sets;    // --set device.NAME=VALUE
    std::vector<std::string> params;  // --param NAME=VALUE (deprecated spelling of --set)
};

// The device.NAME keys of each electrical model (or of the statistical ones), for --help.
std::string parameter_keys_help(bool electrical) {
    std::string out = "\nModel parameters (--config FILE with a [device] table, or --set device.NAME=VALUE; default: the "
                      "preset's value, printed before each run and written to parameters.csv):\n";
    std::vector<std::string_view> models;
    for (const devices::Preset& p : devices::presets()) {
        if (devices::is_electrical(p) != electrical || std::find(models.begin(), models.end(), p.model) != models.end())
            continue;
        models.push_back(p.model);
        std::string names;
        for (const auto& v : devices::preset_parameters(p)) names += (names.empty() ? "" : ", ") + v.name;
        out += fmt::format("  {}: {}\n", p.model, names);
    }
    return out;
}

void add_common(CLI::App& cmd, Common& c, bool electrical) {
    cmd.add_option("--preset", c.preset, "device preset (kirchhoff device presets lists them)")->required();
    if (electrical)
        cmd.add_option("--engine", c.engine, "native (Odeint) or spice (ngspice) (default native)")
            ->check(CLI::IsMember({"native", "spice"}));
    cmd.add_option("--config", c.config_file, "TOML file of model parameters ([device] table; keys below)")
        ->type_name("FILE");
    cmd.add_option("--set", c.sets, "override one model parameter: --set device.NAME=VALUE (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    if (electrical)
        cmd.add_option("--param", c.params, "deprecated: --param NAME=VALUE is --set device.NAME=VALUE (repeatable)")
            ->type_name("NAME=VALUE");
    cmd.footer(parameter_keys_help(electrical));
    cmd.add_option("--out", c.out_dir, "folder for the CSV, the plot and parameters.csv")->required()->type_name("DIR");
}

// --config and --set against the preset's parameter keys: the (NAME, VALUE) overrides.
std::vector<std::pair<std::string, double>> config_overrides(const Common& c, const devices::Preset& preset) {
    if (c.config_file.empty() && c.sets.empty()) return {};
    return devices::parameter_overrides(
        params::load_config(devices::parameter_schema(devices::preset_parameters(preset)), c.config_file, c.sets));
}

// The device request of the flags: the preset checked first, then --config and --set against the
// preset's parameter keys, then each --param NAME=VALUE parsed.
devices::DeviceRequest device_request(const Common& c) {
    devices::DeviceRequest r{c.preset, devices::parse_device_engine(c.engine), {}};
    const devices::Preset& preset = devices::find_preset(c.preset);
    if (!c.config_file.empty() || !c.sets.empty()) {
        devices::make_device(preset);  // a statistical preset: "no I-V" before any key is looked up
        r.parameters = config_overrides(c, preset);
    }
    for (const std::string& assignment : c.params) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos)
            throw InputError("--param " + assignment + ": expected NAME=VALUE");
        const std::string value = assignment.substr(eq + 1);
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0')
            throw InputError("--param " + assignment + ": '" + value + "' is not a number");
        r.parameters.emplace_back(assignment.substr(0, eq), v);
    }
    return r;
}

// parameters.csv of the effective device in `dir`.
void write_parameters(const fs::path& dir, const devices::EffectiveDevice& d) {
    std::string csv = "name,value,unit,range,meaning\n";
    for (const auto& p : d.parameters)
        csv += fmt::format("{},{:.17g},{},\"{}\",\"{}\"\n", p.name, p.value, p.unit, p.range, p.meaning);
    io::write_file_atomic(dir / "parameters.csv", csv);
}

// Before the experiment runs: the output folder checked writable, the effective parameters
// printed to stderr and written to parameters.csv.
devices::BeforeRun prepare(const Common& c) {
    return [&c](const devices::EffectiveDevice& d) {
        const fs::path dir(c.out_dir);
        io::prepare_output_dir(dir, "--out");
        fmt::print(stderr, "# {} ({}), engine {}\n", c.preset, d.model, c.engine);
        for (const auto& p : d.parameters) fmt::print(stderr, "{} = {} {}\n", p.name, params::format_number(p.value), p.unit);
        write_parameters(dir, d);
    };
}

void plot(const fs::path& dir, const std::string& stem, const std::string& body) {
    const std::string script = fmt::format(
        "set terminal pngcairo size 900,600 font ',11' noenhanced\nset output {}\nset grid\n{}",
        gnuplot_quote(stem + ".png"), body);
    if (io::run_gnuplot(dir / (stem + ".gp"), script, dir / (stem + ".png"))) fmt::print(stderr, "wrote {}\n", (dir / (stem + ".png")).string());
}

struct IvOptions {
    Common common;
    std::optional<double> memory;
    std::size_t points = 2001;
};

void run_iv(const IvOptions& o) {
    cosim::NgspiceDeviceSimulator spice;  // started only by the spice engine
    const devices::IvResult r = devices::device_iv({device_request(o.common), o.memory, o.points}, prepare(o.common), &spice);
    const fs::path dir(o.common.out_dir);
    const devices::Trajectory& tr = r.trajectory;
    std::string csv = "t_s,v_volt,i_ampere";
    for (const auto& v : r.state) csv += fmt::format(",{}", v.name);
    csv += "\n";
    for (std::size_t k = 0; k < tr.t_s.size(); ++k) {
        csv += fmt::format("{:.17g},{:.17g},{:.17g}", tr.t_s[k], tr.v_volt[k], tr.i_ampere[k]);
        for (Eigen::Index j = 0; j < tr.state.cols(); ++j) csv += fmt::format(",{:.17g}", tr.state(static_cast<Eigen::Index>(k), j));
        csv += "\n";
    }
    io::write_file_atomic(dir / "iv.csv", csv);
    fmt::print("{}: {} points, {} ({}) from {} to {}\n", (dir / "iv.csv").string(), tr.t_s.size(), r.state[0].name,
               r.state[0].unit, r.memory0, tr.state(tr.state.rows() - 1, 0));
    plot(dir, "iv",
         fmt::format("set title {}\nset xlabel 'V (V)'\nset ylabel '|I| (A)'\nset logscale y\nset datafile separator ','\n"
                     "plot 'iv.csv' using 2:(abs($3)+1e-15) every ::1 with lines lw 2 notitle\n",
                     gnuplot_quote(fmt::format("{} SET/RESET loop ({} engine)", o.common.preset, o.common.engine))));
}

struct ReadOptions {
    Common common;
    std::optional<double> memory;
    std::optional<double> g_siemens;
    std::optional<double> v_max;
    int points = 41;
};

void run_read(const ReadOptions& o) {
    cosim::NgspiceDeviceSimulator spice;  // started only by the spice engine
    const devices::ReadResult r =
        devices::device_read({device_request(o.common), o.memory, o.g_siemens, o.v_max, o.points}, prepare(o.common), &spice);
    const fs::path dir(o.common.out_dir);
    std::string csv = "v_volt,i_ampere\n";
    for (std::size_t k = 0; k < r.v_volt.size(); ++k) csv += fmt::format("{:.17g},{:.17g}\n", r.v_volt[k], r.i_ampere[k]);
    io::write_file_atomic(dir / "read_iv.csv", csv);
    fmt::print("{}: {} = {}, G({} V) = {} S\n", (dir / "read_iv.csv").string(), r.memory_variable.name, r.memory,
               r.v_read_volt, r.g_read_siemens);
    plot(dir, "read_iv",
         fmt::format("set title {}\nset xlabel 'V (V)'\nset ylabel 'I (A)'\nset datafile separator ','\n"
                     "plot 'read_iv.csv' using 1:2 every ::1 with linespoints lw 2 notitle\n",
                     gnuplot_quote(fmt::format("{} read I-V at {} = {:.4g} ({} engine)", o.common.preset,
                                               r.memory_variable.name, r.memory, o.common.engine))));
}

struct ProgramCliOptions {
    Common common;
    double g_target_siemens = 0;
    double tolerance = 0.05;
    int devices = 1;
    double d2d_sigma = 0.0;
    int max_pulses = 200;
    std::uint64_t seed = 1;
};

void run_program(const ProgramCliOptions& o) {
    cosim::NgspiceDeviceSimulator spice;  // started only by the spice engine
    const devices::ProgramRun run = devices::device_program(
        {device_request(o.common), o.g_target_siemens, o.tolerance, o.devices, o.d2d_sigma, o.max_pulses, o.seed},
        prepare(o.common), &spice);
    const fs::path dir(o.common.out_dir);
    std::string csv = "device,pulse,v_pulse_volt,g_read_siemens,memory,converged\n";
    for (std::size_t k = 0; k < run.results.size(); ++k) {
        for (const auto& s : run.results[k].steps)
            csv += fmt::format("{},{},{:.17g},{:.17g},{:.17g},{}\n", k, s.pulse, s.v_pulse_volt, s.g_read_siemens,
                               s.memory, run.results[k].converged ? 1 : 0);
        csv += "\n";  // gnuplot: one block per device
    }
    io::write_file_atomic(dir / "program.csv", csv);
    fmt::print("{}: {}/{} devices within {}% of {} S, mean final G {} S\n", (dir / "program.csv").string(), run.converged,
               run.results.size(), 100 * o.tolerance, o.g_target_siemens, run.g_mean_final_siemens);
    plot(dir, "program",
         fmt::format("set title {}\nset xlabel 'pulse'\nset ylabel 'G read (S)'\nset logscale y\n"
                     "set datafile separator ','\nplot 'program.csv' using 2:4 every ::1 with linespoints notitle, "
                     "{:.17g} with lines dt 2 lw 2 title 'target'\n",
                     gnuplot_quote(fmt::format("{} program-and-verify, {} device(s), d2d sigma {} ({} engine)",
                                               o.common.preset, o.devices, o.d2d_sigma, o.common.engine)),
                     o.g_target_siemens));
}

struct DriftOptions {
    Common common;
    devices::DriftRequest request;  // preset from common
};

void run_drift(const DriftOptions& o) {
    devices::DriftRequest request = o.request;
    request.preset = o.common.preset;
    request.parameters = config_overrides(o.common, devices::find_preset(o.common.preset));
    const fs::path dir(o.common.out_dir);
    const devices::DriftResult r = devices::device_drift(request, prepare(o.common));
    const std::size_t n_t = request.targets_siemens.size();
    std::string csv, dat;  // dat: one gnuplot data block per target
    csv += "t_s,g_target_siemens,g_mean_siemens,g_std_siemens,g_mean_compensated_siemens,alpha\n";
    for (std::size_t a = 0; a < n_t; ++a) {
        dat += fmt::format("# target {:.6g} S: t_s g_mean g_std g_mean_compensated\n", request.targets_siemens[a]);
        for (std::size_t k = 0; k < request.times_s.size(); ++k) {
            const devices::DriftRow& row = r.rows[a][k];
            csv += fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", request.times_s[k],
                               request.targets_siemens[a], row.g_mean_siemens, row.g_std_siemens,
                               row.g_mean_compensated_siemens, row.alpha);
            dat += fmt::format("{:.9g} {:.9g} {:.9g} {:.9g}\n", request.times_s[k], row.g_mean_siemens, row.g_std_siemens,
                               row.g_mean_compensated_siemens);
        }
        dat += "\n\n";
    }
    io::write_file_atomic(dir / "drift.csv", csv);
    io::write_file_atomic(dir / "drift.dat", dat);
    fmt::print("{}: {} targets x {} cells at {} times\n", (dir / "drift.csv").string(), n_t, request.cells,
               request.times_s.size());
    plot(dir, "drift",
         fmt::format("set title {}\nset xlabel 'time after programming (s)'\nset ylabel 'G (S)'\nset logscale x\n"
                     "set key outside right\n"
                     "plot for [k=0:{}] 'drift.dat' index k using 1:2:3 with yerrorlines title sprintf('target %d', k+1), "
                     "for [k=0:{}] 'drift.dat' index k using 1:4 with lines dt 2 lc k+1 notitle\n",
                     gnuplot_quote(fmt::format("{}: mean +- std of G (dashed: global drift compensation)", o.common.preset)),
                     n_t - 1, n_t - 1));
}

}  // namespace

void add_device_command(CLI::App& app) {
    CLI::App* device = app.add_subcommand("device", "Single-device characterisation with the compact models (devices/)");
    device->require_subcommand(1);

    auto iv = std::make_shared<IvOptions>();
    CLI::App* c_iv = device->add_subcommand("iv", "I-V hysteresis loop of the preset's SET/RESET protocol (iv.csv, iv.png)");
    add_common(*c_iv, iv->common, true);
    c_iv->add_option("--memory", iv->memory, "initial memory variable (default: its upper bound)");
    c_iv->add_option("--points", iv->points, "samples (native) / time steps (spice) (default 2001)")
        ->check(CLI::Range(devices::iv_points_min, devices::iv_points_max));
    c_iv->callback([iv] { run_iv(*iv); });

    auto rd = std::make_shared<ReadOptions>();
    CLI::App* c_rd = device->add_subcommand("read", "Read I-V at a fixed state (read_iv.csv, read_iv.png)");
    add_common(*c_rd, rd->common, true);
    c_rd->add_option("--memory", rd->memory, "memory variable value (default: mid-range)");
    c_rd->add_option("--g-siemens", rd->g_siemens, "or: the state whose read conductance is this");
    c_rd->add_option("--v-max", rd->v_max, "sweep -V..V (default 3 x the read voltage)");
    c_rd->add_option("--points", rd->points, "sweep points (default 41)")
        ->check(CLI::Range(devices::read_points_min, devices::read_points_max));
    c_rd->callback([rd] { run_read(*rd); });

    auto pg = std::make_shared<ProgramCliOptions>();
    CLI::App* c_pg = device->add_subcommand("program", "Program-and-verify to a target conductance (program.csv, program.png)");
    add_common(*c_pg, pg->common, true);
    c_pg->add_option("--target-siemens", pg->g_target_siemens, "target read conductance (S)")->required();
    c_pg->add_option("--tolerance", pg->tolerance, "accepted relative error (default 0.05)")
        ->check(CLI::Range(devices::program_tolerance_min, devices::program_tolerance_max));
    c_pg->add_option("--devices", pg->devices, "devices to program (default 1)")
        ->check(CLI::Range(1, devices::program_devices_max));
    c_pg->add_option("--d2d-sigma", pg->d2d_sigma, "device-to-device lognormal sigma (default 0)")
        ->check(CLI::Range(0.0, devices::program_d2d_sigma_max));
    c_pg->add_option("--max-pulses", pg->max_pulses, "pulses per device before giving up (default 200)")
        ->check(CLI::Range(1, devices::program_max_pulses_max));
    c_pg->add_option("--seed", pg->seed, "random seed (default 1)");
    c_pg->callback([pg] { run_program(*pg); });

    auto dr = std::make_shared<DriftOptions>();
    CLI::App* c_dr = device->add_subcommand("drift", "PCM conductance statistics over time: drift, read noise, compensation (drift.csv, drift.png)");
    add_common(*c_dr, dr->common, false);
    c_dr->add_option("--targets-siemens", dr->request.targets_siemens, "target conductances, comma separated")->delimiter(',');
    c_dr->add_option("--times-s", dr->request.times_s, "read times after programming, comma separated")->delimiter(',');
    c_dr->add_option("--cells", dr->request.cells, "cells per target (default 2000)")
        ->check(CLI::Range(devices::drift_cells_min, devices::drift_cells_max));
    c_dr->add_option("--seed", dr->request.seed, "random seed (default 1)");
    c_dr->callback([dr] { run_drift(*dr); });

    CLI::App* c_ps = device->add_subcommand("presets", "Every device preset with its model and citation");
    c_ps->callback([] {
        fmt::print("{:<20} {:<16} {}\n", "preset", "model", "source");
        for (const auto& p : devices::presets()) fmt::print("{:<20} {:<16} {}\n    {}\n", p.name, p.model, p.citation, p.summary);
    });
}

}  // namespace kirchhoff::cli
