// PCM statistical model: the published formulas, and 1e5-sample statistics that reproduce
// them (mean and standard deviation within 2%).
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "devices/pcm_statistical.hpp"
#include "devices/rng.hpp"

using namespace kirchhoff::devices;

namespace {
struct Stats {
    double mean = 0, std = 0;
};
Stats stats(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return {m, std::sqrt(s / static_cast<double>(v.size() - 1))};
}
double phi(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
// Mean and standard deviation of |N(mu, sigma)| (the folded normal).
Stats folded(double mu, double sigma) {
    const double mean = sigma * std::sqrt(2 / std::numbers::pi) * std::exp(-mu * mu / (2 * sigma * sigma)) +
                        mu * (1 - 2 * phi(-mu / sigma));
    return {mean, std::sqrt(mu * mu + sigma * sigma - mean * mean)};
}
bool within(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }
constexpr int n_samples = 100000;
}  // namespace

TEST_CASE("the statistical model's formulas use the published constants", "[devices][pcm]") {
    const PcmStatisticalParams p;
    // sigma_prog = (0.26348 + 1.9650 g - 1.1731 g^2) uS at g_max = 25 uS
    for (double g : {0.0, 0.3, 1.0})
        CHECK(within(pcm_prog_noise_sigma_siemens(p, g * 25e-6),
                     (0.26348 + 1.9650 * g - 1.1731 * g * g) * 1e-6, 1e-12));
    // scales with g_max
    PcmStatisticalParams p50 = p;
    p50.g_max_siemens = 50e-6;
    CHECK(within(pcm_prog_noise_sigma_siemens(p50, 25e-6), 2 * pcm_prog_noise_sigma_siemens(p, 12.5e-6), 1e-12));
    // drift exponent statistics with their clamps
    CHECK(within(pcm_drift_nu_mu(p, 0.02 * 25e-6), -0.0155 * std::log(0.02) + 0.0244, 1e-12));
    CHECK(pcm_drift_nu_mu(p, 25e-6) == 0.049);        // clamped below
    CHECK(pcm_drift_nu_mu(p, 1e-4 * 25e-6) == 0.1);   // clamped above
    CHECK(within(pcm_drift_nu_sigma(p, 0.1 * 25e-6), -0.0125 * std::log(0.1) - 0.0059, 1e-12));
    CHECK(pcm_drift_nu_sigma(p, 25e-6) == 0.008);
    CHECK(pcm_drift_nu_sigma(p, 1e-3 * 25e-6) == 0.045);
    // drift law and read noise
    CHECK(within(pcm_drift_factor(p, 0.05, 3600.0), std::pow((3600.0 + 20.0) / 20.0, -0.05), 1e-14));
    CHECK(pcm_drift_factor(p, 0.05, 0.0) == 1.0);
    CHECK(within(pcm_read_noise_q(p, 0.5 * 25e-6), 0.0088 / std::pow(0.5, 0.65), 1e-12));
    CHECK(pcm_read_noise_q(p, 1e-6 * 25e-6) == 0.2);
    CHECK(pcm_read_noise_q(p, 0.0) == 0.2);  // the 1e-3 floor: no division by zero
    // sigma_read counts the 1/f time from programming: t_inference + t0 (aihwkit PCMLikeNoiseModel)
    CHECK(within(pcm_read_noise_sigma_siemens(p, 10e-6, 12.5e-6, 3600.0),
                 10e-6 * pcm_read_noise_q(p, 12.5e-6) * std::sqrt(std::log((3620.0 + 250e-9) / 500e-9)), 1e-12));
    // at t_inference 0 the cell has been programmed t0 = 20 s ago: about 4.18 Q_s G of read noise
    CHECK(within(pcm_read_noise_sigma_siemens(p, 10e-6, 10e-6, 0.0) / (10e-6 * pcm_read_noise_q(p, 10e-6)),
                 std::sqrt(std::log((20.0 + 250e-9) / 500e-9)), 1e-12));
}

TEST_CASE("1e5 programmed cells reproduce sigma_prog and the drift exponent statistics",
          "[devices][pcm]") {
    const PcmStatisticalParams p;
    for (double g_t : {5e-6, 12.5e-6, 20e-6, 25e-6}) {
        INFO("g_T = " << g_t);
        Rng rng(2024);
        std::vector<double> g(n_samples), nu(n_samples);
        for (int k = 0; k < n_samples; ++k) {
            const PcmCell c = pcm_program(p, g_t, rng);
            g[k] = c.g_prog_siemens;
            nu[k] = c.nu;
        }
        const Stats sg = stats(g), sn = stats(nu);
        const double sigma = pcm_prog_noise_sigma_siemens(p, g_t);
        CHECK(within(sg.mean, g_t, 0.02));
        CHECK(within(sg.std, sigma, 0.02));
        const Stats expect = folded(pcm_drift_nu_mu(p, g_t), pcm_drift_nu_sigma(p, g_t));
        CHECK(within(sn.mean, expect.mean, 0.02));
        CHECK(within(sn.std, expect.std, 0.02));
    }
}

TEST_CASE("1e5 reads reproduce drift and 1/f read noise", "[devices][pcm]") {
    const PcmStatisticalParams p;
    const double t = 86400.0;
    const PcmCell cell{14e-6, 0.06};
    Rng rng(5);
    std::vector<double> g(n_samples);
    for (double& x : g) x = pcm_read(p, cell, t, rng);
    const double g_drift = 14e-6 * pcm_drift_factor(p, 0.06, t);
    const Stats s = stats(g);
    CHECK(within(s.mean, g_drift, 0.02));
    CHECK(within(s.std, pcm_read_noise_sigma_siemens(p, g_drift, 14e-6, t), 0.02));
}

TEST_CASE("same seed, same cells; global drift compensation restores the mean", "[devices][pcm]") {
    const PcmStatisticalParams p;
    Rng a(99), b(99);
    for (int k = 0; k < 100; ++k) {
        const PcmCell x = pcm_program(p, 10e-6, a), y = pcm_program(p, 10e-6, b);
        CHECK(x.g_prog_siemens == y.g_prog_siemens);
        CHECK(x.nu == y.nu);
    }
    Rng rng(1);
    Eigen::ArrayXXd g0(64, 64), gt(64, 64);
    for (Eigen::Index i = 0; i < g0.size(); ++i) {
        const double target = 25e-6 * rng.uniform();
        const PcmCell c = pcm_program(p, target, rng);
        g0(i) = c.g_prog_siemens;
        gt(i) = c.g_prog_siemens * pcm_drift_factor(p, c.nu, 3.15e7);
    }
    const double alpha = pcm_global_drift_compensation(g0, gt);
    CHECK(alpha > 1.5);  // a year of drift at nu ~ 0.05-0.1
    CHECK(std::abs((alpha * gt).sum() / g0.sum() - 1.0) < 1e-12);
    CHECK_THROWS(pcm_program(p, 30e-6, rng));
}
