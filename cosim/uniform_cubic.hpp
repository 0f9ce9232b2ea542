// Cubic interpolation on a uniform grid: Hermite with second-order finite-difference slopes
// (Catmull-Rom inside, one-sided at the ends): C1, exact at the nodes and for quadratics,
// error O(h^3). The one interpolant behind device tables and cell features.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace kirchhoff::cosim {

class UniformCubic {
public:
    UniformCubic() = default;
    /// Samples y (at least 2) at x0, x0 + dx, ..., dx > 0. Copies the samples.
    UniformCubic(double x0, double dx, std::span<const double> y);
    /// Value at x; outside the grid the end intervals extend (no clamping of x is hidden:
    /// callers check their ranges).
    double operator()(double x) const;
    /// First derivative at x.
    double derivative(double x) const;
    /// The same interpolant as one power-basis cubic per interval, for evaluation in loops.
    class Pieces;
    Pieces pieces() const;
    double x_min() const { return x0_; }
    double x_max() const { return x0_ + dx_ * double(y_.size() - 1); }

private:
    // Interval index i and local coordinate t in [0, 1] of x.
    void locate(double x, std::size_t& i, double& t) const;
    double slope(std::size_t i) const;  // finite-difference slope estimate at node i (per unit t)

    double x0_ = 0.0, dx_ = 1.0;
    std::vector<double> y_;
};

/// A UniformCubic as coefficients per interval: p(t) = c0 + c1 t + c2 t^2 + c3 t^3 with t the
/// position in the interval in units of dx. Same values as the UniformCubic (to rounding),
/// end intervals extended outwards likewise, without the per-call slope estimates: the form
/// the line-relaxation tier evaluates once per cell and sweep.
class UniformCubic::Pieces {
public:
    double operator()(double x) const {
        const double u = (x - x0_) * inv_dx_;
        const double cell = std::clamp(std::floor(u), 0.0, last_);
        const double t = u - cell;
        const double* c = &coef_[4 * std::size_t(cell)];
        return ((c[3] * t + c[2]) * t + c[1]) * t + c[0];
    }

private:
    friend class UniformCubic;
    double x0_ = 0.0, inv_dx_ = 1.0, last_ = 0.0;
    std::vector<double> coef_;  // (intervals, 4)
};

}  // namespace kirchhoff::cosim
