// The single-device experiments (iv, read, program, drift) behind `kirchhoff device` and
// kirchhoff.device.
#include "devices/experiments.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <variant>

#include <fmt/format.h>

#include "devices/pcm_statistical.hpp"
#include "devices/presets.hpp"
#include "devices/rng.hpp"
#include "params/enum_names.hpp"
#include "params/error.hpp"

namespace kirchhoff::devices {

std::string_view to_string(DeviceEngine e) {
    switch (e) {
        case DeviceEngine::native: return "native";
        case DeviceEngine::spice: return "spice";
    }
    return "?";
}

DeviceEngine parse_device_engine(std::string_view text) {
    return params::parse_enum(text, {DeviceEngine::native, DeviceEngine::spice}, "--engine " + std::string(text),
                              "engine");
}

namespace {

// The preset's device with the overrides applied and validated. The spice engine needs the
// caller's simulator (a programming error when it passes none, caught before anything runs).
std::unique_ptr<Device> make_device(const DeviceRequest& r, const CircuitSimulator* spice) {
    if (r.engine == DeviceEngine::spice && !spice)
        throw std::invalid_argument("device experiment: the spice engine needs a CircuitSimulator");
    const Preset& preset = find_preset(r.preset);
    auto d = make_device(preset);
    for (const auto& [name, value] : r.parameters) d->set_parameter(name, value);
    d->validate();
    return d;
}

EffectiveDevice effective(const DeviceRequest& r, const Device& d) {
    EffectiveDevice e{r.preset, std::string(d.model()), r.engine, {}};
    for (const auto& p : d.parameters()) e.parameters.push_back({p.name, p.value, p.unit, p.range.str(), p.meaning});
    return e;
}

std::vector<StateColumn> state_columns(const Device& d) {
    std::vector<StateColumn> out;
    for (const auto& v : d.state_variables()) out.push_back({v.name, v.unit});
    return out;
}

void announce(const BeforeRun& before_run, const EffectiveDevice& e) {
    if (before_run) before_run(e);
}

// A memory-variable value from a flag: finite and inside the device's state bounds.
double checked_memory(const Device& d, double value, const char* flag) {
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

// A flag's value inside [lo, hi] (the CLI checks these while parsing; this is for the other callers).
template <class T>
void checked_range(T value, T lo, T hi, const char* flag) {
    if (!(value >= lo && value <= hi))
        throw InputError(fmt::format("{} {}: expected a value in [{}, {}]", flag, value, lo, hi));
}

}  // namespace

IvResult device_iv(const IvRequest& r, const BeforeRun& before_run, CircuitSimulator* spice) {
    checked_range(r.points, std::size_t(iv_points_min), std::size_t(iv_points_max), "--points");
    const auto d = make_device(r.device, spice);
    const Preset& preset = find_preset(r.device.preset);
    const auto [lo, hi] = d->state_bounds();
    IvResult out;
    out.memory0 = r.memory ? checked_memory(*d, *r.memory, "--memory") : hi[0];
    out.device = effective(r.device, *d);
    out.state = state_columns(*d);
    announce(before_run, out.device);
    const Waveform w = loop_waveform(*d, preset.protocol);
    if (r.device.engine == DeviceEngine::spice) {
        out.trajectory = spice->transient(*d, out.memory0, w, r.points);
    } else {
        out.trajectory = integrate(*d, w, d->rest_state(out.memory0), uniform_samples(w, r.points));
    }
    return out;
}

ReadResult device_read(const ReadRequest& r, const BeforeRun& before_run, CircuitSimulator* spice) {
    checked_range(r.points, read_points_min, read_points_max, "--points");
    const auto d = make_device(r.device, spice);
    const Preset& preset = find_preset(r.device.preset);
    ReadResult out;
    out.v_read_volt = preset.protocol.v_read_volt;
    const auto [lo, hi] = d->state_bounds();
    double memory = 0.5 * (lo[0] + hi[0]);
    if (r.g_siemens) memory = d->memory_for_conductance(checked_positive(*r.g_siemens, "--g-siemens", "S"), out.v_read_volt);
    if (r.memory) memory = checked_memory(*d, *r.memory, "--memory");
    const double v_max = r.v_max ? checked_positive(*r.v_max, "--v-max", "V") : 3 * std::abs(out.v_read_volt);
    out.memory = memory;
    out.memory_variable = state_columns(*d)[0];
    out.device = effective(r.device, *d);
    announce(before_run, out.device);
    if (r.device.engine == DeviceEngine::spice) {
        std::tie(out.v_volt, out.i_ampere) = spice->read_sweep(*d, memory, v_max, r.points);
    } else {
        for (int k = 0; k < r.points; ++k) {
            out.v_volt.push_back(-v_max + 2 * v_max * k / (r.points - 1));
            out.i_ampere.push_back(d->current_ampere(out.v_volt.back(), d->rest_state(memory)));
        }
    }
    out.g_read_siemens = d->read_conductance_siemens(memory, out.v_read_volt);
    return out;
}

ProgramRun device_program(const ProgramRequest& r, const BeforeRun& before_run, CircuitSimulator* spice) {
    checked_range(r.tolerance, program_tolerance_min, program_tolerance_max, "--tolerance");
    checked_range(r.devices, 1, program_devices_max, "--devices");
    checked_range(r.d2d_sigma, 0.0, program_d2d_sigma_max, "--d2d-sigma");
    checked_range(r.max_pulses, 1, program_max_pulses_max, "--max-pulses");
    const auto d = make_device(r.device, spice);
    const Preset& preset = find_preset(r.device.preset);
    ProgramRun out;
    out.device = effective(r.device, *d);
    announce(before_run, out.device);
    ProgramOptions opt;
    opt.g_target_siemens = r.g_target_siemens;
    opt.tolerance_rel = r.tolerance;
    opt.max_pulses = r.max_pulses;
    if (r.device.engine == DeviceEngine::spice) {
        CircuitSimulator& sim = *spice;
        opt.engine = [&sim](const Device& dev, const Waveform& w, const State& x) {
            const Trajectory tr = sim.transient(dev, x[0], w, program_spice_steps);
            State next = x;
            for (Eigen::Index j = 0; j < next.size(); ++j) next[j] = tr.state(tr.state.rows() - 1, j);
            return next;
        };
    }
    const double memory0 = d->state_bounds().second[0];
    out.results = program_population(*d, memory0, preset.protocol, opt, r.devices, r.d2d_sigma, r.seed);
    for (const auto& p : out.results) {
        out.converged += p.converged;
        out.g_mean_final_siemens += p.g_final_siemens / static_cast<double>(out.results.size());
    }
    return out;
}

DriftResult device_drift(const DriftRequest& r, const BeforeRun& before_run) {
    checked_range(r.cells, drift_cells_min, drift_cells_max, "--cells");
    const Preset& preset = find_preset(r.preset);
    const ModelParams model_params = preset.make();
    const auto* p = std::get_if<PcmStatisticalParams>(&model_params);
    if (!p) throw InputError("kirchhoff device drift: preset " + r.preset + " is not a statistical PCM model (try pcm_joshi2020)");
    PcmStatisticalParams params = *p;
    for (const auto& [name, value] : r.parameters) set_parameter(params, name, value);
    params.validate();
    for (double t : r.times_s)
        checked_positive(t, "--times-s", "s (the read duration t_read_s; a read is taken after programming)",
                         params.t_read_s);
    for (double g : r.targets_siemens) checked_positive(g, "--targets-siemens", "S");
    DriftResult out;
    out.device = {r.preset, std::string(preset.model), DeviceEngine::native, {}};
    for (const auto& f : pcm_statistical_fields())
        out.device.parameters.push_back({f.name, params.*(f.member), f.unit, f.range.str(), f.meaning});
    announce(before_run, out.device);

    Rng rng(r.seed);
    const std::size_t n_t = r.targets_siemens.size();
    std::vector<std::vector<PcmCell>> cells(n_t);
    Eigen::ArrayXXd g_prog(static_cast<Eigen::Index>(n_t), r.cells);
    for (std::size_t a = 0; a < n_t; ++a)
        for (int c = 0; c < r.cells; ++c) {
            cells[a].push_back(pcm_program(params, r.targets_siemens[a], rng));
            g_prog(static_cast<Eigen::Index>(a), c) = cells[a].back().g_prog_siemens;
        }
    out.rows.resize(n_t);
    for (double t : r.times_s) {
        Eigen::ArrayXXd g(static_cast<Eigen::Index>(n_t), r.cells);
        for (std::size_t a = 0; a < n_t; ++a)
            for (int c = 0; c < r.cells; ++c)
                g(static_cast<Eigen::Index>(a), c) = pcm_read(params, cells[a][static_cast<std::size_t>(c)], t, rng);
        const double alpha = pcm_global_drift_compensation(g_prog, g);
        for (std::size_t a = 0; a < n_t; ++a) {
            const auto row = g.row(static_cast<Eigen::Index>(a));
            const double mean = row.mean();
            out.rows[a].push_back({mean, std::sqrt((row - mean).square().sum() / (r.cells - 1)), alpha * mean, alpha});
        }
    }
    return out;
}

}  // namespace kirchhoff::devices
