// Forward-mode dual numbers: a value and its gradient with respect to N seeded inputs.
//
// The device physics is written once, templated on the scalar. Evaluated on double it is the
// model; evaluated on Dual<N> it also yields exact first derivatives (current, dI/dV, the
// state-rate Jacobian) for Newton solvers and for the Rosenbrock integrator. Only the
// functions the models use are provided. Not here: second derivatives, reverse mode.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>

namespace kirchhoff::devices {

template <std::size_t N>
struct Dual {
    double value = 0.0;
    std::array<double, N> grad{};  // d value / d input_k

    Dual() = default;
    Dual(double v) : value(v) {}  // a constant: zero gradient  // NOLINT(implicit)

    /// Input number k (0-based) of N, with unit derivative.
    static Dual input(double v, std::size_t k) {
        Dual d(v);
        d.grad[k] = 1.0;
        return d;
    }

    Dual& operator+=(const Dual& o) {
        value += o.value;
        for (std::size_t k = 0; k < N; ++k) grad[k] += o.grad[k];
        return *this;
    }
    Dual& operator-=(const Dual& o) {
        value -= o.value;
        for (std::size_t k = 0; k < N; ++k) grad[k] -= o.grad[k];
        return *this;
    }
    Dual& operator*=(const Dual& o) {
        for (std::size_t k = 0; k < N; ++k) grad[k] = grad[k] * o.value + value * o.grad[k];
        value *= o.value;
        return *this;
    }
    Dual& operator/=(const Dual& o) {
        const double inv = 1.0 / o.value;
        for (std::size_t k = 0; k < N; ++k) grad[k] = (grad[k] - value * inv * o.grad[k]) * inv;
        value *= inv;
        return *this;
    }
};

// Chain rule for a scalar function f with derivative df at a.value.
template <std::size_t N>
Dual<N> chain(const Dual<N>& a, double f, double df) {
    Dual<N> r(f);
    for (std::size_t k = 0; k < N; ++k) r.grad[k] = df * a.grad[k];
    return r;
}

template <std::size_t N> Dual<N> operator+(Dual<N> a, const Dual<N>& b) { return a += b; }
template <std::size_t N> Dual<N> operator-(Dual<N> a, const Dual<N>& b) { return a -= b; }
template <std::size_t N> Dual<N> operator*(Dual<N> a, const Dual<N>& b) { return a *= b; }
template <std::size_t N> Dual<N> operator/(Dual<N> a, const Dual<N>& b) { return a /= b; }
template <std::size_t N> Dual<N> operator+(Dual<N> a, double b) { return a += Dual<N>(b); }
template <std::size_t N> Dual<N> operator-(Dual<N> a, double b) { return a -= Dual<N>(b); }
template <std::size_t N> Dual<N> operator*(Dual<N> a, double b) { return a *= Dual<N>(b); }
template <std::size_t N> Dual<N> operator/(Dual<N> a, double b) { return a /= Dual<N>(b); }
template <std::size_t N> Dual<N> operator+(double a, const Dual<N>& b) { return Dual<N>(a) += b; }
template <std::size_t N> Dual<N> operator-(double a, const Dual<N>& b) { return Dual<N>(a) -= b; }
template <std::size_t N> Dual<N> operator*(double a, const Dual<N>& b) { return Dual<N>(a) *= b; }
template <std::size_t N> Dual<N> operator/(double a, const Dual<N>& b) { return Dual<N>(a) /= b; }
template <std::size_t N> Dual<N> operator-(const Dual<N>& a) { return chain(a, -a.value, -1.0); }

template <std::size_t N> bool operator<(const Dual<N>& a, double b) { return a.value < b; }
template <std::size_t N> bool operator>(const Dual<N>& a, double b) { return a.value > b; }

template <std::size_t N> Dual<N> exp(const Dual<N>& a) {
    const double e = std::exp(a.value);
    return chain(a, e, e);
}
template <std::size_t N> Dual<N> log(const Dual<N>& a) {
    return chain(a, std::log(a.value), 1.0 / a.value);
}
template <std::size_t N> Dual<N> log1p(const Dual<N>& a) {
    return chain(a, std::log1p(a.value), 1.0 / (1.0 + a.value));
}
template <std::size_t N> Dual<N> sqrt(const Dual<N>& a) {
    const double s = std::sqrt(a.value);
    return chain(a, s, 0.5 / s);
}
template <std::size_t N> Dual<N> sinh(const Dual<N>& a) {
    return chain(a, std::sinh(a.value), std::cosh(a.value));
}
template <std::size_t N> Dual<N> cosh(const Dual<N>& a) {
    return chain(a, std::cosh(a.value), std::sinh(a.value));
}
template <std::size_t N> Dual<N> tanh(const Dual<N>& a) {
    const double t = std::tanh(a.value);
    return chain(a, t, 1.0 - t * t);
}
/// a^p for a > 0 (or any a when p is an integer).
template <std::size_t N> Dual<N> pow(const Dual<N>& a, double p) {
    const double f = std::pow(a.value, p);
    return chain(a, f, p * std::pow(a.value, p - 1.0));
}

/// The plain value of a double or a Dual.
inline double value_of(double x) { return x; }
template <std::size_t N> double value_of(const Dual<N>& x) { return x.value; }

}  // namespace kirchhoff::devices
