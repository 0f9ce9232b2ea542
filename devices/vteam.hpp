// VTEAM: the voltage-threshold adaptive memristor model, for programming studies.
//
// S. Kvatinsky, M. Ramadan, E. G. Friedman, A. Kolodny, "VTEAM: A General Model for
// Voltage-Controlled Memristors", IEEE Trans. Circuits and Systems II 62(8), 786-790, 2015.
//
//   dw/dt = k_off (V/v_off - 1)^alpha_off f_off(w)   for V > v_off > 0      (VTEAM Eq. 1)
//         = 0                                        for v_on < V < v_off
//         = k_on  (V/v_on - 1)^alpha_on  f_on(w)     for V < v_on < 0
//   I     = V / R(w),  R(w) = R_on exp(lambda x),  lambda = ln(R_off / R_on),
//           x = (w - w_on) / (w_off - w_on)                                  (VTEAM Eq. 4)
// Windows (Biolek-style: Z. Biolek, D. Biolek, V. Biolkova, Radioengineering 18(2), 2009):
//   f_off = 1 - x^(2p) vanishes at w_off, the bound V > v_off drives towards;
//   f_on  = 1 - (x - 1)^(2p) vanishes at w_on. Each window is 1 at the opposite bound, so the
//   state never sticks at a bound (Joglekar's window does).
// Smoothing (Kirchhoff): the threshold cut-offs (.)^alpha for (.) > 0 become
// softplus((.), threshold_smoothing)^alpha, so the rate is infinitely differentiable and
// ~exp(-1/threshold_smoothing) below threshold (about 1e-22 of full speed at the default).
// State: x[0] = w (m). Positive V above v_off drives w to w_off (RESET, R_off); negative V
// below v_on drives it to w_on (SET, R_on).
#pragma once

#include <array>
#include <cmath>
#include <span>

#include "devices/model_device.hpp"
#include "devices/smooth.hpp"
#include "params/fields.hpp"

namespace kirchhoff::devices {

struct VteamParams {
    // Defaults: the VTEAM reference parameter set distributed with Kvatinsky's memristor model
    // library (as used in MemTorch, Lammie et al. 2020).
    double r_on_ohm = 50.0;
    double r_off_ohm = 1000.0;
    double w_on_m = 0.0;
    double w_off_m = 3e-9;
    double k_on_m_per_s = -10.0;
    double k_off_m_per_s = 5e-4;
    double alpha_on = 3.0;
    double alpha_off = 1.0;
    double v_on_volt = -0.2;
    double v_off_volt = 0.02;
    double window_p = 2.0;              // Biolek exponent p (window ~ x^(2p))
    double threshold_smoothing = 0.02;  // Kirchhoff: softplus width in units of (V/v - 1)
    double w_c2c_sigma_m = 0.0;         // Kirchhoff: per-pulse state noise (0: off)

    /// Throws InputError for a parameter outside its range, r_on_ohm >= r_off_ohm or
    /// w_on_m >= w_off_m.
    void validate() const;
};

std::span<const params::Field<VteamParams>> vteam_fields();

/// Normalised state x = (w - w_on) / (w_off - w_on) in [0, 1].
template <class S>
S vteam_x(const VteamParams& p, const S& w) {
    return (w - p.w_on_m) / (p.w_off_m - p.w_on_m);
}

/// Current (A) at voltage v (V) and state w (m).
template <class S>
S vteam_current(const VteamParams& p, const S& v, const S& w) {
    using std::exp;
    const double lambda = std::log(p.r_off_ohm / p.r_on_ohm);
    return v / p.r_on_ohm * exp(-lambda * vteam_x(p, w));
}

/// State rate dw/dt (m/s) at voltage v (V) and state w (m).
template <class S>
S vteam_w_rate(const VteamParams& p, const S& v, const S& w) {
    using std::pow;
    const S x = vteam_x(p, w);
    const S xm1 = x - 1.0;
    const S f_off = 1.0 - pow(x * x, p.window_p);
    const S f_on = 1.0 - pow(xm1 * xm1, p.window_p);
    const S drive_off = softplus(v / p.v_off_volt - 1.0, p.threshold_smoothing);
    const S drive_on = softplus(v / p.v_on_volt - 1.0, p.threshold_smoothing);
    return p.k_off_m_per_s * pow(drive_off, p.alpha_off) * f_off +
           p.k_on_m_per_s * pow(drive_on, p.alpha_on) * f_on;
}

class Vteam final : public ModelDevice<Vteam, VteamParams, 1> {
public:
    static constexpr std::string_view model_name = "vteam";
    using ModelDevice::ModelDevice;

    static std::span<const params::Field<VteamParams>> fields() { return vteam_fields(); }
    static const std::vector<StateVariable>& variables();

    template <class S>
    S current(const S& v, const std::array<S, 1>& x) const {
        return vteam_current(p_, v, x[0]);
    }
    template <class S>
    std::array<S, 1> rate(const S& v, const std::array<S, 1>& x) const {
        return {vteam_w_rate(p_, v, x[0])};
    }

    std::pair<State, State> state_bounds() const override;
    State rest_state(double w_m) const override;
    Eigen::VectorXd cycle_noise_sigma() const override;
    /// Varies r_on_ohm, r_off_ohm (read window) and k_on_m_per_s, k_off_m_per_s (speed).
    void vary_device(Rng& rng, double sigma_rel) override;
    std::string spice_current(const std::string& v,
                              const std::vector<std::string>& x) const override;
    std::vector<std::string> spice_rates(const std::string& v,
                                         const std::vector<std::string>& x) const override;
};

}  // namespace kirchhoff::devices
