// VTEAM: parameter table, validation, SPICE expressions.
#include "devices/vteam.hpp"

#include <cmath>

#include "devices/rng.hpp"
#include "devices/spice_text.hpp"
#include "params/error.hpp"

namespace kirchhoff::devices {

using params::Range;
using P = VteamParams;

namespace {
constexpr double inf = params::inf;
constexpr params::Field<P> fields_table[] = {
    {"r_on_ohm", &P::r_on_ohm, "ohm", Range::positive(), "resistance at w = w_on (low-resistance state)"},
    {"r_off_ohm", &P::r_off_ohm, "ohm", Range::positive(), "resistance at w = w_off (high-resistance state)"},
    {"w_on_m", &P::w_on_m, "m", Range::non_negative(), "state bound of the low-resistance state"},
    {"w_off_m", &P::w_off_m, "m", Range::positive(), "state bound of the high-resistance state"},
    {"k_on_m_per_s", &P::k_on_m_per_s, "m/s", Range{-inf, 0.0, true, true}, "state velocity prefactor below v_on"},
    {"k_off_m_per_s", &P::k_off_m_per_s, "m/s", Range::positive(), "state velocity prefactor above v_off"},
    {"alpha_on", &P::alpha_on, "1", Range{1.0, inf, false, true}, "exponent of the velocity below v_on"},
    {"alpha_off", &P::alpha_off, "1", Range{1.0, inf, false, true}, "exponent of the velocity above v_off"},
    {"v_on_volt", &P::v_on_volt, "V", Range{-inf, 0.0, true, true}, "SET threshold voltage (negative)"},
    {"v_off_volt", &P::v_off_volt, "V", Range::positive(), "RESET threshold voltage (positive)"},
    {"window_p", &P::window_p, "1", Range{1.0, 50.0, false, false}, "Biolek window exponent p (window 1 - x^(2p))"},
    {"threshold_smoothing", &P::threshold_smoothing, "1", Range{1e-4, 0.2, false, false}, "softplus width of the thresholds, in units of V/v_th - 1 (Kirchhoff)"},
    {"w_c2c_sigma_m", &P::w_c2c_sigma_m, "m", Range::non_negative(), "cycle-to-cycle state noise per pulse (Kirchhoff)"},
};
}  // namespace

std::span<const params::Field<P>> vteam_fields() { return fields_table; }

void P::validate() const {
    params::validate_fields(*this, std::span(fields_table), Vteam::model_name);
    const std::string m(Vteam::model_name);
    if (!(r_on_ohm < r_off_ohm))
        throw InputError(m + ": r_on_ohm = " + params::format_number(r_on_ohm) +
                         " ohm must be below r_off_ohm = " + params::format_number(r_off_ohm) + " ohm");
    if (!(w_on_m < w_off_m))
        throw InputError(m + ": w_on_m = " + params::format_number(w_on_m) +
                         " m must be below w_off_m = " + params::format_number(w_off_m) + " m");
}

const std::vector<StateVariable>& Vteam::variables() {
    static const std::vector<StateVariable> v = {
        {"w_m", "w", "m", 1e-9, "state variable (doped-region width)"}};
    return v;
}

std::pair<State, State> Vteam::state_bounds() const {
    return {State::Constant(1, p_.w_on_m), State::Constant(1, p_.w_off_m)};
}

State Vteam::rest_state(double w_m) const { return State::Constant(1, w_m); }

Eigen::VectorXd Vteam::cycle_noise_sigma() const {
    return Eigen::VectorXd::Constant(1, p_.w_c2c_sigma_m);
}

void Vteam::vary_device(Rng& rng, double sigma_rel) {
    p_.r_on_ohm *= std::exp(sigma_rel * rng.normal());
    p_.r_off_ohm *= std::exp(sigma_rel * rng.normal());
    p_.k_on_m_per_s *= std::exp(sigma_rel * rng.normal());
    p_.k_off_m_per_s *= std::exp(sigma_rel * rng.normal());
}

namespace {
std::string x_text(const P& p, const std::string& w) {
    return "((" + w + "-" + spice_number(p.w_on_m) + ")/" + spice_number(p.w_off_m - p.w_on_m) + ")";
}
}  // namespace

std::string Vteam::spice_current(const std::string& v, const std::vector<std::string>& x) const {
    const double lambda = std::log(p_.r_off_ohm / p_.r_on_ohm);
    return "(" + v + ")/" + spice_number(p_.r_on_ohm) + "*exp(-" + spice_number(lambda) + "*" +
           x_text(p_, x[0]) + ")";
}

std::vector<std::string> Vteam::spice_rates(const std::string& v,
                                            const std::vector<std::string>& x) const {
    // pow(a, b) with a = x^2 >= 0: ngspice's pow takes |a|, which is a itself here.
    const std::string xs = x_text(p_, x[0]);
    const std::string p2 = spice_number(p_.window_p);
    const std::string f_off = "(1-pow(" + xs + "*" + xs + "," + p2 + "))";
    const std::string f_on = "(1-pow((" + xs + "-1)*(" + xs + "-1)," + p2 + "))";
    const std::string d_off = spice_softplus("(" + v + ")/" + spice_number(p_.v_off_volt) + "-1", p_.threshold_smoothing);
    const std::string d_on = spice_softplus("(" + v + ")/" + spice_number(p_.v_on_volt) + "-1", p_.threshold_smoothing);
    return {spice_number(p_.k_off_m_per_s) + "*pow(" + d_off + "," + spice_number(p_.alpha_off) + ")*" + f_off +
            "+" + spice_number(p_.k_on_m_per_s) + "*pow(" + d_on + "," + spice_number(p_.alpha_on) + ")*" + f_on};
}

}  // namespace kirchhoff::devices
