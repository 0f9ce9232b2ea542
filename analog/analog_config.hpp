// The analog backend's configuration: the crossbar tile keys (netlists::crossbar_schema, with
// differential columns as the default) plus the periphery and non-ideality keys it adds:
//   dac.*          input DAC: bits, sign encoding, amplitude or bit-serial encoding
//   adc.*          output ADC: bits, headroom, the output calibration of the digital periphery
//                  (output_calibration.hpp), and calibration on the first MVMs of each layer
//                  when there is no calibration set
//   calibration.*  the calibration set that fits the ADC ranges and the output calibration
//                  before scoring (evaluation/calibration_set.hpp; the backend's phases:
//                  analog_backend.hpp)
//   pcm.*          PCM programming noise, drift to t_inference_s with global drift
//                  compensation read through the tile, read noise per MVM or frozen, clip
//                  (devices/pcm_statistical.hpp, Joshi 2020; drift_compensation.hpp)
//   variability.*  device-to-device variability of the programmed conductance
//   faults.*       stuck-at faults
//   attention.*    attention scores and value product on crossbars (attention_tiles.hpp)
//   energy.*       per-operation energies and times for the energy/latency report (energy_model.hpp)
// Every key has a default, a unit, a range and a meaning; analog_config() adds the checks
// that span keys and names the keys and values it refuses.
#pragma once

#include <cstdint>
#include <string>

#include "analog/output_calibration.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/config.hpp"
#include "params/table.hpp"

namespace kirchhoff::analog {

enum class SignEncoding {
    signed_volts,  // "signed": one read with row voltages in [-v_read, v_read]
    two_phase,     // "two_phase": positive then negative parts as two reads in [0, v_read]
};

enum class ReadNoiseMode {
    per_mvm,  // "per_mvm": a fresh draw at every read, as a chip sees it
    frozen,   // "frozen": one draw per cell frozen into G(t), as aihwkit and most papers report
};

struct AnalogConfig {
    netlists::CrossbarConfig crossbar;  // one tile: rows (inputs) x cols (outputs), differential
    int dac_bits = 8;                   // signed: sign + (bits - 1) magnitude bits; two_phase: bits per phase
    SignEncoding signs = SignEncoding::signed_volts;
    bool bit_serial = false;            // dac.encoding: amplitude (one read) or bit_serial (one read per bit)
    int adc_bits = 8;                   // sign + (bits - 1) magnitude bits over [-range, range]
    int calibration_tokens = 256;       // calibration set (0: none, the first MVMs of the run calibrate)
    std::string calibration_text;       // its text ("": training split of the vendored corpus)
    int adc_calibration_mvms = 8;       // calibration_tokens = 0: first MVMs of a layer that calibrate
    double adc_headroom = 1.25;         // range = headroom * largest |current| seen in calibration
    OutputCalibration output_calibration = OutputCalibration::per_column;  // adc.calibration
    bool pcm_programming_noise = false;
    double pcm_t_inference_s = 0.0;     // time since programming: drift and read noise (0: none)
    bool pcm_drift_compensation = true;
    bool pcm_read_noise = false;
    ReadNoiseMode pcm_read_noise_mode = ReadNoiseMode::per_mvm;
    bool pcm_clamp_at_zero = false;     // pcm.clamp = at_zero: clip PCM draws at 0 only (ohmic cells)
    double d2d_sigma = 0.0;             // relative sigma of the per-cell conductance factor
    double stuck_rate = 0.0;            // fraction of cells stuck
    double stuck_at_gmax_fraction = 0.5;// of the stuck cells, the fraction stuck at g_max (else g_min)
    bool attention_on_crossbars = false;     // attention products on KV-cache tiles (attention_tiles.hpp)
    int attention_adc_calibration_tokens = 64;  // first tokens that set the attention ADC ranges
    double attention_adc_headroom = 2.0;        // attention ADC range = headroom * calibration max
    std::uint64_t seed = 1;
};

/// netlists::inference_crossbar_schema() (array.differential defaulting to "columns") plus the keys above.
params::Schema analog_schema();
/// The table of the keys above except the tile's, surrogate.* and energy.* (params/table.hpp):
/// analog_schema() and analog_config() are derived from it, defaults from AnalogConfig{}.
const params::Table<AnalogConfig>& analog_keys();

/// Typed view; throws InputError naming the key, its value and source, and the allowed range
/// for what one key's range cannot say (array.differential = none, array.mode = select,
/// 1S1R cells, pcm.clamp = at_zero with a device preset, calibration.tokens = 1).
AnalogConfig analog_config(const params::Config& config);

}  // namespace kirchhoff::analog
