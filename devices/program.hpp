// Program-and-verify: pulse a device to a target read conductance, read after every pulse,
// with incremental step pulse programming (ISPP), cycle-to-cycle noise between pulses and
// device-to-device variability across a population. Seeded and deterministic.
//
// Loop: read G at v_read. Done when |G - G_T| <= tolerance_rel G_T. Otherwise apply a SET
// pulse when G < G_T, a RESET pulse when G > G_T. The first pulse of a direction has its
// start amplitude; a pulse in the same direction as the last one is one step larger (up to
// the stop amplitude); a change of direction (an overshoot) halves the step and resumes that
// direction one step below its last amplitude, so the amplitudes close in on the target like
// a bisection (verify-driven ISPP). After each pulse every state variable receives a Gaussian kick of the
// device's cycle_noise_sigma() (a discrete event outside the ODE, so it is clamped into the
// state bounds), then the fast variables relax (the next read uses the rest state).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "devices/device.hpp"
#include "devices/integrate.hpp"
#include "devices/presets.hpp"

namespace kirchhoff::devices {

/// Applies one pulse: the state after `pulse` starting from `x`. The default integrates
/// natively (integrate_final); the CLI's `--engine spice` runs the transient subcircuit instead.
using PulseEngine = std::function<State(const Device& device, const Waveform& pulse, const State& x)>;

struct ProgramOptions {
    double g_target_siemens = 0.0;
    double tolerance_rel = 0.05;  // accept |G - G_T| <= tolerance_rel * G_T
    int max_pulses = 200;
    IntegrationOptions integration = {1e-6, 1e-9, 0.0};
    PulseEngine engine = {};      // empty: integrate_final with `integration`
};

struct ProgramStep {
    int pulse = 0;              // 0: the initial read
    double v_pulse_volt = 0.0;  // amplitude of the pulse before this read (0 for the first)
    double g_read_siemens = 0.0;
    double memory = 0.0;        // x[0] after the pulse (and noise)
};

struct ProgramResult {
    bool converged = false;
    std::vector<ProgramStep> steps;  // the initial read, then one per pulse
    State final_state;
    double g_final_siemens = 0.0;
};

/// Programs `device` from state x0 towards options.g_target_siemens with the protocol's pulses.
/// Throws InputError when the target is outside the device's conductance window.
ProgramResult program_and_verify(const Device& device, const State& x0, const Protocol& protocol,
                                 const ProgramOptions& options, Rng& rng);

/// Programs `n_devices` devices, each a copy of `nominal` varied by vary_device(sigma_d2d_rel)
/// and starting at the memory value `memory0`. Device k draws from its own stream split off
/// Rng(seed), so results do not depend on the order of evaluation.
std::vector<ProgramResult> program_population(const Device& nominal, double memory0,
                                              const Protocol& protocol,
                                              const ProgramOptions& options, int n_devices,
                                              double sigma_d2d_rel, std::uint64_t seed);

}  // namespace kirchhoff::devices
