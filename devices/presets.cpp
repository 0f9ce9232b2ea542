// The preset registry.
#include "devices/presets.hpp"

#include <string>

#include "params/error.hpp"

namespace kirchhoff::devices {

namespace {

// Stanford RRAM re-ranged to a 1-100 uS read window at 0.1 V: the published physics with the
// gap bounds moved to where the read current gives 100 uS and 1 uS (about 0.93 and 2.08 nm).
StanfordRramParams stanford_aimc() {
    StanfordRramParams p;
    p.gap_min_m = stanford_rram_gap_for_conductance(p, 100e-6, 0.1);
    p.gap_max_m = stanford_rram_gap_for_conductance(p, 1e-6, 0.1);
    return p;
}

// VTEAM with a 1-100 uS window and thresholds well above a 0.1-0.2 V read, so that reads do
// not disturb the state; switching of ~10% of the window per 100 ns at 1 V.
VteamParams vteam_aimc() {
    VteamParams p;
    p.r_on_ohm = 1e4;
    p.r_off_ohm = 1e6;
    p.k_on_m_per_s = -3e-3;
    p.k_off_m_per_s = 3e-3;
    p.alpha_on = 3.0;
    p.alpha_off = 3.0;
    p.v_on_volt = -0.5;
    p.v_off_volt = 0.5;
    p.window_p = 5.0;
    return p;
}

constexpr Protocol stanford_protocol{
    .v_read_volt = 0.1, .v_loop_set_volt = 1.5, .v_loop_reset_volt = -1.5, .loop_period_s = 1e-3,
    .t_pulse_s = 100e-9, .t_edge_s = 10e-9, .v_set_start_volt = 1.3, .v_set_stop_volt = 1.6,
    .v_reset_start_volt = -1.1, .v_reset_stop_volt = -1.6, .v_step_volt = 0.02};
constexpr Protocol stanford_aimc_protocol{
    .v_read_volt = 0.1, .v_loop_set_volt = 2.0, .v_loop_reset_volt = -2.0, .loop_period_s = 1e-3,
    .t_pulse_s = 100e-9, .t_edge_s = 10e-9, .v_set_start_volt = 1.8, .v_set_stop_volt = 2.2,
    .v_reset_start_volt = -1.2, .v_reset_stop_volt = -2.2, .v_step_volt = 0.02};
constexpr Protocol vteam_protocol{
    .v_read_volt = 0.01, .v_loop_set_volt = -0.5, .v_loop_reset_volt = 0.5, .loop_period_s = 1e-6,
    .t_pulse_s = 1e-9, .t_edge_s = 0.1e-9, .v_set_start_volt = -0.21, .v_set_stop_volt = -0.4,
    .v_reset_start_volt = 0.03, .v_reset_stop_volt = 0.3, .v_step_volt = 0.01};
constexpr Protocol vteam_aimc_protocol{
    .v_read_volt = 0.1, .v_loop_set_volt = -1.5, .v_loop_reset_volt = 1.5, .loop_period_s = 10e-6,
    .t_pulse_s = 100e-9, .t_edge_s = 10e-9, .v_set_start_volt = -0.7, .v_set_stop_volt = -1.5,
    .v_reset_start_volt = 0.7, .v_reset_stop_volt = 1.5, .v_step_volt = 0.05};
// PCM: the "loop" is a RESET pulse then a SET pulse (see tests/devices); both positive.
constexpr Protocol pcm_protocol{
    .v_read_volt = 0.1, .v_loop_set_volt = 1.2, .v_loop_reset_volt = 2.0, .loop_period_s = 2e-6,
    .t_pulse_s = 100e-9, .t_edge_s = 2e-9, .v_set_start_volt = 1.05, .v_set_stop_volt = 1.3,
    .v_reset_start_volt = 2.0, .v_reset_stop_volt = 2.0, .v_step_volt = 0.01};

constexpr Preset registry[] = {
    {"stanford_rram", "stanford_rram",
     "Guan, Yu, Wong, IEEE TED 59(4) 2012; Jiang et al., Stanford RRAM model v1.0.0, nanoHUB 2014",
     "published defaults: gap 0.2-1.7 nm, I0 1 mA, g0 0.25 nm, V0 0.25 V",
     [] { return ModelParams{StanfordRramParams{}}; }, stanford_protocol},
    {"stanford_rram_aimc", "stanford_rram",
     "Jiang et al. 2014 physics; gap bounds re-ranged by Kirchhoff to a 1-100 uS window at 0.1 V",
     "gap ~0.93-2.08 nm so that G(0.1 V) spans 1-100 uS",
     [] { return ModelParams{stanford_aimc()}; }, stanford_aimc_protocol},
    {"vteam", "vteam",
     "Kvatinsky et al., IEEE TCAS-II 62(8) 2015; reference parameters as in MemTorch (Lammie et al. 2020)",
     "R_on 50 ohm, R_off 1 kohm, v_on -0.2 V, v_off 0.02 V, D 3 nm",
     [] { return ModelParams{VteamParams{}}; }, vteam_protocol},
    {"vteam_aimc", "vteam",
     "Kvatinsky et al. 2015 equations; parameters chosen by Kirchhoff for a 1-100 uS window",
     "R_on 10 kohm, R_off 1 Mohm, thresholds +-0.5 V (read-disturb free at 0.1 V)",
     [] { return ModelParams{vteam_aimc()}; }, vteam_aimc_protocol},
    {"pcm_gst", "pcm_electrical",
     "Ventrice et al., IEEE EDL 28(11) 2007; Ielmini, Zhang, J. Appl. Phys. 102 2007; Pirovano et al., IEEE TED 51(3) 2004",
     "Ge2Sb2Te5 mushroom cell: 100 uS SET, V_th 1 V, T_melt 888 K, R_th 2 MK/W",
     [] { return ModelParams{PcmElectricalParams{}}; }, pcm_protocol},
    {"pcm_joshi2020", "pcm_statistical",
     "Nandakumar et al., IEEE ICECS 2019; Joshi et al., Nature Communications 11, 2473, 2020",
     "g_max 25 uS: programming noise, drift (t0 20 s), 1/f read noise (t_read 250 ns)",
     [] { return ModelParams{PcmStatisticalParams{}}; }, Protocol{}},
};

}  // namespace

std::span<const Preset> presets() { return registry; }

const Preset& find_preset(std::string_view name) {
    for (const Preset& p : registry)
        if (p.name == name) return p;
    std::string known;
    for (const Preset& p : registry) known += std::string(known.empty() ? "" : ", ") + std::string(p.name);
    throw InputError("unknown device preset '" + std::string(name) + "' (presets: " + known + ")");
}

bool is_electrical(const Preset& preset) {
    return !std::holds_alternative<PcmStatisticalParams>(preset.make());
}

std::unique_ptr<Device> make_device(const Preset& preset) {
    const ModelParams params = preset.make();
    if (const auto* p = std::get_if<StanfordRramParams>(&params)) return std::make_unique<StanfordRram>(*p);
    if (const auto* p = std::get_if<VteamParams>(&params)) return std::make_unique<Vteam>(*p);
    if (const auto* p = std::get_if<PcmElectricalParams>(&params)) return std::make_unique<PcmElectrical>(*p);
    throw InputError("device preset '" + std::string(preset.name) + "' is the statistical model " +
                     std::string(preset.model) + ": it has no I-V (use it for drift and noise)");
}

Waveform loop_waveform(const Device& device, const Protocol& pr) {
    if (device.model() == PcmElectrical::model_name) {
        // RESET: short pulse with a fast quench; SET: long pulse; rest between and after.
        const double rest = 0.25 * pr.loop_period_s;
        Waveform w = pulse(pr.v_loop_reset_volt, 0.5 * pr.t_pulse_s, 0.2 * pr.t_edge_s, 0.0, rest);
        w.append(pulse(pr.v_loop_set_volt, 5.0 * pr.t_pulse_s, pr.t_edge_s, 0.0, rest));
        return w;
    }
    return triangle_sweep(pr.v_loop_set_volt, pr.v_loop_reset_volt, pr.loop_period_s);
}

void validate(const ModelParams& params) {
    std::visit([](const auto& p) { p.validate(); }, params);
}

}  // namespace kirchhoff::devices
