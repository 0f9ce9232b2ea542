// The preset registry: every named, cited parameter set of every model, in one table.
//
// A preset is a name, the model it parameterises, its citation, a one-line summary, a factory
// for its parameters and (for electrical models) the characterisation protocol that suits it:
// the read voltage, the SET/RESET loop and the programming pulses. Tests, the CLI's
// `kirchhoff device presets` and the README iterate over presets(); add new ones there.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <variant>

#include "devices/device.hpp"
#include "devices/pcm_electrical.hpp"
#include "devices/pcm_statistical.hpp"
#include "devices/stanford_rram.hpp"
#include "devices/vteam.hpp"
#include "devices/waveform.hpp"

namespace kirchhoff::devices {

using ModelParams =
    std::variant<StanfordRramParams, VteamParams, PcmElectricalParams, PcmStatisticalParams>;

/// Voltages and times that exercise an electrical preset (signs as applied to the device).
struct Protocol {
    double v_read_volt = 0.1;         // read voltage
    double v_loop_set_volt = 0.0;     // SET/RESET loop: SET-side peak of the triangle
    double v_loop_reset_volt = 0.0;   // RESET-side peak (same sign as SET for PCM)
    double loop_period_s = 0.0;       // period of the triangle
    double t_pulse_s = 0.0;           // programming pulse: flat width
    double t_edge_s = 0.0;            // programming pulse: rise and fall time
    double v_set_start_volt = 0.0;    // program-and-verify: first SET amplitude
    double v_set_stop_volt = 0.0;     // largest SET amplitude
    double v_reset_start_volt = 0.0;  // first RESET amplitude
    double v_reset_stop_volt = 0.0;   // largest RESET amplitude
    double v_step_volt = 0.0;         // amplitude increment between same-direction pulses
};

/// The SET/RESET loop of an electrical preset, starting with the memory variable at its upper
/// bound: a triangle (SET side first, then RESET side) for RRAM; for PCM, whose SET and RESET
/// are both positive pulses, a RESET pulse then a SET pulse.
Waveform loop_waveform(const Device& device, const Protocol& protocol);

struct Preset {
    std::string_view name;      // "stanford_rram_aimc"
    std::string_view model;     // "stanford_rram"
    std::string_view citation;  // paper(s), year
    std::string_view summary;   // one line
    ModelParams (*make)();      // the parameters
    Protocol protocol;          // electrical presets only
};

/// Every preset, in a fixed order.
std::span<const Preset> presets();
/// Throws InputError naming the unknown preset and listing the known ones.
const Preset& find_preset(std::string_view name);
/// True for presets of electrical models (those that make a Device).
bool is_electrical(const Preset& preset);
/// The preset's device; throws InputError for a statistical preset.
std::unique_ptr<Device> make_device(const Preset& preset);
/// Validates whichever model's parameters `params` holds.
void validate(const ModelParams& params);

}  // namespace kirchhoff::devices
