// Configuration keys of the analog backend and their cross-key checks.
#include "analog/analog_config.hpp"

#include "cosim/surrogate_options.hpp"

#include <fmt/format.h>

#include "analog/energy_model.hpp"
#include "cosim/surrogate_options.hpp"
#include "params/error.hpp"

namespace kirchhoff::analog {

using params::Range;

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
    s.add(integer_key("dac.bits", 8, Range::closed(2, 24),
                      "input DAC resolution (signed: sign + bits-1 magnitude bits; two_phase: bits per phase)"));
    s.add(choice_key("dac.signs", "signed", {"signed", "two_phase"},
                     "signed inputs: signed row voltages in one read, or two reads of the positive and negative parts"));
    s.add(choice_key("dac.encoding", "amplitude", {"amplitude", "bit_serial"},
                     "input encoding: one read at the DAC level's voltage, or one read per bit of the level"));
    s.add(integer_key("adc.bits", 8, Range::closed(2, 24), "output ADC resolution (sign + bits-1 magnitude bits)"));
    s.add(integer_key("calibration.tokens", 256, Range::closed(0, 1 << 20),
                      "tokens of the calibration set, passed through the model before scoring: all their MVMs "
                      "(layers and attention) set the ADC ranges and fit adc.calibration, then both are frozen; "
                      "0: no calibration set, the first adc.calibration_mvms MVMs of each layer of the scored run "
                      "calibrate (the behaviour before calibration sets); else at least 2"));
    s.add(text_key("calibration.text", "",
                   "text of the calibration set (empty: the training split of the vendored corpus, its first 90%, "
                   "from the start; disjoint from the default scored text, the held-out tail); must not be the "
                   "scored text (run.text)"));
    s.add(integer_key("adc.calibration_mvms", 8, Range::closed(1, 1e6),
                      "with calibration.tokens = 0: first MVMs of each layer of the run whose largest |current| per "
                      "tile sets that tile's ADC range and which fit adc.calibration"));
    s.add(choice_key("adc.calibration", "per_column", {"none", "global", "per_column"},
                     "affine correction of the digitised outputs, least squares on the calibration MVMs: none, "
                     "global (one scale per tile) or per_column (scale and offset per column; Le Gallo et al., "
                     "Nat. Electron. 6, 680, 2023)"));
    s.add(real_key("adc.headroom", 1.25, "1", Range::closed(1, 100), "ADC range = headroom x largest calibration current"));
    s.add(boolean_key("pcm.programming_noise", false, "PCM programming noise (Joshi 2020, sigma_prog(g))"));
    s.add(real_key("pcm.t_inference_s", 0.0, "s", Range::closed(0, 1e9),
                   "time from programming to inference: PCM drift (0: no drift) and read-noise time"));
    s.add(boolean_key("pcm.drift_compensation", true,
                      "global drift compensation per tile (Joshi 2020), measured by one-hot reads of the tile "
                      "through its engine and read noise (drift_compensation.hpp)"));
    s.add(boolean_key("pcm.read_noise", false, "PCM 1/f read noise (Joshi 2020), at t_inference_s + t0 after programming"));
    s.add(choice_key("pcm.read_noise_mode", "per_mvm", {"per_mvm", "frozen"},
                     "per_mvm: read noise drawn at every read (what a chip sees); frozen: one draw per cell frozen "
                     "into the weights (IBM aihwkit PCMLikeNoiseModel, most papers)"));
    s.add(choice_key("pcm.clamp", "window", {"window", "at_zero"},
                     "clip of the PCM draws: window (ohmic cells [g_min/100, 2 g_max], device presets [g_min, "
                     "g_max]) or at_zero (G >= 0 only, as aihwkit; ohmic cells only)"));
    s.add(real_key("variability.d2d_sigma", 0.0, "1", Range::closed(0, 1),
                   "device-to-device variability: relative sigma of a fixed per-cell conductance factor"));
    s.add(real_key("faults.stuck_rate", 0.0, "1", Range::closed(0, 1), "fraction of cells stuck at g_min or g_max"));
    s.add(real_key("faults.stuck_at_gmax_fraction", 0.5, "1", Range::closed(0, 1),
                   "of the stuck cells, the fraction stuck at g_max (the rest at g_min)"));
    s.add(boolean_key("attention.on_crossbars", false,
                      "attention scores q.K^T and value product p.V on crossbar tiles holding the KV cache, one row "
                      "written per token (Leroux et al., Nat. Comput. Sci. 5, 813, 2025); false: digital (hybrid)"));
    s.add(integer_key("attention.adc_calibration_tokens", 64, Range::closed(1, 1e6),
                      "with calibration.tokens = 0: first tokens whose largest |current| per block, kv head and "
                      "product sets that attention ADC range (attention.on_crossbars)"));
    s.add(real_key("attention.adc_headroom", 2.0, "1", Range::closed(1, 100),
                   "attention ADC range = headroom x largest calibration current (above adc.headroom: clipping "
                   "the largest scores changes the softmax most)"));
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
    a.dac_bits = int(c.integer("dac.bits"));
    a.signs = c.text("dac.signs") == "two_phase" ? SignEncoding::two_phase : SignEncoding::signed_volts;
    a.bit_serial = c.text("dac.encoding") == "bit_serial";
    a.adc_bits = int(c.integer("adc.bits"));
    a.calibration_tokens = int(c.integer("calibration.tokens"));
    if (a.calibration_tokens == 1)
        throw InputError(fmt::format("calibration.tokens = 1 ({}): a calibration set needs at least 2 tokens (one "
                                     "window of the model); allowed: 0 (none) or [2, {}]",
                                     c.source("calibration.tokens"), 1 << 20));
    a.calibration_text = c.text("calibration.text");
    a.adc_calibration_mvms = int(c.integer("adc.calibration_mvms"));
    a.adc_headroom = c.real("adc.headroom");
    a.output_calibration = parse_output_calibration(c.text("adc.calibration"));
    a.pcm_programming_noise = c.boolean("pcm.programming_noise");
    a.pcm_t_inference_s = c.real("pcm.t_inference_s");
    a.pcm_drift_compensation = c.boolean("pcm.drift_compensation");
    a.pcm_read_noise = c.boolean("pcm.read_noise");
    a.d2d_sigma = c.real("variability.d2d_sigma");
    a.stuck_rate = c.real("faults.stuck_rate");
    a.stuck_at_gmax_fraction = c.real("faults.stuck_at_gmax_fraction");
    a.attention_on_crossbars = c.boolean("attention.on_crossbars");
    a.attention_adc_calibration_tokens = int(c.integer("attention.adc_calibration_tokens"));
    a.attention_adc_headroom = c.real("attention.adc_headroom");
    a.seed = a.crossbar.seed;
    a.pcm_read_noise_mode = c.text("pcm.read_noise_mode") == "frozen" ? ReadNoiseMode::frozen : ReadNoiseMode::per_mvm;
    a.pcm_clamp_at_zero = c.text("pcm.clamp") == "at_zero";
    if (a.pcm_clamp_at_zero && a.crossbar.device_preset != "linear")
        throw InputError(fmt::format("pcm.clamp = \"at_zero\" ({}) with device.preset = \"{}\" ({}): a device preset's "
                                     "conductance stays in its programmable window [g_min, g_max] (its tables cover "
                                     "nothing else); allowed with a device preset: window",
                                     c.source("pcm.clamp"), a.crossbar.device_preset, c.source("device.preset")));
    return a;
}

params::Config crossbar_part(const params::Config& c) {
    params::Config out(netlists::crossbar_schema());
    for (const params::Key& k : out.schema().keys()) out.copy_from(c, k.name);
    return out;
}

}  // namespace kirchhoff::analog
