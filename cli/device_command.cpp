// `kirchhoff device iv|read|program|drift|presets`: single-device characterisation with the
// compact models of devices/, through the native Odeint engine or ngspice (--engine).
//
//   iv       the preset's SET/RESET loop (I-V hysteresis)        -> iv.csv, iv.png
//   read     read I-V at a fixed state                           -> read_iv.csv, read_iv.png
//   program  program-and-verify to a target conductance, with
//            device-to-device and cycle-to-cycle variability     -> program.csv, program.png
//   drift    PCM conductance statistics over time (statistical
//            model: drift, read noise, drift compensation)       -> drift.csv, drift.png
//   presets  every preset with its model and citation (stdout)
// Each experiment prints the device's effective parameters to stderr and writes them to
// DIR/parameters.csv beside its results. --param NAME=VALUE overrides one model parameter.
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cosim/ngspice_session.hpp"
#include "devices/integrate.hpp"
#include "devices/presets.hpp"
#include "devices/program.hpp"
#include "devices/rng.hpp"
#include "devices/spice_text.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

namespace {

namespace fs = std::filesystem;
using io::gnuplot_quote;

struct Common {
    std::string preset;
    std::string engine = "native";
    std::string out_dir;
    std::vector<std::string> params;  // NAME=VALUE
};

void add_common(CLI::App& cmd, Common& c, bool electrical) {
    cmd.add_option("--preset", c.preset, "device preset (kirchhoff device presets lists them)")->required();
    if (electrical) {
        cmd.add_option("--engine", c.engine, "native (Odeint) or spice (ngspice) (default native)")
            ->check(CLI::IsMember({"native", "spice"}));
        cmd.add_option("--param", c.params, "override a model parameter, NAME=VALUE (repeatable)")
            ->type_name("NAME=VALUE");
    }
    cmd.add_option("--out", c.out_dir, "folder for the CSV, the plot and parameters.csv")->required()->type_name("DIR");
}

// The preset's device with the --param overrides applied and validated.
std::unique_ptr<devices::Device> make_device(const Common& c) {
    const devices::Preset& preset = devices::find_preset(c.preset);
    auto d = devices::make_device(preset);
    for (const std::string& assignment : c.params) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos)
            throw InputError("--param " + assignment + ": expected NAME=VALUE");
        const std::string value = assignment.substr(eq + 1);
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0')
            throw InputError("--param " + assignment + ": '" + value + "' is not a number");
        d->set_parameter(assignment.substr(0, eq), v);
    }
    d->validate();
    return d;
}

// The output folder, checked writable before the experiment runs, with parameters.csv in it.
fs::path prepare(const Common& c, const devices::Device& d) {
    const fs::path dir(c.out_dir);
    io::prepare_output_dir(dir, "--out");
    std::string csv = "name,value,unit,range,meaning\n";
    fmt::print(stderr, "# {} ({}), engine {}\n", c.preset, d.model(), c.engine);
    for (const auto& p : d.parameters()) {
        csv += fmt::format("{},{:.17g},{},\"{}\",\"{}\"\n", p.name, p.value, p.unit, p.range.str(), p.meaning);
        fmt::print(stderr, "{} = {} {}\n", p.name, params::format_number(p.value), p.unit);
    }
    io::write_file_atomic(dir / "parameters.csv", csv);
    return dir;
}

void plot(const fs::path& dir, const std::string& stem, const std::string& body) {
    const std::string script = fmt::format(
        "set terminal pngcairo size 900,600 font ',11' noenhanced\nset output {}\nset grid\n{}",
        gnuplot_quote(stem + ".png"), body);
    if (io::run_gnuplot(dir / (stem + ".gp"), script, dir / (stem + ".png"))) fmt::print(stderr, "wrote {}\n", (dir / (stem + ".png")).string());
}

// A transient through ngspice, returned as a native Trajectory at ngspice's time points.
devices::Trajectory spice_transient(cosim::NgspiceSession& s, const devices::Device& d, double memory0,
                                    const devices::Waveform& w, std::size_t points) {
    s.load(devices::spice_transient_deck(d, memory0, w, "kirchhoff device"));
    const double t_end = w.end_s();
    s.run(fmt::format("tran {:.6g} {:.6g} 0 {:.6g}", t_end / static_cast<double>(points), t_end,
                      t_end / static_cast<double>(points)));
    devices::Trajectory tr;
    tr.t_s = s.vector("time");
    const auto i = s.vector("i(vdrive)");
    const auto& vars = d.state_variables();
    tr.state.resize(static_cast<Eigen::Index>(tr.t_s.size()), static_cast<Eigen::Index>(vars.size()));
    for (std::size_t j = 0; j < vars.size(); ++j) {
        const auto x = s.vector(std::string("v(x1.") + vars[j].node + ")");
        for (std::size_t k = 0; k < x.size(); ++k)
            tr.state(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = x[k] * vars[j].scale;
    }
    for (std::size_t k = 0; k < tr.t_s.size(); ++k) {
        tr.v_volt.push_back(w.value(tr.t_s[k]));
        tr.i_ampere.push_back(-i[k]);
    }
    return tr;
}

// A memory-variable value from a flag: finite and inside the device's state bounds.
double checked_memory(const devices::Device& d, double value, const char* flag) {
    const auto [lo, hi] = d.state_bounds();
    const auto& var = d.state_variables()[0];
    if (!std::isfinite(value) || value < lo[0] || value > hi[0])
        throw InputError(fmt::format("{} {}: the memory variable {} must be a finite value in [{}, {}] {}", flag, value,
                                     var.name, lo[0], hi[0], var.unit));
    return value;
}

// A positive finite value from a flag (conductance, voltage, time).
double checked_positive(double value, const char* flag, const char* unit, double above = 0.0) {
    if (!std::isfinite(value) || !(value > above))
        throw InputError(fmt::format("{} {}: expected a finite value above {} {}", flag, value, above, unit));
    return value;
}

struct IvOptions {
    Common common;
    std::optional<double> memory;
    std::size_t points = 2001;
};

void run_iv(const IvOptions& o) {
    const auto d = make_device(o.common);
    const devices::Preset& preset = devices::find_preset(o.common.preset);
    const auto [lo, hi] = d->state_bounds();
    const double memory0 = o.memory ? checked_memory(*d, *o.memory, "--memory") : hi[0];
    const fs::path dir = prepare(o.common, *d);
    const devices::Waveform w = devices::loop_waveform(*d, preset.protocol);
    devices::Trajectory tr;
    if (o.common.engine == "spice") {
        cosim::NgspiceSession s;
        tr = spice_transient(s, *d, memory0, w, o.points);
    } else {
        tr = devices::integrate(*d, w, d->rest_state(memory0), devices::uniform_samples(w, o.points));
    }
    std::string csv = "t_s,v_volt,i_ampere";
    for (const auto& v : d->state_variables()) csv += fmt::format(",{}", v.name);
    csv += "\n";
    for (std::size_t k = 0; k < tr.t_s.size(); ++k) {
        csv += fmt::format("{:.17g},{:.17g},{:.17g}", tr.t_s[k], tr.v_volt[k], tr.i_ampere[k]);
        for (Eigen::Index j = 0; j < tr.state.cols(); ++j) csv += fmt::format(",{:.17g}", tr.state(static_cast<Eigen::Index>(k), j));
        csv += "\n";
    }
    io::write_file_atomic(dir / "iv.csv", csv);
    fmt::print("{}: {} points, {} ({}) from {} to {}\n", (dir / "iv.csv").string(), tr.t_s.size(),
               d->state_variables()[0].name, d->state_variables()[0].unit, memory0, tr.state(tr.state.rows() - 1, 0));
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
    const auto d = make_device(o.common);
    const devices::Preset& preset = devices::find_preset(o.common.preset);
    const double v_read = preset.protocol.v_read_volt;
    const auto [lo, hi] = d->state_bounds();
    double memory = 0.5 * (lo[0] + hi[0]);
    if (o.g_siemens) memory = d->memory_for_conductance(checked_positive(*o.g_siemens, "--g-siemens", "S"), v_read);
    if (o.memory) memory = checked_memory(*d, *o.memory, "--memory");
    const double v_max = o.v_max ? checked_positive(*o.v_max, "--v-max", "V") : 3 * std::abs(v_read);
    const fs::path dir = prepare(o.common, *d);
    std::vector<double> v, i;
    if (o.common.engine == "spice") {
        cosim::NgspiceSession s;
        s.load("kirchhoff device read\n.options reltol=1e-9 abstol=1e-18\n" +
               devices::spice_subckt(*d, devices::SpiceForm::read, "cell_read", memory) + "V1 a 0 0\nX1 a 0 cell_read " +
               d->state_variables()[0].name + "=" + devices::spice_number(memory) + "\n.end\n");
        s.run(fmt::format("dc V1 {:.17g} {:.17g} {:.17g}", -v_max, v_max, 2 * v_max / (o.points - 1)));
        v = s.vector("v(a)");
        for (double x : s.vector("i(v1)")) i.push_back(-x);
    } else {
        for (int k = 0; k < o.points; ++k) {
            v.push_back(-v_max + 2 * v_max * k / (o.points - 1));
            i.push_back(d->current_ampere(v.back(), d->rest_state(memory)));
        }
    }
    std::string csv = "v_volt,i_ampere\n";
    for (std::size_t k = 0; k < v.size(); ++k) csv += fmt::format("{:.17g},{:.17g}\n", v[k], i[k]);
    io::write_file_atomic(dir / "read_iv.csv", csv);
    fmt::print("{}: {} = {}, G({} V) = {} S\n", (dir / "read_iv.csv").string(), d->state_variables()[0].name, memory,
               v_read, d->read_conductance_siemens(memory, v_read));
    plot(dir, "read_iv",
         fmt::format("set title {}\nset xlabel 'V (V)'\nset ylabel 'I (A)'\nset datafile separator ','\n"
                     "plot 'read_iv.csv' using 1:2 every ::1 with linespoints lw 2 notitle\n",
                     gnuplot_quote(fmt::format("{} read I-V at {} = {:.4g} ({} engine)", o.common.preset,
                                               d->state_variables()[0].name, memory, o.common.engine))));
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
    const auto d = make_device(o.common);
    const devices::Preset& preset = devices::find_preset(o.common.preset);
    const fs::path dir = prepare(o.common, *d);
    devices::ProgramOptions opt;
    opt.g_target_siemens = o.g_target_siemens;
    opt.tolerance_rel = o.tolerance;
    opt.max_pulses = o.max_pulses;
    std::unique_ptr<cosim::NgspiceSession> session;
    if (o.common.engine == "spice") {
        session = std::make_unique<cosim::NgspiceSession>();
        opt.engine = [&](const devices::Device& dev, const devices::Waveform& w, const devices::State& x) {
            const devices::Trajectory tr = spice_transient(*session, dev, x[0], w, 200);
            devices::State out = x;
            for (Eigen::Index j = 0; j < out.size(); ++j) out[j] = tr.state(tr.state.rows() - 1, j);
            return out;
        };
    }
    const double memory0 = d->state_bounds().second[0];
    const auto results = devices::program_population(*d, memory0, preset.protocol, opt, o.devices, o.d2d_sigma, o.seed);
    std::string csv = "device,pulse,v_pulse_volt,g_read_siemens,memory,converged\n";
    int converged = 0;
    for (std::size_t k = 0; k < results.size(); ++k) {
        converged += results[k].converged;
        for (const auto& s : results[k].steps)
            csv += fmt::format("{},{},{:.17g},{:.17g},{:.17g},{}\n", k, s.pulse, s.v_pulse_volt, s.g_read_siemens,
                               s.memory, results[k].converged ? 1 : 0);
        csv += "\n";  // gnuplot: one block per device
    }
    io::write_file_atomic(dir / "program.csv", csv);
    double mean = 0;
    for (const auto& r : results) mean += r.g_final_siemens / static_cast<double>(results.size());
    fmt::print("{}: {}/{} devices within {}% of {} S, mean final G {} S\n", (dir / "program.csv").string(), converged,
               results.size(), 100 * o.tolerance, o.g_target_siemens, mean);
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
    std::vector<double> targets_siemens{2.5e-6, 5e-6, 10e-6, 15e-6, 20e-6, 25e-6};
    std::vector<double> times_s{1, 60, 3600, 86400, 2.592e6, 3.1536e7};
    int cells = 2000;
    std::uint64_t seed = 1;
};

void run_drift(const DriftOptions& o) {
    const devices::Preset& preset = devices::find_preset(o.common.preset);
    const devices::ModelParams model_params = preset.make();
    const auto* p = std::get_if<devices::PcmStatisticalParams>(&model_params);
    if (!p) throw InputError("kirchhoff device drift: preset " + o.common.preset + " is not a statistical PCM model (try pcm_joshi2020)");
    const devices::PcmStatisticalParams params = *p;
    params.validate();
    for (double t : o.times_s)
        checked_positive(t, "--times-s", "s (the read duration t_read_s; a read is taken after programming)",
                         params.t_read_s);
    for (double g : o.targets_siemens) checked_positive(g, "--targets-siemens", "S");
    const fs::path dir(o.common.out_dir);
    io::prepare_output_dir(dir, "--out");
    {
        std::string csv = "name,value,unit,range,meaning\n";
        for (const auto& f : devices::pcm_statistical_fields())
            csv += fmt::format("{},{:.17g},{},\"{}\",\"{}\"\n", f.name, params.*(f.member), f.unit, f.range.str(), f.meaning);
        io::write_file_atomic(dir / "parameters.csv", csv);
    }
    devices::Rng rng(o.seed);
    const std::size_t n_t = o.targets_siemens.size();
    std::vector<std::vector<devices::PcmCell>> cells(n_t);
    Eigen::ArrayXXd g_prog(static_cast<Eigen::Index>(n_t), o.cells);
    for (std::size_t a = 0; a < n_t; ++a)
        for (int c = 0; c < o.cells; ++c) {
            cells[a].push_back(devices::pcm_program(params, o.targets_siemens[a], rng));
            g_prog(static_cast<Eigen::Index>(a), c) = cells[a].back().g_prog_siemens;
        }
    struct Row {
        double mean, std, compensated, alpha;
    };
    std::vector<std::vector<Row>> rows(n_t);  // (targets, times)
    for (double t : o.times_s) {
        Eigen::ArrayXXd g(static_cast<Eigen::Index>(n_t), o.cells);
        for (std::size_t a = 0; a < n_t; ++a)
            for (int c = 0; c < o.cells; ++c)
                g(static_cast<Eigen::Index>(a), c) = devices::pcm_read(params, cells[a][static_cast<std::size_t>(c)], t, rng);
        const double alpha = devices::pcm_global_drift_compensation(g_prog, g);
        for (std::size_t a = 0; a < n_t; ++a) {
            const auto row = g.row(static_cast<Eigen::Index>(a));
            const double mean = row.mean();
            rows[a].push_back({mean, std::sqrt((row - mean).square().sum() / (o.cells - 1)), alpha * mean, alpha});
        }
    }
    std::string csv, dat;  // dat: one gnuplot data block per target
    csv += "t_s,g_target_siemens,g_mean_siemens,g_std_siemens,g_mean_compensated_siemens,alpha\n";
    for (std::size_t a = 0; a < n_t; ++a) {
        dat += fmt::format("# target {:.6g} S: t_s g_mean g_std g_mean_compensated\n", o.targets_siemens[a]);
        for (std::size_t k = 0; k < o.times_s.size(); ++k) {
            const Row& r = rows[a][k];
            csv += fmt::format("{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", o.times_s[k], o.targets_siemens[a],
                               r.mean, r.std, r.compensated, r.alpha);
            dat += fmt::format("{:.9g} {:.9g} {:.9g} {:.9g}\n", o.times_s[k], r.mean, r.std, r.compensated);
        }
        dat += "\n\n";
    }
    io::write_file_atomic(dir / "drift.csv", csv);
    io::write_file_atomic(dir / "drift.dat", dat);
    fmt::print("{}: {} targets x {} cells at {} times\n", (dir / "drift.csv").string(), n_t, o.cells, o.times_s.size());
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
    c_iv->add_option("--points", iv->points, "samples (native) / time steps (spice) (default 2001)")->check(CLI::Range(10, 1000000));
    c_iv->callback([iv] { run_iv(*iv); });

    auto rd = std::make_shared<ReadOptions>();
    CLI::App* c_rd = device->add_subcommand("read", "Read I-V at a fixed state (read_iv.csv, read_iv.png)");
    add_common(*c_rd, rd->common, true);
    c_rd->add_option("--memory", rd->memory, "memory variable value (default: mid-range)");
    c_rd->add_option("--g-siemens", rd->g_siemens, "or: the state whose read conductance is this");
    c_rd->add_option("--v-max", rd->v_max, "sweep -V..V (default 3 x the read voltage)");
    c_rd->add_option("--points", rd->points, "sweep points (default 41)")->check(CLI::Range(3, 100000));
    c_rd->callback([rd] { run_read(*rd); });

    auto pg = std::make_shared<ProgramCliOptions>();
    CLI::App* c_pg = device->add_subcommand("program", "Program-and-verify to a target conductance (program.csv, program.png)");
    add_common(*c_pg, pg->common, true);
    c_pg->add_option("--target-siemens", pg->g_target_siemens, "target read conductance (S)")->required();
    c_pg->add_option("--tolerance", pg->tolerance, "accepted relative error (default 0.05)")->check(CLI::Range(1e-6, 1.0));
    c_pg->add_option("--devices", pg->devices, "devices to program (default 1)")->check(CLI::Range(1, 100000));
    c_pg->add_option("--d2d-sigma", pg->d2d_sigma, "device-to-device lognormal sigma (default 0)")->check(CLI::Range(0.0, 2.0));
    c_pg->add_option("--max-pulses", pg->max_pulses, "pulses per device before giving up (default 200)")->check(CLI::Range(1, 100000));
    c_pg->add_option("--seed", pg->seed, "random seed (default 1)");
    c_pg->callback([pg] { run_program(*pg); });

    auto dr = std::make_shared<DriftOptions>();
    CLI::App* c_dr = device->add_subcommand("drift", "PCM conductance statistics over time: drift, read noise, compensation (drift.csv, drift.png)");
    add_common(*c_dr, dr->common, false);
    c_dr->add_option("--targets-siemens", dr->targets_siemens, "target conductances, comma separated")->delimiter(',');
    c_dr->add_option("--times-s", dr->times_s, "read times after programming, comma separated")->delimiter(',');
    c_dr->add_option("--cells", dr->cells, "cells per target (default 2000)")->check(CLI::Range(2, 10000000));
    c_dr->add_option("--seed", dr->seed, "random seed (default 1)");
    c_dr->callback([dr] { run_drift(*dr); });

    CLI::App* c_ps = device->add_subcommand("presets", "Every device preset with its model and citation");
    c_ps->callback([] {
        fmt::print("{:<20} {:<16} {}\n", "preset", "model", "source");
        for (const auto& p : devices::presets()) fmt::print("{:<20} {:<16} {}\n    {}\n", p.name, p.model, p.citation, p.summary);
    });
}

}  // namespace kirchhoff::cli
