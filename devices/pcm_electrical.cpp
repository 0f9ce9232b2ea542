// PCM electrical model: parameter table, validation, SPICE expressions.
#include "devices/pcm_electrical.hpp"

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
using P = PcmElectricalParams;

namespace {
constexpr params::Field<P> fields_table[] = {
    {"g_cryst_siemens", &P::g_cryst_siemens, "S", Range::positive(), "conductance of the fully crystalline cell"},
    {"g_amorph_siemens", &P::g_amorph_siemens, "S", Range::positive(), "low-field amorphous conductance at t0_kelvin"},
    {"ea_amorph_ev", &P::ea_amorph_ev, "eV", Range::non_negative(), "activation energy of amorphous conduction"},
    {"v_pf_volt", &P::v_pf_volt, "V", Range::positive(), "Poole-Frenkel sinh voltage scale at t0_kelvin"},
    {"g_on_siemens", &P::g_on_siemens, "S", Range::positive(), "conductance of the threshold-switched amorphous cap"},
    {"v_th_volt", &P::v_th_volt, "V", Range::positive(), "threshold-switching voltage"},
    {"v_hold_volt", &P::v_hold_volt, "V", Range::positive(), "holding voltage of the ON state"},
    {"v_ts_width_volt", &P::v_ts_width_volt, "V", Range::positive(), "voltage width of the smoothed switching (Kirchhoff)"},
    {"tau_ts_s", &P::tau_ts_s, "s", Range::positive(), "threshold-switching time constant"},
    {"r_th_kelvin_per_watt", &P::r_th_kelvin_per_watt, "K/W", Range::positive(), "thermal resistance to ambient"},
    {"c_th_joule_per_kelvin", &P::c_th_joule_per_kelvin, "J/K", Range::positive(), "thermal capacitance of the active region"},
    {"t0_kelvin", &P::t0_kelvin, "K", Range::positive(), "ambient temperature"},
    {"t_melt_kelvin", &P::t_melt_kelvin, "K", Range::positive(), "melting temperature"},
    {"t_width_kelvin", &P::t_width_kelvin, "K", Range::positive(), "temperature width of the smoothed melting edge (Kirchhoff)"},
    {"tau_melt_s", &P::tau_melt_s, "s", Range::positive(), "amorphization time constant above melting"},
    {"ea_cryst_ev", &P::ea_cryst_ev, "eV", Range::non_negative(), "activation energy of crystallization"},
    {"t_cryst_ref_kelvin", &P::t_cryst_ref_kelvin, "K", Range::positive(), "temperature at which crystallization takes tau_cryst_ref_s"},
    {"tau_cryst_ref_s", &P::tau_cryst_ref_s, "s", Range::positive(), "Arrhenius crystallization time at t_cryst_ref_kelvin"},
    {"tau_cryst_min_s", &P::tau_cryst_min_s, "s", Range::positive(), "shortest crystallization time (growth-limited cap)"},
    {"c_c2c_sigma", &P::c_c2c_sigma, "1", Range::closed(0.0, 0.5), "cycle-to-cycle noise of the crystalline fraction per pulse (Kirchhoff)"},
};
}  // namespace

std::span<const params::Field<P>> pcm_electrical_fields() { return fields_table; }

void P::validate() const {
    params::validate_fields(*this, std::span(fields_table), PcmElectrical::model_name);
    const std::string m(PcmElectrical::model_name);
    if (!(v_hold_volt < v_th_volt))
        throw InputError(m + ": v_hold_volt = " + params::format_number(v_hold_volt) +
                         " V must be below v_th_volt = " + params::format_number(v_th_volt) + " V");
    if (!(t0_kelvin < t_cryst_ref_kelvin && t_cryst_ref_kelvin < t_melt_kelvin))
        throw InputError(m + ": need t0_kelvin < t_cryst_ref_kelvin < t_melt_kelvin (got " +
                         params::format_number(t0_kelvin) + ", " +
                         params::format_number(t_cryst_ref_kelvin) + ", " +
                         params::format_number(t_melt_kelvin) + " K)");
}

const std::vector<StateVariable>& PcmElectrical::variables() {
    static const std::vector<StateVariable> v = {
        {"c_cryst", "cryst", "1", 1.0, "crystalline fraction"},
        {"dt_kelvin", "temp", "K", 1000.0, "temperature rise of the active region above t0_kelvin"},
        {"s_on", "ts", "1", 1.0, "threshold-switching (ON) fraction"},
    };
    return v;
}

std::pair<State, State> PcmElectrical::state_bounds() const {
    State lo(3), hi(3);
    lo << 0.0, 0.0, 0.0;
    hi << 1.0, params::inf, 1.0;
    return {lo, hi};
}

State PcmElectrical::rest_state(double c) const {
    State x(3);
    x << c, 0.0, 0.0;
    return x;
}

Eigen::VectorXd PcmElectrical::cycle_noise_sigma() const {
    Eigen::VectorXd s = Eigen::VectorXd::Zero(3);
    s[0] = p_.c_c2c_sigma;
    return s;
}

void PcmElectrical::vary_device(Rng& rng, double sigma_rel) {
    p_.g_cryst_siemens *= std::exp(sigma_rel * rng.normal());
    p_.g_amorph_siemens *= std::exp(sigma_rel * rng.normal());
    p_.tau_cryst_ref_s *= std::exp(sigma_rel * rng.normal());
}

std::string PcmElectrical::spice_current(const std::string& v,
                                         const std::vector<std::string>& x) const {
    const std::string V = "(" + v + ")", c = "(" + x[0] + ")", s = "(" + x[2] + ")";
    const std::string t = "(" + spice_number(p_.t0_kelvin) + "+" + x[1] + ")";
    const std::string g_arr = "(" + spice_number(p_.g_amorph_siemens) + "*exp(-" +
                              spice_number(p_.ea_amorph_ev / boltzmann_volt_per_kelvin) + "*(1/" + t +
                              "-" + spice_number(1.0 / p_.t0_kelvin) + ")))";
    const std::string g_on = spice_number(p_.g_on_siemens);
    const std::string g_a = "(" + g_arr + "*" + g_on + "/(" + g_arr + "+" + g_on + "))";
    const std::string v_pf = "(" + spice_number(p_.v_pf_volt / p_.t0_kelvin) + "*" + t + ")";
    const std::string i_pf = "(" + g_a + "*" + v_pf + "*sinh(" + V + "/" + v_pf + "))";
    return c + "*" + spice_number(p_.g_cryst_siemens) + "*" + V + "+(1-" + c + ")*((1-" + s + ")*" +
           i_pf + "+" + s + "*" + spice_number(p_.g_on_siemens) + "*" + V + ")";
}

std::vector<std::string> PcmElectrical::spice_rates(const std::string& v,
                                                    const std::vector<std::string>& x) const {
    const std::string V = "(" + v + ")", c = "(" + x[0] + ")", s = "(" + x[2] + ")";
    const std::string t = "(" + spice_number(p_.t0_kelvin) + "+" + x[1] + ")";
    const std::string power = "(" + V + "*(" + spice_current(v, x) + "))";
    const std::string dt = "((" + power + "-(" + x[1] + ")/" +
                           spice_number(p_.r_th_kelvin_per_watt) + ")/" +
                           spice_number(p_.c_th_joule_per_kelvin) + ")";
    const std::string v_switch = "(" + spice_number(p_.v_th_volt) + "-" + s + "*" +
                                 spice_number(p_.v_th_volt - p_.v_hold_volt) + ")";
    const std::string s_target = spice_sigmoid("(" + spice_smooth_abs(V, p_.v_ts_width_volt) + "-" +
                                               v_switch + ")/" + spice_number(p_.v_ts_width_volt));
    const std::string ds = "((" + s_target + "-" + s + ")/" + spice_number(p_.tau_ts_s) + ")";
    const std::string below = spice_sigmoid("(" + spice_number(p_.t_melt_kelvin) + "-" + t + ")/" +
                                            spice_number(p_.t_width_kelvin));
    const std::string k_cryst = "(" + below + "/(" + spice_number(p_.tau_cryst_min_s) + "+" +
                                spice_number(p_.tau_cryst_ref_s) + "*exp(" +
                                spice_number(p_.ea_cryst_ev / boltzmann_volt_per_kelvin) + "*(1/" + t +
                                "-" + spice_number(1.0 / p_.t_cryst_ref_kelvin) + "))))";
    const std::string above = spice_sigmoid("(" + t + "-" + spice_number(p_.t_melt_kelvin) + ")/" +
                                            spice_number(p_.t_width_kelvin));
    const std::string k_melt = "(" + above + "/" + spice_number(p_.tau_melt_s) + ")";
    const std::string dc = "((1-" + c + ")*" + k_cryst + "-" + c + "*" + k_melt + ")";
    return {dc, dt, ds};
}

}  // namespace kirchhoff::devices
