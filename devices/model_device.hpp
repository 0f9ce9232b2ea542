// ModelDevice: implements the Device interface for one model from its parameter struct, its
// Field table and its templated physics, so each model writes its equations exactly once.
//
// Derived must provide
//   static constexpr std::string_view model_name;
//   static std::span<const params::Field<P>> fields();
//   static const std::vector<StateVariable>& variables();
//   template <class S> S current(const S& v, const std::array<S, N>& x) const;
//   template <class S> std::array<S, N> rate(const S& v, const std::array<S, N>& x) const;
// and the remaining Device members that are model-specific (rest_state, noise, SPICE text).
// Derivatives come from evaluating the same templates on Dual<N + 1> (inputs: v, x[0..N)).
#pragma once

#include <array>
#include <span>
#include <string>

#include "devices/device.hpp"
#include "devices/dual.hpp"
#include "params/error.hpp"
#include "params/fields.hpp"

namespace kirchhoff::devices {

template <class Derived, class P, std::size_t N>
class ModelDevice : public Device {
public:
    using Params = P;
    static constexpr std::size_t n_state = N;

    explicit ModelDevice(P p = {}) : p_(std::move(p)) {}

    const P& params() const { return p_; }
    P& params() { return p_; }

    std::unique_ptr<Device> clone() const override {
        return std::make_unique<Derived>(static_cast<const Derived&>(*this));
    }
    std::string_view model() const override { return Derived::model_name; }
    const std::vector<StateVariable>& state_variables() const override {
        return Derived::variables();
    }
    void validate() const override { p_.validate(); }

    std::vector<ParameterView> parameters() const override {
        std::vector<ParameterView> out;
        for (const auto& f : Derived::fields())
            out.push_back({f.name, f.unit, f.range, f.meaning, p_.*(f.member)});
        return out;
    }
    void set_parameter(std::string_view name, double value) override {
        for (const auto& f : Derived::fields()) {
            if (name == f.name) {
                p_.*(f.member) = value;
                return;
            }
        }
        std::string known;
        for (const auto& f : Derived::fields()) known += std::string(known.empty() ? "" : ", ") + f.name;
        throw InputError(std::string(Derived::model_name) + ": unknown parameter '" +
                         std::string(name) + "' (parameters: " + known + ")");
    }

    double current_ampere(double v, const State& x) const override {
        return self().current(v, to_array<double>(x));
    }
    double di_dv_siemens(double v, const State& x) const override {
        return self().current(D::input(v, 0), seeded(x)).grad[0];
    }
    std::pair<double, double> current_and_di_dv(double v, const State& x) const override {
        const D i = self().current(D::input(v, 0), seeded(x));
        return {i.value, i.grad[0]};
    }
    Eigen::VectorXd di_dx(double v, const State& x) const override {
        const D i = self().current(D(v), seeded(x));
        Eigen::VectorXd out(N);
        for (std::size_t k = 0; k < N; ++k) out[k] = i.grad[k + 1];
        return out;
    }
    State rate(double v, const State& x) const override {
        const auto r = self().rate(v, to_array<double>(x));
        State out(N);
        for (std::size_t k = 0; k < N; ++k) out[k] = r[k];
        return out;
    }
    void rate_jacobian(double v, const State& x, Eigen::MatrixXd& dfdx,
                       Eigen::VectorXd& dfdv) const override {
        const auto r = self().rate(D::input(v, 0), seeded(x));
        dfdx.resize(N, N);
        dfdv.resize(N);
        for (std::size_t i = 0; i < N; ++i) {
            dfdv[i] = r[i].grad[0];
            for (std::size_t j = 0; j < N; ++j) dfdx(i, j) = r[i].grad[j + 1];
        }
    }

protected:
    using D = Dual<N + 1>;
    const Derived& self() const { return static_cast<const Derived&>(*this); }

    template <class S>
    static std::array<S, N> to_array(const State& x) {
        std::array<S, N> a{};
        for (std::size_t k = 0; k < N; ++k) a[k] = S(x[k]);
        return a;
    }
    static std::array<D, N> seeded(const State& x) {
        std::array<D, N> a{};
        for (std::size_t k = 0; k < N; ++k) a[k] = D::input(x[k], k + 1);
        return a;
    }

    P p_;
};

}  // namespace kirchhoff::devices
