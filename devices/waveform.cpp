// Piecewise-linear waveforms.
#include "devices/waveform.hpp"

#include <algorithm>
#include <string>

#include "params/error.hpp"
#include "params/range.hpp"

namespace kirchhoff::devices {

void Waveform::validate() const {
    if (t_s.size() < 2 || t_s.size() != v_volt.size())
        throw InputError("waveform: needs at least two points and as many voltages as times (got " +
                         std::to_string(t_s.size()) + " times, " + std::to_string(v_volt.size()) +
                         " voltages)");
    if (t_s.front() != 0.0)
        throw InputError("waveform: must start at t = 0 s (starts at " +
                         params::format_number(t_s.front()) + " s)");
    for (std::size_t k = 1; k < t_s.size(); ++k)
        if (!(t_s[k] > t_s[k - 1]))
            throw InputError("waveform: times must strictly increase (point " + std::to_string(k) +
                             " at " + params::format_number(t_s[k]) + " s)");
}

double Waveform::value(double t) const {
    if (t <= t_s.front()) return v_volt.front();
    if (t >= t_s.back()) return v_volt.back();
    const auto it = std::upper_bound(t_s.begin(), t_s.end(), t);
    const std::size_t k = static_cast<std::size_t>(it - t_s.begin()) - 1;
    const double f = (t - t_s[k]) / (t_s[k + 1] - t_s[k]);
    return v_volt[k] + f * (v_volt[k + 1] - v_volt[k]);
}

Waveform& Waveform::append(const Waveform& w) {
    const double shift = t_s.empty() ? 0.0 : t_s.back();
    for (std::size_t k = 0; k < w.t_s.size(); ++k) {
        if (!t_s.empty() && k == 0 && w.t_s[0] == 0.0) {
            v_volt.back() = w.v_volt[0];  // same instant: the appended waveform's value wins
            continue;
        }
        t_s.push_back(shift + w.t_s[k]);
        v_volt.push_back(w.v_volt[k]);
    }
    return *this;
}

Waveform triangle_sweep(double v_high_volt, double v_low_volt, double period_s) {
    const double q = 0.25 * period_s;
    return Waveform{{0.0, q, 2 * q, 3 * q, period_s}, {0.0, v_high_volt, 0.0, v_low_volt, 0.0}};
}

Waveform pulse(double v_volt, double t_width_s, double t_edge_s, double t_before_s,
               double t_after_s) {
    Waveform w{{0.0}, {0.0}};
    double t = 0.0;
    if (t_before_s > 0) w.t_s.push_back(t += t_before_s), w.v_volt.push_back(0.0);
    w.t_s.push_back(t += t_edge_s), w.v_volt.push_back(v_volt);
    w.t_s.push_back(t += t_width_s), w.v_volt.push_back(v_volt);
    w.t_s.push_back(t += t_edge_s), w.v_volt.push_back(0.0);
    if (t_after_s > 0) w.t_s.push_back(t += t_after_s), w.v_volt.push_back(0.0);
    return w;
}

Waveform pulse_train(const std::vector<double>& v_volt, double t_width_s, double t_edge_s,
                     double t_gap_s) {
    Waveform w;
    for (double v : v_volt) w.append(pulse(v, t_width_s, t_edge_s, 0.0, t_gap_s));
    return w;
}

}  // namespace kirchhoff::devices
