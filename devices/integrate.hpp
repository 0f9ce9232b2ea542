// Native transient of one device under a voltage waveform: Boost.Odeint's Rosenbrock (4th
// order, L-stable, with the model's exact Jacobian) integrating dx/dt = f(V(t), x).
//
// The integrator works on x / scale (StateVariable::scale) so that one pair of tolerances fits
// every variable, and restarts at each corner of the piecewise-linear waveform so that no step
// straddles a kink in V(t). Samples come from the stepper's dense output, so asking for more
// samples does not change the solution. Not here: noise (program.hpp adds cycle-to-cycle kicks
// between pulses), circuits around the device.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "devices/device.hpp"
#include "devices/waveform.hpp"

namespace kirchhoff::devices {

struct IntegrationOptions {
    double rel_tol = 1e-7;    // relative error per step
    double abs_tol = 1e-10;   // absolute error per step, in units of each variable's scale
    double max_step_s = 0.0;  // 0: no limit beyond the waveform's own corners
};

struct Trajectory {
    std::vector<double> t_s;       // (samples)
    std::vector<double> v_volt;    // (samples)
    std::vector<double> i_ampere;  // (samples)
    Eigen::MatrixXd state;         // (samples, state_size)
    std::size_t steps = 0;         // accepted integrator steps
};

/// Integrates from the waveform's start to its end from state x0, recording the state, voltage
/// and current at each of `sample_times_s` (sorted, inside the waveform's span).
/// Throws InputError for an invalid waveform or unsorted samples.
Trajectory integrate(const Device& device, const Waveform& drive, const State& x0,
                     std::span<const double> sample_times_s, const IntegrationOptions& options = {});

/// Same, returning only the final state (and the number of accepted steps in *steps).
State integrate_final(const Device& device, const Waveform& drive, const State& x0,
                      const IntegrationOptions& options = {}, std::size_t* steps = nullptr);

/// `n` equally spaced sample times over the waveform, both ends included.
std::vector<double> uniform_samples(const Waveform& drive, std::size_t n);

}  // namespace kirchhoff::devices
