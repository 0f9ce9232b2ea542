// Cubic interpolation on a uniform grid: Hermite with second-order finite-difference slopes
// (Catmull-Rom inside, one-sided at the ends): C1, exact at the nodes and for quadratics,
// error O(h^3). The one interpolant behind device tables and cell features.
#pragma once

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
    double x_min() const { return x0_; }
    double x_max() const { return x0_ + dx_ * double(y_.size() - 1); }

private:
    // Interval index i and local coordinate t in [0, 1] of x.
    void locate(double x, std::size_t& i, double& t) const;
    double slope(std::size_t i) const;  // finite-difference slope estimate at node i (per unit t)

    double x0_ = 0.0, dx_ = 1.0;
    std::vector<double> y_;
};

}  // namespace kirchhoff::cosim
