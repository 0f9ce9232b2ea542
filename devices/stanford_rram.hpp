// Stanford-PKU RRAM: the filament-gap compact model of an oxide RRAM cell.
//
// X. Guan, S. Yu, H.-S. P. Wong, "A SPICE compact model of metal oxide resistive switching
// memory with variations", IEEE Electron Device Letters 33(10), 2012 (and Guan, Yu, Wong,
// IEEE TED 59(4), 2012); Z. Jiang et al., "Stanford University Resistive-Switching Random
// Access Memory (RRAM) Verilog-A Model v1.0.0", nanoHUB 2014, doi:10.4231/D37H1DN48.
//
//   I      = I0 exp(-g / g0) sinh(V / V0)                                  (current)
//   dg/dt  = -v0 exp(-Ea / kT) sinh(gamma a0 q V / (tox k T)) * window     (gap rate)
//   gamma  = (gamma0 - beta (g / 1 nm)^3) * sigmoid((|E| - F_min) / F_width),
//            |E| = (gamma0 - beta (g / 1 nm)^3) |V| / tox                  (field enhancement)
//   T      = T0 + V I Rth                                                  (Joule heating)
//
// Departures from v1.0.0, both to keep every derivative finite (v1.0.0 uses `if`s):
//   - the field threshold `gamma = 0 if |E| < F_min` becomes a sigmoid of width F_width;
//   - the hard clamp of g to [g_min, g_max] becomes a window that vanishes at the bound the
//     gap is moving towards (exponential, width gap_window_m) and is ~1 elsewhere:
//       window = s(V) (1 - exp(-(g - g_min)/w)) + s(-V) (1 - exp(-(g_max - g)/w)),
//       s(V) = sigmoid(V / 10 mV), so g stays in [g_min, g_max] and never sticks there.
// The v1.0.0 "dynamic" variation (random gap rate deltaGap0 above T_crit) is replaced by a
// per-pulse Gaussian gap kick (gap_c2c_sigma_m) applied by program-and-verify.
// State: x[0] = gap g (m). Positive V shrinks the gap (SET), negative V grows it (RESET).
#pragma once

#include <array>
#include <cmath>
#include <span>

#include "devices/model_device.hpp"
#include "devices/smooth.hpp"
#include "params/fields.hpp"

namespace kirchhoff::devices {

struct StanfordRramParams {
    double g0_m = 0.25e-9;                 // Jiang 2014: g0
    double v0_volt = 0.25;                 // V0
    double i0_ampere = 1e-3;               // I0
    double vel0_m_per_s = 10.0;            // Vel0
    double ea_ev = 0.6;                    // Ea
    double a0_m = 0.25e-9;                 // a0
    double tox_m = 12e-9;                  // tox
    double gamma0 = 16.0;                  // gamma0
    double beta = 0.8;                     // beta
    double r_th_kelvin_per_watt = 2.1e3;   // Rth
    double t0_kelvin = 298.0;              // T_ini
    double f_min_volt_per_m = 1.4e9;       // F_min
    double f_width_volt_per_m = 2.8e7;     // Kirchhoff: smoothing of the F_min threshold
    double gap_min_m = 0.2e-9;             // gap_min
    double gap_max_m = 1.7e-9;             // gap_max
    double gap_window_m = 0.01e-9;         // Kirchhoff: width of the smooth gap bounds
    double gap_c2c_sigma_m = 0.0;          // Kirchhoff: per-pulse gap noise (0: off)

    /// Throws InputError for a parameter outside its range or gap_min_m >= gap_max_m.
    void validate() const;
};

std::span<const params::Field<StanfordRramParams>> stanford_rram_fields();

/// Cell current (A) at voltage v (V) and gap (m).
template <class S>
S stanford_rram_current(const StanfordRramParams& p, const S& v, const S& gap) {
    using std::exp;
    using std::sinh;
    return p.i0_ampere * exp(-gap / p.g0_m) * sinh(v / p.v0_volt);
}

/// Local temperature (K): T0 + V I Rth (V I >= 0 because I is odd in V).
template <class S>
S stanford_rram_temperature_kelvin(const StanfordRramParams& p, const S& v, const S& gap) {
    return p.t0_kelvin + v * stanford_rram_current(p, v, gap) * p.r_th_kelvin_per_watt;
}

/// Gap rate dg/dt (m/s) at voltage v (V) and gap (m).
template <class S>
S stanford_rram_gap_rate(const StanfordRramParams& p, const S& v, const S& gap) {
    using std::exp;
    using std::sinh;
    const S t_kelvin = stanford_rram_temperature_kelvin(p, v, gap);
    const S kt_volt = boltzmann_volt_per_kelvin * t_kelvin;
    const S g_nm = gap / 1e-9;
    const S gamma_raw = p.gamma0 - p.beta * g_nm * g_nm * g_nm;
    const S field = gamma_raw * smooth_abs(v, 1e-3) / p.tox_m;
    const S gamma = gamma_raw * sigmoid((field - p.f_min_volt_per_m) / p.f_width_volt_per_m);
    const S drive =
        -p.vel0_m_per_s * exp(-p.ea_ev / kt_volt) * sinh(gamma * p.a0_m / p.tox_m * v / kt_volt);
    const S window = sigmoid(v / 0.01) * (1.0 - exp(-(gap - p.gap_min_m) / p.gap_window_m)) +
                     sigmoid(-v / 0.01) * (1.0 - exp(-(p.gap_max_m - gap) / p.gap_window_m));
    return drive * window;
}

/// The gap (m) whose read current at v_read_volt gives conductance g_siemens (closed form).
double stanford_rram_gap_for_conductance(const StanfordRramParams& p, double g_siemens,
                                         double v_read_volt);

class StanfordRram final : public ModelDevice<StanfordRram, StanfordRramParams, 1> {
public:
    static constexpr std::string_view model_name = "stanford_rram";
    using ModelDevice::ModelDevice;

    static std::span<const params::Field<StanfordRramParams>> fields() {
        return stanford_rram_fields();
    }
    static const std::vector<StateVariable>& variables();

    template <class S>
    S current(const S& v, const std::array<S, 1>& x) const {
        return stanford_rram_current(p_, v, x[0]);
    }
    template <class S>
    std::array<S, 1> rate(const S& v, const std::array<S, 1>& x) const {
        return {stanford_rram_gap_rate(p_, v, x[0])};
    }

    std::pair<State, State> state_bounds() const override;
    State rest_state(double gap_m) const override;
    Eigen::VectorXd cycle_noise_sigma() const override;
    /// Varies i0_ampere (read current) and vel0_m_per_s (switching speed).
    void vary_device(Rng& rng, double sigma_rel) override;
    std::string spice_current(const std::string& v,
                              const std::vector<std::string>& x) const override;
    std::vector<std::string> spice_rates(const std::string& v,
                                         const std::vector<std::string>& x) const override;
};

}  // namespace kirchhoff::devices
