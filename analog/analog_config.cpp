// Configuration keys of the analog backend and their cross-key checks.
#include "analog/analog_config.hpp"

#include <fmt/format.h>

#include "analog/energy_model.hpp"
#include "cosim/surrogate_options.hpp"
#include "params/error.hpp"
#include "params/table.hpp"

namespace kirchhoff::analog {

using params::Range;

namespace {

// The periphery and non-ideality keys, each declared once beside the AnalogConfig member it
// sets; defaults from AnalogConfig{}. The tile keys come from netlists::crossbar_keys().
const params::Table<AnalogConfig>& analog_table() {
    static const params::Table<AnalogConfig> table = [] {
        using A = AnalogConfig;
        params::Table<A> t;
        t.integer("dac.bits", &A::dac_bits, Range::closed(2, 24),
                  "input DAC resolution (signed: sign + bits-1 magnitude bits; two_phase: bits per phase)");
        t.choice("dac.signs", &A::signs, {{"signed", SignEncoding::signed_volts}, {"two_phase", SignEncoding::two_phase}},
                 "signed inputs: signed row voltages in one read, or two reads of the positive and negative parts");
        t.choice("dac.encoding", &A::bit_serial, {{"amplitude", false}, {"bit_serial", true}},
                 "input encoding: one read at the DAC level's voltage, or one read per bit of the level");
        t.integer("adc.bits", &A::adc_bits, Range::closed(2, 24), "output ADC resolution (sign + bits-1 magnitude bits)");
        t.integer("calibration.tokens", &A::calibration_tokens, Range::closed(0, 1 << 20),
                  "tokens of the calibration set, passed through the model before scoring: all their MVMs "
                  "(layers and attention) set the ADC ranges and fit adc.calibration, then both are frozen; "
                  "0: no calibration set, the first adc.calibration_mvms MVMs of each layer of the scored run "
                  "calibrate (the behaviour before calibration sets); else at least 2");
        t.text("calibration.text", &A::calibration_text,
               "text of the calibration set (empty: the training split of the vendored corpus, its first 90%, "
               "from the start; disjoint from the default scored text, the held-out tail); must not be the "
               "scored text (run.text)");
        t.integer("adc.calibration_mvms", &A::adc_calibration_mvms, Range::closed(1, 1e6),
                  "with calibration.tokens = 0: first MVMs of each layer of the run whose largest |current| per "
                  "tile sets that tile's ADC range and which fit adc.calibration");
        t.choice("adc.calibration", &A::output_calibration,
                 {OutputCalibration::none, OutputCalibration::global, OutputCalibration::per_column},
                 "affine correction of the digitised outputs, least squares on the calibration MVMs: none, "
                 "global (one scale per tile) or per_column (scale and offset per column; Le Gallo et al., "
                 "Nat. Electron. 6, 680, 2023)");
        t.real("adc.headroom", &A::adc_headroom, "1", Range::closed(1, 100),
               "ADC range = headroom x largest calibration current");
        t.boolean("pcm.programming_noise", &A::pcm_programming_noise, "PCM programming noise (Joshi 2020, sigma_prog(g))");
        t.real("pcm.t_inference_s", &A::pcm_t_inference_s, "s", Range::closed(0, 1e9),
               "time from programming to inference: PCM drift (0: no drift) and read-noise time");
        t.boolean("pcm.drift_compensation", &A::pcm_drift_compensation,
                  "global drift compensation per tile (Joshi 2020), measured by one-hot reads of the tile "
                  "through its engine and read noise (drift_compensation.hpp)");
        t.boolean("pcm.read_noise", &A::pcm_read_noise,
                  "PCM 1/f read noise (Joshi 2020), at t_inference_s + t0 after programming");
        t.choice("pcm.read_noise_mode", &A::pcm_read_noise_mode,
                 {{"per_mvm", ReadNoiseMode::per_mvm}, {"frozen", ReadNoiseMode::frozen}},
                 "per_mvm: read noise drawn at every read (what a chip sees); frozen: one draw per cell frozen "
                 "into the weights (IBM aihwkit PCMLikeNoiseModel, most papers)");
        t.choice("pcm.clamp", &A::pcm_clamp_at_zero, {{"window", false}, {"at_zero", true}},
                 "clip of the PCM draws: window (ohmic cells [g_min/100, 2 g_max], device presets [g_min, "
                 "g_max]) or at_zero (G >= 0 only, as aihwkit; ohmic cells only)");
        t.real("variability.d2d_sigma", &A::d2d_sigma, "1", Range::closed(0, 1),
               "device-to-device variability: relative sigma of a fixed per-cell conductance factor");
        t.real("faults.stuck_rate", &A::stuck_rate, "1", Range::closed(0, 1), "fraction of cells stuck at g_min or g_max");
        t.real("faults.stuck_at_gmax_fraction", &A::stuck_at_gmax_fraction, "1", Range::closed(0, 1),
               "of the stuck cells, the fraction stuck at g_max (the rest at g_min)");
        t.boolean("attention.on_crossbars", &A::attention_on_crossbars,
                  "attention scores q.K^T and value product p.V on crossbar tiles holding the KV cache, one row "
                  "written per token (Leroux et al., Nat. Comput. Sci. 5, 813, 2025); false: digital (hybrid)");
        t.integer("attention.adc_calibration_tokens", &A::attention_adc_calibration_tokens, Range::closed(1, 1e6),
                  "with calibration.tokens = 0: first tokens whose largest |current| per block, kv head and "
                  "product sets that attention ADC range (attention.on_crossbars)");
        t.real("attention.adc_headroom", &A::attention_adc_headroom, "1", Range::closed(1, 100),
               "attention ADC range = headroom x largest calibration current (above adc.headroom: clipping "
               "the largest scores changes the softmax most)");
        return t;
    }();
    return table;
}

}  // namespace

const params::Table<AnalogConfig>& analog_keys() { return analog_table(); }

params::Schema analog_schema() {
    using namespace params;
    Schema s;
    const Schema tile = netlists::inference_crossbar_schema();  // alive through the loop
    for (Key k : tile.keys()) {
        if (k.name == "array.differential")
            k.meaning = "signed weights as differential pairs: columns (2c - 2c+1) or arrays (p - m)";
        s.add(std::move(k));
    }
    cosim::add_surrogate_keys(s);
    s.add(analog_table().schema());
    s.add(energy_schema());  // energy.*: priced afterwards from the counts (energy_model.hpp)
    return s;
}

AnalogConfig analog_config(const params::Config& c) {
    AnalogConfig a;
    a.crossbar = netlists::crossbar_config(c);
    const auto& spec = a.crossbar.spec;
    if (spec.differential == netlists::Differential::none)
        throw InputError(fmt::format("array.differential = \"none\" ({}): signed weights need a differential pair; "
                                     "allowed: columns, arrays",
                                     c.source("array.differential")));
    if (spec.mode != netlists::Mode::read)
        throw InputError(fmt::format("array.mode = \"{}\" ({}): inference needs read mode; allowed: read",
                                     c.text("array.mode"), c.source("array.mode")));
    analog_table().bind(c, a);
    if (a.calibration_tokens == 1)
        throw InputError(fmt::format("calibration.tokens = 1 ({}): a calibration set needs at least 2 tokens (one "
                                     "window of the model); allowed: 0 (none) or [2, {}]",
                                     c.source("calibration.tokens"), 1 << 20));
    a.seed = a.crossbar.seed;
    if (a.pcm_clamp_at_zero && a.crossbar.device_preset != "linear")
        throw InputError(fmt::format("pcm.clamp = \"at_zero\" ({}) with device.preset = \"{}\" ({}): a device preset's "
                                     "conductance stays in its programmable window [g_min, g_max] (its tables cover "
                                     "nothing else); allowed with a device preset: window",
                                     c.source("pcm.clamp"), a.crossbar.device_preset, c.source("device.preset")));
    return a;
}

}  // namespace kirchhoff::analog
