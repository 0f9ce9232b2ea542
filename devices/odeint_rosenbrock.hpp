// A C++17 island around boost::numeric::odeint::rosenbrock4 (dense output).
//
// Boost 1.74's uBLAS, which rosenbrock4 is built on, calls std::allocator::construct, removed
// in C++20, so odeint_rosenbrock.cpp is compiled as C++17 (devices/CMakeLists.txt) and this
// header uses only C++17 types. integrate.cpp is the C++20 side. Drop the island once Boost
// >= 1.75 (uBLAS fixed) is the oldest supported.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace kirchhoff::devices::detail {

struct RosenbrockProblem {
    std::size_t n = 0;
    /// dydt = f(y, t): y and dydt have n entries.
    std::function<void(const double* y, double t, double* dydt)> rhs;
    /// jac (row-major n x n) = df/dy, dfdt (n) = df/dt at (y, t).
    std::function<void(const double* y, double t, double* jac, double* dfdt)> jacobian;
};

struct RosenbrockSettings {
    double abs_tol = 1e-10;
    double rel_tol = 1e-7;
    double max_dt = 0.0;  // > 0
    double dt0 = 0.0;     // first trial step, > 0
};

/// Integrates y (n) from t0 to t1 in place. For each sample time in
/// samples[next_sample ...] that is <= t1, calls sample(t, y_at_t) from the dense output and
/// advances next_sample. Returns the number of accepted steps; *last_dt receives the last step
/// size (a good first step for the next segment).
std::size_t rosenbrock_segment(const RosenbrockProblem& problem, std::vector<double>& y, double t0,
                               double t1, const RosenbrockSettings& settings,
                               const std::vector<double>& samples, std::size_t& next_sample,
                               const std::function<void(double, const double*)>& sample,
                               double* last_dt);

}  // namespace kirchhoff::devices::detail
