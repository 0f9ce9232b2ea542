// Stanford-PKU RRAM: parameter table, validation, closed-form inverse, SPICE expressions.
#include "devices/stanford_rram.hpp"

#include <cmath>

// GCC 12 reports a false -Wrestrict on string concatenation (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "devices/rng.hpp"
#include "devices/spice_text.hpp"
#include "params/error.hpp"

namespace kirchhoff::devices {

using params::Range;
using P = StanfordRramParams;

namespace {
// Defaults and ranges: Jiang et al. 2014 (Stanford RRAM v1.0.0) unless marked Kirchhoff.
constexpr params::Field<P> fields_table[] = {
    {"g0_m", &P::g0_m, "m", Range{0.0, 2e-9, true, false}, "gap decay length of the read current"},
    {"v0_volt", &P::v0_volt, "V", Range{0.0, 10.0, true, false}, "voltage scale of the sinh I-V nonlinearity"},
    {"i0_ampere", &P::i0_ampere, "A", Range{0.0, 1e-2, true, false}, "current prefactor at zero gap"},
    {"vel0_m_per_s", &P::vel0_m_per_s, "m/s", Range{0.0, 20.0, true, false}, "gap velocity prefactor"},
    {"ea_ev", &P::ea_ev, "eV", Range{0.0, 1.0, true, false}, "activation energy of vacancy generation"},
    {"a0_m", &P::a0_m, "m", Range::positive(), "atomic hopping distance"},
    {"tox_m", &P::tox_m, "m", Range{0.0, 100e-9, true, false}, "oxide thickness"},
    {"gamma0", &P::gamma0, "1", Range::positive(), "field enhancement factor at zero gap"},
    {"beta", &P::beta, "1", Range::non_negative(), "decrease of the field enhancement with (gap / 1 nm)^3"},
    {"r_th_kelvin_per_watt", &P::r_th_kelvin_per_watt, "K/W", Range::non_negative(), "thermal resistance of the cell"},
    {"t0_kelvin", &P::t0_kelvin, "K", Range::positive(), "ambient temperature"},
    {"f_min_volt_per_m", &P::f_min_volt_per_m, "V/m", Range{0.0, 3e9, false, false}, "minimum field for gap change"},
    {"f_width_volt_per_m", &P::f_width_volt_per_m, "V/m", Range::positive(), "width of the smoothed F_min threshold (Kirchhoff)"},
    {"gap_min_m", &P::gap_min_m, "m", Range{0.0, 100e-10, true, false}, "smallest gap (low-resistance bound)"},
    {"gap_max_m", &P::gap_max_m, "m", Range{0.0, 100e-10, true, false}, "largest gap (high-resistance bound)"},
    {"gap_window_m", &P::gap_window_m, "m", Range::positive(), "width of the smooth gap bounds (Kirchhoff)"},
    {"gap_c2c_sigma_m", &P::gap_c2c_sigma_m, "m", Range::non_negative(), "cycle-to-cycle gap noise per pulse (Kirchhoff)"},
};
}  // namespace

std::span<const params::Field<P>> stanford_rram_fields() { return fields_table; }

void P::validate() const {
    params::validate_fields(*this, std::span(fields_table), StanfordRram::model_name);
    if (!(gap_min_m < gap_max_m))
        throw InputError(std::string(StanfordRram::model_name) + ": gap_min_m = " +
                         params::format_number(gap_min_m) + " m must be below gap_max_m = " +
                         params::format_number(gap_max_m) + " m");
    if (!(gap_window_m < 0.1 * (gap_max_m - gap_min_m)))
        throw InputError(std::string(StanfordRram::model_name) + ": gap_window_m = " +
                         params::format_number(gap_window_m) +
                         " m must be below a tenth of gap_max_m - gap_min_m");
}

double stanford_rram_gap_for_conductance(const P& p, double g_siemens, double v_read_volt) {
    // I/V = I0 exp(-g/g0) sinh(V/V0) / V  =>  g = -g0 ln(G V / (I0 sinh(V/V0)))
    return -p.g0_m * std::log(g_siemens * v_read_volt / (p.i0_ampere * std::sinh(v_read_volt / p.v0_volt)));
}

const std::vector<StateVariable>& StanfordRram::variables() {
    static const std::vector<StateVariable> v = {
        {"gap_m", "gap", "m", 1e-9, "filament tip to electrode gap"}};
    return v;
}

std::pair<State, State> StanfordRram::state_bounds() const {
    return {State::Constant(1, p_.gap_min_m), State::Constant(1, p_.gap_max_m)};
}

State StanfordRram::rest_state(double gap_m) const { return State::Constant(1, gap_m); }

Eigen::VectorXd StanfordRram::cycle_noise_sigma() const {
    return Eigen::VectorXd::Constant(1, p_.gap_c2c_sigma_m);
}

void StanfordRram::vary_device(Rng& rng, double sigma_rel) {
    p_.i0_ampere *= std::exp(sigma_rel * rng.normal());
    p_.vel0_m_per_s *= std::exp(sigma_rel * rng.normal());
}

std::string StanfordRram::spice_current(const std::string& v,
                                        const std::vector<std::string>& x) const {
    return spice_number(p_.i0_ampere) + "*exp(-(" + x[0] + ")/" + spice_number(p_.g0_m) +
           ")*sinh((" + v + ")/" + spice_number(p_.v0_volt) + ")";
}

std::vector<std::string> StanfordRram::spice_rates(const std::string& v,
                                                   const std::vector<std::string>& x) const {
    const std::string g = "(" + x[0] + ")";
    const std::string V = "(" + v + ")";
    const std::string temp = "(" + spice_number(p_.t0_kelvin) + "+" + V + "*(" +
                             spice_current(v, x) + ")*" + spice_number(p_.r_th_kelvin_per_watt) + ")";
    const std::string kt = "(" + spice_number(boltzmann_volt_per_kelvin) + "*" + temp + ")";
    const std::string gnm = "(" + g + "/1e-9)";
    const std::string gamma_raw =
        "(" + spice_number(p_.gamma0) + "-" + spice_number(p_.beta) + "*" + gnm + "*" + gnm + "*" + gnm + ")";
    const std::string field = "(" + gamma_raw + "*" + spice_smooth_abs(V, 1e-3) + "/" + spice_number(p_.tox_m) + ")";
    const std::string gamma = "(" + gamma_raw + "*" +
                              spice_sigmoid("(" + field + "-" + spice_number(p_.f_min_volt_per_m) + ")/" +
                                            spice_number(p_.f_width_volt_per_m)) + ")";
    const std::string drive = "(-" + spice_number(p_.vel0_m_per_s) + "*exp(-" + spice_number(p_.ea_ev) +
                              "/" + kt + ")*sinh(" + gamma + "*" + spice_number(p_.a0_m / p_.tox_m) +
                              "*" + V + "/" + kt + "))";
    const std::string toward_min = spice_sigmoid(V + "/0.01");
    const std::string toward_max = spice_sigmoid("-" + V + "/0.01");
    const std::string w = spice_number(p_.gap_window_m);
    const std::string window = "(" + toward_min + "*(1-exp(-(" + g + "-" + spice_number(p_.gap_min_m) +
                               ")/" + w + "))+" + toward_max + "*(1-exp(-(" +
                               spice_number(p_.gap_max_m) + "-" + g + ")/" + w + ")))";
    return {drive + "*" + window};
}

}  // namespace kirchhoff::devices
