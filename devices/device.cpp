// Device members shared by every model: read conductance and its inverse.
#include "devices/device.hpp"

#include <cmath>
#include <string>

#include "params/error.hpp"
#include "params/range.hpp"

namespace kirchhoff::devices {

double Device::read_conductance_siemens(double memory, double v_read_volt) const {
    return current_ampere(v_read_volt, rest_state(memory)) / v_read_volt;
}

std::pair<double, double> Device::conductance_window_siemens(double v_read_volt) const {
    const auto [lo, hi] = state_bounds();
    const double a = read_conductance_siemens(lo[0], v_read_volt);
    const double b = read_conductance_siemens(hi[0], v_read_volt);
    return {std::min(a, b), std::max(a, b)};
}

bool Device::in_conductance_window(double g_siemens, double v_read_volt) const {
    const auto [g_min, g_max] = conductance_window_siemens(v_read_volt);
    return g_siemens >= g_min * (1 - window_relative_tolerance) && g_siemens <= g_max * (1 + window_relative_tolerance);
}

double Device::memory_for_conductance(double g_siemens, double v_read_volt) const {
    const auto [lo_state, hi_state] = state_bounds();
    double lo = lo_state[0], hi = hi_state[0];
    const auto [g_min, g_max] = conductance_window_siemens(v_read_volt);
    if (!in_conductance_window(g_siemens, v_read_volt))
        throw InputError(std::string(model()) + ": target conductance " +
                         params::format_number(g_siemens) + " S is outside the device window [" +
                         params::format_number(g_min) + ", " + params::format_number(g_max) +
                         "] S at a read voltage of " + params::format_number(v_read_volt) + " V");
    // Bisection on the monotonic read map; the log keeps decades of conductance balanced. A
    // target within the tolerance outside the window ends at that bound.
    const double target = std::log(g_siemens);
    const bool increasing = read_conductance_siemens(hi, v_read_volt) >
                            read_conductance_siemens(lo, v_read_volt);
    for (int k = 0; k < 200 && hi - lo > 1e-15 * (std::abs(lo) + std::abs(hi)); ++k) {
        const double mid = 0.5 * (lo + hi);
        const bool above = std::log(read_conductance_siemens(mid, v_read_volt)) > target;
        if (above == increasing) hi = mid;
        else lo = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace kirchhoff::devices
