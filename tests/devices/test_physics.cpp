// Device physics: closed-form read currents, pinched hysteresis, exact Jacobians, inverse read
// maps, state bounds under a full SET/RESET loop.
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>

#include "devices/integrate.hpp"
#include "devices/presets.hpp"
#include "devices/rng.hpp"

using namespace kirchhoff::devices;

namespace {

// States spread over the bounds (fast variables at a few values too).
std::vector<State> sample_states(const Device& d, Rng& rng, int n) {
    const auto [lo, hi] = d.state_bounds();
    std::vector<State> out;
    for (int k = 0; k < n; ++k) {
        State x(lo.size());
        for (Eigen::Index j = 0; j < x.size(); ++j) {
            const double top = std::isinf(hi[j]) ? lo[j] + 800.0 : hi[j];
            x[j] = lo[j] + (top - lo[j]) * rng.uniform();
        }
        out.push_back(x);
    }
    return out;
}

bool close(double a, double b, double rel, double abs) {
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + abs;
}

}  // namespace

TEST_CASE("Stanford RRAM read current equals I0 exp(-g/g0) sinh(V/V0)", "[devices][physics]") {
    for (const char* name : {"stanford_rram", "stanford_rram_aimc"}) {
        const auto d = make_device(find_preset(name));
        const StanfordRramParams p = std::get<StanfordRramParams>(find_preset(name).make());
        for (double gap : {p.gap_min_m, 1.0e-9, p.gap_max_m})
            for (double v : {-0.3, -0.1, 0.05, 0.1, 0.2}) {
                const double exact = p.i0_ampere * std::exp(-gap / p.g0_m) * std::sinh(v / p.v0_volt);
                CHECK(close(d->current_ampere(v, d->rest_state(gap)), exact, 1e-14, 0.0));
            }
        // the closed-form inverse
        for (double g : {1e-6, 10e-6, 100e-6}) {
            const double gap = stanford_rram_gap_for_conductance(p, g, 0.1);
            CHECK(close(d->read_conductance_siemens(gap, 0.1), g, 1e-12, 0.0));
        }
    }
}

TEST_CASE("VTEAM read current equals V / (R_on exp(lambda x))", "[devices][physics]") {
    const VteamParams p = std::get<VteamParams>(find_preset("vteam_aimc").make());
    const Vteam d(p);
    for (double x : {0.0, 0.3, 1.0}) {
        const double w = p.w_on_m + x * (p.w_off_m - p.w_on_m);
        const double r = p.r_on_ohm * std::pow(p.r_off_ohm / p.r_on_ohm, x);
        CHECK(close(d.current_ampere(0.1, d.rest_state(w)), 0.1 / r, 1e-13, 0.0));
    }
    CHECK(close(d.read_conductance_siemens(p.w_on_m, 0.1), 1.0 / p.r_on_ohm, 1e-13, 0.0));
    CHECK(close(d.read_conductance_siemens(p.w_off_m, 0.1), 1.0 / p.r_off_ohm, 1e-13, 0.0));
}

TEST_CASE("PCM read current equals c G_c V + (1 - c) G_a V_pf sinh(V / V_pf) at rest",
          "[devices][physics]") {
    const PcmElectricalParams p;
    const PcmElectrical d(p);
    const double g_a = p.g_amorph_siemens * p.g_on_siemens / (p.g_amorph_siemens + p.g_on_siemens);
    for (double c : {0.0, 0.01, 0.5, 1.0})
        for (double v : {-0.2, 0.1, 0.3}) {
            const double exact = c * p.g_cryst_siemens * v +
                                 (1 - c) * g_a * p.v_pf_volt * std::sinh(v / p.v_pf_volt);
            CHECK(close(d.current_ampere(v, d.rest_state(c)), exact, 1e-13, 0.0));
        }
}

TEST_CASE("every electrical preset: I = 0 at V = 0 in any state (pinched hysteresis)",
          "[devices][physics]") {
    Rng rng(7);
    for (const Preset& p : presets()) {
        if (!is_electrical(p)) continue;
        INFO(p.name);
        const auto d = make_device(p);
        for (const State& x : sample_states(*d, rng, 50)) CHECK(d->current_ampere(0.0, x) == 0.0);
    }
}

TEST_CASE("every electrical preset: analytic Jacobians match finite differences",
          "[devices][physics]") {
    Rng rng(11);
    for (const Preset& p : presets()) {
        if (!is_electrical(p)) continue;
        INFO(p.name);
        const auto d = make_device(p);
        const auto& vars = d->state_variables();
        const double vmax = std::max(std::abs(p.protocol.v_loop_set_volt), std::abs(p.protocol.v_loop_reset_volt));
        for (const State& x : sample_states(*d, rng, 20)) {
            for (double v : {-vmax, -0.5 * vmax, 0.03 * vmax, 0.5 * vmax, 0.9 * vmax}) {
                const double hv = 1e-6 * std::max(std::abs(v), 1e-3);
                // dI/dV
                const double fd_iv = (d->current_ampere(v + hv, x) - d->current_ampere(v - hv, x)) / (2 * hv);
                CHECK(close(d->di_dv_siemens(v, x), fd_iv, 1e-5, 1e-12));
                Eigen::MatrixXd dfdx;
                Eigen::VectorXd dfdv;
                d->rate_jacobian(v, x, dfdx, dfdv);
                const Eigen::VectorXd didx = d->di_dx(v, x);
                const State fp = d->rate(v + hv, x), fm = d->rate(v - hv, x);
                const State f0 = d->rate(v, x);
                for (Eigen::Index i = 0; i < x.size(); ++i) {
                    // Central differences: truncation ~h^2, round-off ~1e-16 |f| / h.
                    CHECK(close(dfdv[i], (fp[i] - fm[i]) / (2 * hv), 1e-4, 1e-9 * std::abs(f0[i]) / hv));
                    for (Eigen::Index j = 0; j < x.size(); ++j) {
                        const double hx = 1e-6 * vars[static_cast<std::size_t>(j)].scale;
                        State xp = x, xm = x;
                        xp[j] += hx;
                        xm[j] -= hx;
                        const double fd = (d->rate(v, xp)[i] - d->rate(v, xm)[i]) / (2 * hx);
                        INFO("d rate_" << i << " / d x_" << j << " at v = " << v);
                        CHECK(close(dfdx(i, j), fd, 1e-4, 1e-9 * std::abs(f0[i]) / hx));
                        if (i == 0) {
                            const double fdi = (d->current_ampere(v, xp) - d->current_ampere(v, xm)) / (2 * hx);
                            CHECK(close(didx[j], fdi, 1e-5, 1e-9 * std::abs(d->current_ampere(v, x)) / hx));
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("every electrical preset: the state stays within its bounds over a SET/RESET loop",
          "[devices][physics]") {
    for (const Preset& p : presets()) {
        if (!is_electrical(p)) continue;
        INFO(p.name);
        const auto d = make_device(p);
        const auto [lo, hi] = d->state_bounds();
        const Waveform w = loop_waveform(*d, p.protocol);
        const Trajectory tr = integrate(*d, w, d->rest_state(hi[0]), uniform_samples(w, 4001));
        for (Eigen::Index j = 0; j < tr.state.cols(); ++j) {
            const double tol = 1e-6 * d->state_variables()[static_cast<std::size_t>(j)].scale;
            CHECK(tr.state.col(j).minCoeff() >= lo[j] - tol);
            CHECK(tr.state.col(j).maxCoeff() <= hi[j] + tol);
        }
        // The loop switches: the memory variable visits both ends of its range.
        const double span = hi[0] - lo[0];
        CHECK(tr.state.col(0).minCoeff() < lo[0] + 0.05 * span);
        CHECK(tr.state.col(0).maxCoeff() > hi[0] - 0.05 * span);
        // Pinched: wherever the loop passes V = 0, I = 0.
        for (std::size_t k = 0; k < tr.t_s.size(); ++k)
            if (tr.v_volt[k] == 0.0) CHECK(tr.i_ampere[k] == 0.0);
    }
}

TEST_CASE("memory_for_conductance inverts the read map for every electrical preset",
          "[devices][physics]") {
    for (const Preset& p : presets()) {
        if (!is_electrical(p)) continue;
        INFO(p.name);
        const auto d = make_device(p);
        const double v = p.protocol.v_read_volt;
        const auto [g_lo, g_hi] = d->conductance_window_siemens(v);
        for (double f : {0.0, 0.25, 0.5, 0.9, 1.0}) {
            const double g = g_lo * std::pow(g_hi / g_lo, f);
            CHECK(close(d->read_conductance_siemens(d->memory_for_conductance(g, v), v), g, 1e-9, 0.0));
        }
        CHECK_THROWS(d->memory_for_conductance(2 * g_hi, v));
    }
}
