// Piecewise-linear voltage waveforms: triangular sweeps, pulses and pulse trains.
//
// The same Waveform drives the native Odeint integration (integrate.hpp, which restarts its
// stepper at every corner) and the ngspice PWL source (spice_text.hpp), so both engines see
// exactly the same stimulus.
#pragma once

#include <vector>

namespace kirchhoff::devices {

struct Waveform {
    std::vector<double> t_s;     // (points) strictly increasing, first 0
    std::vector<double> v_volt;  // (points)

    /// Throws InputError unless times start at 0, strictly increase and sizes match (>= 2).
    void validate() const;
    double start_s() const { return t_s.front(); }
    double end_s() const { return t_s.back(); }
    /// Linear interpolation; constant beyond the ends.
    double value(double t_s) const;
    /// Appends `w` shifted to start where this one ends (its first point is dropped if equal).
    Waveform& append(const Waveform& w);
};

/// 0 -> v_high -> 0 -> v_low -> 0 over `period_s`, straight lines between (a SET/RESET loop
/// when v_high and v_low have the polarities of SET and RESET).
Waveform triangle_sweep(double v_high_volt, double v_low_volt, double period_s);

/// A trapezoidal pulse: `t_before_s` at 0, an edge of `t_edge_s` to v_volt, `t_width_s` flat,
/// an edge back to 0, then `t_after_s` at 0.
Waveform pulse(double v_volt, double t_width_s, double t_edge_s, double t_before_s = 0.0,
               double t_after_s = 0.0);

/// One pulse per amplitude, each followed by `t_gap_s` at 0.
Waveform pulse_train(const std::vector<double>& v_volt, double t_width_s, double t_edge_s,
                     double t_gap_s);

}  // namespace kirchhoff::devices
