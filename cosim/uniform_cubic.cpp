// Cubic Hermite interpolation with finite-difference slopes (Catmull-Rom) on a uniform grid.
#include "cosim/uniform_cubic.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kirchhoff::cosim {

UniformCubic::UniformCubic(double x0, double dx, std::span<const double> y) : x0_(x0), dx_(dx), y_(y.begin(), y.end()) {
    if (y_.size() < 2 || !(dx > 0)) throw std::invalid_argument("UniformCubic needs >= 2 samples and dx > 0");
}

void UniformCubic::locate(double x, std::size_t& i, double& t) const {
    double u = (x - x0_) / dx_;
    // A node computed as x0 + i dx elsewhere may land a rounding error off it: snap, so that
    // the interpolant is exact at its nodes.
    if (const double nearest = std::round(u); std::abs(u - nearest) < 1e-9) u = nearest;
    const double last = double(y_.size() - 2);
    const double cell = std::clamp(std::floor(u), 0.0, last);  // end intervals extend outwards
    i = std::size_t(cell);
    t = u - cell;
}

double UniformCubic::slope(std::size_t i) const {
    const std::size_t n = y_.size();
    if (n == 2) return y_[1] - y_[0];
    // Second-order differences everywhere, one-sided at the ends, so the ends are as
    // accurate as the interior.
    if (i == 0) return 0.5 * (-3 * y_[0] + 4 * y_[1] - y_[2]);
    if (i + 1 == n) return 0.5 * (3 * y_[n - 1] - 4 * y_[n - 2] + y_[n - 3]);
    return 0.5 * (y_[i + 1] - y_[i - 1]);
}

double UniformCubic::operator()(double x) const {
    std::size_t i;
    double t;
    locate(x, i, t);
    const double p0 = y_[i], p1 = y_[i + 1], m0 = slope(i), m1 = slope(i + 1);
    const double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * p0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * p1 + (t3 - t2) * m1;
}

double UniformCubic::derivative(double x) const {
    std::size_t i;
    double t;
    locate(x, i, t);
    const double p0 = y_[i], p1 = y_[i + 1], m0 = slope(i), m1 = slope(i + 1);
    const double t2 = t * t;
    return ((6 * t2 - 6 * t) * p0 + (3 * t2 - 4 * t + 1) * m0 + (-6 * t2 + 6 * t) * p1 + (3 * t2 - 2 * t) * m1) / dx_;
}

UniformCubic::Pieces UniformCubic::pieces() const {
    Pieces p;
    p.x0_ = x0_;
    p.inv_dx_ = 1.0 / dx_;
    p.last_ = double(y_.size() - 2);
    p.coef_.reserve(4 * (y_.size() - 1));
    for (std::size_t i = 0; i + 1 < y_.size(); ++i) {
        // Hermite basis of operator() expanded in powers of t.
        const double p0 = y_[i], p1 = y_[i + 1], m0 = slope(i), m1 = slope(i + 1);
        p.coef_.insert(p.coef_.end(), {p0, m0, -3 * p0 - 2 * m0 + 3 * p1 - m1, 2 * p0 + m0 - 2 * p1 + m1});
    }
    return p;
}

}  // namespace kirchhoff::cosim
