// PCM electrical model: crystalline fraction, thermal RC, hysteretic threshold switching and
// Poole-Frenkel amorphous conduction, for programming and read nonlinearity.
//
// Structure after D. Ventrice et al., "A phase change memory compact model for multilevel
// applications", IEEE Electron Device Letters 28(11), 973-975, 2007 (crystalline fraction
// driven by a thermal model, amorphous cap conduction, threshold switching); amorphous
// conduction after D. Ielmini, Y. Zhang, "Analytical model for subthreshold conduction and
// threshold switching in chalcogenide-based memory devices", J. Appl. Phys. 102, 054517,
// 2007 (Poole-Frenkel trap-limited transport, I ~ exp(-Ea/kT) sinh(V / V_pf), V_pf ~ kT);
// threshold and holding voltages after A. Pirovano et al., "Electronic switching in
// phase-change memories", IEEE TED 51(3), 452-459, 2004. Ge2Sb2Te5 melting point 888 K.
// The defaults are representative of a Ge2Sb2Te5 mushroom cell in those papers, not a fit.
//
// State x = (c, dT, s): crystalline fraction c in [0, 1], temperature rise dT = T - T0 (K)
// above ambient (0 at rest, which is also a SPICE solver's initial guess for the node),
// threshold-switching (ON) fraction s in [0, 1].
//   I      = V [ c G_c + (1 - c)(1 - s) G_a(T) sinh(V/V_pf(T)) / (V/V_pf(T)) + (1 - c) s G_on ]
//   G_a(T) = G_A G_on / (G_A + G_on),  G_A = G_a0 exp(-(Ea_a / k)(1/T - 1/T0))  (Ielmini 2007;
//            the series G_on term, Kirchhoff, caps hot/molten conduction at the ON level)
//   V_pf(T) = V_pf0 T / T0
//   C_th dT/dt = V I - (T - T0) / R_th                                         (thermal RC)
//   ds/dt  = (sigmoid((|V| - V_sw(s)) / dV) - s) / tau_ts,  V_sw(s) = V_th - s (V_th - V_h)
//            (hysteresis without an `if`: OFF switches on above V_th, ON stays on down to V_h)
//   dc/dt  = (1 - c) k_x(T) - c k_m(T)
//   k_x(T) = sigmoid((T_m - T)/dT) / (tau_x_min + tau_x exp((Ea_x/k)(1/T - 1/T_x)))
//            (Arrhenius crystallization capped at 1/tau_x_min, stopped above melting)
//   k_m(T) = sigmoid((T - T_m)/dT) / tau_m      (melting amorphizes; quench keeps it)
// Both rates are first order in c and 1 - c, so c stays in [0, 1] without clamps.
#pragma once

#include <array>
#include <cmath>
#include <span>

#include "devices/model_device.hpp"
#include "devices/smooth.hpp"
#include "params/fields.hpp"

namespace kirchhoff::devices {

struct PcmElectricalParams {
    double g_cryst_siemens = 1e-4;           // crystalline (SET) conductance
    double g_amorph_siemens = 1e-7;          // amorphous low-field conductance at T0
    double ea_amorph_ev = 0.3;               // Ielmini 2007: conduction activation energy
    double v_pf_volt = 0.3;                  // Ielmini 2007: sinh voltage scale at T0
    double g_on_siemens = 1e-4;              // ON-state (threshold-switched) conductance
    double v_th_volt = 1.0;                  // Pirovano 2004: threshold voltage
    double v_hold_volt = 0.5;                // Pirovano 2004: holding voltage
    double v_ts_width_volt = 0.02;           // Kirchhoff: smoothing of the switching
    double tau_ts_s = 1e-9;                  // threshold-switching time constant
    double r_th_kelvin_per_watt = 2e6;       // thermal resistance
    double c_th_joule_per_kelvin = 2.5e-16;  // thermal capacitance (R_th C_th = 0.5 ns)
    double t0_kelvin = 300.0;                // ambient temperature
    double t_melt_kelvin = 888.0;            // Ge2Sb2Te5 melting point
    double t_width_kelvin = 10.0;            // Kirchhoff: smoothing of the melting edge
    double tau_melt_s = 1e-9;                // amorphization time above melting
    double ea_cryst_ev = 2.5;                // crystallization activation energy
    double t_cryst_ref_kelvin = 550.0;       // reference temperature of tau_cryst_ref_s
    double tau_cryst_ref_s = 1e-6;           // crystallization time at t_cryst_ref_kelvin
    double tau_cryst_min_s = 50e-9;          // fastest crystallization (growth-limited)
    double c_c2c_sigma = 0.0;                // Kirchhoff: per-pulse noise of c (0: off)

    /// Throws InputError for a parameter outside its range, v_hold >= v_th or
    /// t_cryst_ref >= t_melt.
    void validate() const;
};

std::span<const params::Field<PcmElectricalParams>> pcm_electrical_fields();

/// Current (A) at voltage v (V), crystalline fraction c, temperature rise dt (K), ON fraction s.
template <class S>
S pcm_current(const PcmElectricalParams& p, const S& v, const S& c, const S& dt, const S& s) {
    using std::exp;
    const S t = p.t0_kelvin + dt;
    using std::sinh;
    const double k = boltzmann_volt_per_kelvin;
    const S g_arrhenius =
        p.g_amorph_siemens * exp(-(p.ea_amorph_ev / k) * (1.0 / t - 1.0 / p.t0_kelvin));
    const S g_a = g_arrhenius * p.g_on_siemens / (g_arrhenius + p.g_on_siemens);
    const S v_pf = p.v_pf_volt * t / p.t0_kelvin;
    const S i_pf = g_a * v_pf * sinh(v / v_pf);  // = V G_a sinh(V/V_pf)/(V/V_pf), no 0/0
    return c * p.g_cryst_siemens * v + (1.0 - c) * ((1.0 - s) * i_pf + s * p.g_on_siemens * v);
}

/// dc/dt, d(dT)/dt, ds/dt at voltage v (V) in state (c, dt, s).
template <class S>
std::array<S, 3> pcm_rates(const PcmElectricalParams& p, const S& v, const S& c, const S& dt,
                           const S& s) {
    using std::exp;
    const double k = boltzmann_volt_per_kelvin;
    const S t = p.t0_kelvin + dt;
    const S power = v * pcm_current(p, v, c, dt, s);
    const S dt_dt = (power - dt / p.r_th_kelvin_per_watt) / p.c_th_joule_per_kelvin;
    const S v_switch = p.v_th_volt - s * (p.v_th_volt - p.v_hold_volt);
    const S s_target = sigmoid((smooth_abs(v, p.v_ts_width_volt) - v_switch) / p.v_ts_width_volt);
    const S ds_dt = (s_target - s) / p.tau_ts_s;
    const S below_melt = sigmoid((p.t_melt_kelvin - t) / p.t_width_kelvin);
    const S k_cryst = below_melt / (p.tau_cryst_min_s +
                                    p.tau_cryst_ref_s * exp((p.ea_cryst_ev / k) *
                                                            (1.0 / t - 1.0 / p.t_cryst_ref_kelvin)));
    const S k_melt = sigmoid((t - p.t_melt_kelvin) / p.t_width_kelvin) / p.tau_melt_s;
    const S dc_dt = (1.0 - c) * k_cryst - c * k_melt;
    return {dc_dt, dt_dt, ds_dt};
}

class PcmElectrical final : public ModelDevice<PcmElectrical, PcmElectricalParams, 3> {
public:
    static constexpr std::string_view model_name = "pcm_electrical";
    using ModelDevice::ModelDevice;

    static std::span<const params::Field<PcmElectricalParams>> fields() {
        return pcm_electrical_fields();
    }
    static const std::vector<StateVariable>& variables();

    template <class S>
    S current(const S& v, const std::array<S, 3>& x) const {
        return pcm_current(p_, v, x[0], x[1], x[2]);
    }
    template <class S>
    std::array<S, 3> rate(const S& v, const std::array<S, 3>& x) const {
        return pcm_rates(p_, v, x[0], x[1], x[2]);
    }

    std::pair<State, State> state_bounds() const override;
    /// (c, 0, 0): crystalline fraction c, at ambient temperature, OFF.
    State rest_state(double c) const override;
    Eigen::VectorXd cycle_noise_sigma() const override;
    /// Varies g_cryst_siemens, g_amorph_siemens (read window) and tau_cryst_ref_s (speed).
    void vary_device(Rng& rng, double sigma_rel) override;
    std::string spice_current(const std::string& v,
                              const std::vector<std::string>& x) const override;
    std::vector<std::string> spice_rates(const std::string& v,
                                         const std::vector<std::string>& x) const override;
};

}  // namespace kirchhoff::devices
