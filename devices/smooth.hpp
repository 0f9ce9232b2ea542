// Smooth (C-infinity) replacements for the steps, clamps and absolute values that compact models
// are often written with. A discontinuous `if` in a model stalls Newton solvers and makes
// integrators shrink their step to nothing; these keep every derivative finite.
//
// Each function is templated on the scalar (double or Dual<N>) and has a SPICE B-source twin
// in spice_text.hpp that writes the same formula, so the native and ngspice models agree.
#pragma once

#include <cmath>

#include "devices/dual.hpp"

namespace kirchhoff::devices {

/// Physical constants (CODATA 2018, exact in SI since 2019).
inline constexpr double boltzmann_joule_per_kelvin = 1.380649e-23;
inline constexpr double elementary_charge_coulomb = 1.602176634e-19;
/// k_B / q: converts kelvin to volts (kT/q) and eV to kelvin (E / (k_B/q)).
inline constexpr double boltzmann_volt_per_kelvin =
    boltzmann_joule_per_kelvin / elementary_charge_coulomb;

/// Logistic step 1 / (1 + exp(-u)), evaluated as exp(min(u, 0)) / (1 + exp(-|u|)): no
/// overflow, and deep tails keep their true tiny values (sigmoid(-60) = 9e-27, where a tanh
/// form would round to 1e-16 and give a memory state a spurious rate at rest). For the
/// complement use sigmoid(-u), never 1 - sigmoid(u).
template <class S>
S sigmoid(const S& u) {
    using std::exp;
    if (value_of(u) >= 0.0) return 1.0 / (1.0 + exp(-u));
    const S e = exp(u);
    return e / (1.0 + e);
}

/// Smooth max(u, 0) with corner width `width` (> 0): width * ln(1 + exp(u / width)).
/// Evaluated in the overflow-free form max(u, 0) + width * ln(1 + exp(-|u| / width)); both
/// branches are the same analytic function, so derivatives are exact on either side.
template <class S>
S softplus(const S& u, double width) {
    using std::exp;
    using std::log1p;
    if (value_of(u) > 0.0) return u + width * log1p(exp(-u / width));
    return width * log1p(exp(u / width));
}

/// Smooth |v| with rounding `width` (> 0): sqrt(v^2 + width^2).
template <class S>
S smooth_abs(const S& v, double width) {
    using std::sqrt;
    return sqrt(v * v + width * width);
}

}  // namespace kirchhoff::devices
