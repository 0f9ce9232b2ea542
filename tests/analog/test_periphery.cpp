// The tile periphery against its equations (analog/tile_read.hpp, analog/tile_programming.hpp):
// the ADC's clipping and step, the DAC's levels in each encoding (signed amplitude, two-phase,
// bit-serial), the read-noise statistics (Joshi et al., Nature Communications 11, 2473, 2020:
// per output N(0, sum_r v_r^2 var_rc), var_rc the sigma_read^2 of the pair's cells) and the
// stuck-at fault rates. Each is checked exactly
// where the equation is exact and within a stated number of sampling standard deviations where
// it is statistical, so a change of formula, of level count or of rate shows.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "analog/analog_backend.hpp"
#include "analog/tile_programming.hpp"
#include "analog/tile_read.hpp"
#include "devices/rng.hpp"
#include "support/analog_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;

namespace {

AnalogConfig config(const std::vector<std::string>& sets) { return test::analog_config_with(sets); }

// Inputs spread over [-1, 1] including both ends, zero and values between DAC levels.
std::vector<float> ramp(int n) {
    std::vector<float> x(n);
    for (int i = 0; i < n; ++i) x[i] = -1.0f + 2.0f * float(i) / float(n - 1);
    return x;
}

}  // namespace

TEST_CASE("ADC: passes while calibrating, clips at the range, rounds to 2^(bits-1) - 1 levels a side",
          "[analog][periphery]") {
    CHECK(adc(3.7e-5, 0.0, 127) == 3.7e-5);  // range 0: calibration reads pass unchanged
    const double range = 1e-4, levels = 127, step = range / levels;
    CHECK(adc(5e-4, range, levels) == range);
    CHECK(adc(-5e-4, range, levels) == -range);
    CHECK(adc(0.0, range, levels) == 0.0);
    for (int k = -127; k <= 127; ++k) CHECK(adc(k * step, range, levels) == Catch::Approx(k * step).margin(1e-20));
    for (double i = -range; i <= range; i += range / 1000) {
        const double q = adc(i, range, levels);
        CHECK(std::abs(q - i) <= step / 2 * (1 + 1e-12));
        CHECK(std::abs(std::round(q / step) - q / step) < 1e-9);  // on a level
        CHECK(adc(-i, range, levels) == -q);                      // symmetric
    }
    const Periphery p(config({"adc.bits=6"}));
    CHECK(p.adc_levels == 31);
}

TEST_CASE("DAC, signed amplitude: one read of round(|x| / x_max (2^(bits-1) - 1)) levels with x's sign",
          "[analog][periphery]") {
    const AnalogConfig cfg = config({"dac.bits=5", "input.v_read_volt=0.2", "array.rows=40"});
    const Periphery p(cfg);
    REQUIRE(p.reads.size() == 1);
    CHECK(p.dac_levels == 15);
    const std::vector<float> x = ramp(33);
    const auto v = dac_volts(p, x, 1.0f, 40);
    REQUIRE(v.size() == 1);
    REQUIRE(v[0].size() == 40);
    for (int r = 0; r < 33; ++r) {
        const double expected = std::copysign(std::round(std::abs(double(x[r])) * 15) / 15, double(x[r])) * 0.2;
        CHECK(v[0](r) == Catch::Approx(expected).margin(1e-15));
        CHECK(std::abs(v[0](r) - x[r] * 0.2) <= 0.2 / 30 * (1 + 1e-6));  // half a level
    }
    CHECK(v[0](0) == Catch::Approx(-0.2));  // x_max reaches the full read voltage
    CHECK(v[0](32) == Catch::Approx(0.2));
    for (int r = 33; r < 40; ++r) CHECK(v[0](r) == 0.0);  // rows beyond the input held at 0 V
}

TEST_CASE("DAC, two-phase: the positive part in the first read, the negative part in the second, "
          "their weighted sum the signed input",
          "[analog][periphery]") {
    const AnalogConfig cfg = config({"dac.bits=4", "dac.signs=two_phase", "input.v_read_volt=0.25"});
    const Periphery p(cfg);
    REQUIRE(p.reads.size() == 2);
    CHECK(p.dac_levels == 15);  // all bits are magnitude bits
    CHECK(p.reads[0].weight == 1.0);
    CHECK(p.reads[1].weight == -1.0);
    const std::vector<float> x = ramp(31);
    const auto v = dac_volts(p, x, 1.0f, 31);
    for (int r = 0; r < 31; ++r) {
        CHECK(v[0](r) >= 0.0);
        CHECK(v[1](r) >= 0.0);
        CHECK((x[r] > 0 ? v[1](r) : v[0](r)) == 0.0);  // one phase carries each input
        const double level = std::round(std::abs(double(x[r])) * 15) / 15;
        CHECK(p.reads[0].weight * v[0](r) + p.reads[1].weight * v[1](r) ==
              Catch::Approx(std::copysign(level, double(x[r])) * 0.25).margin(1e-15));
    }
}

TEST_CASE("DAC, bit-serial: one binary read per magnitude bit, weighted 2^b / levels, summing to the "
          "amplitude read",
          "[analog][periphery]") {
    const AnalogConfig amp = config({"dac.bits=6"});
    const AnalogConfig ser = config({"dac.bits=6", "dac.encoding=bit_serial"});
    const Periphery pa(amp), ps(ser);
    REQUIRE(ps.reads.size() == 5);
    const std::vector<float> x = ramp(45);
    const auto va = dac_volts(pa, x, 1.0f, 45);
    const auto vs = dac_volts(ps, x, 1.0f, 45);
    for (int r = 0; r < 45; ++r) {
        double sum = 0;
        for (std::size_t k = 0; k < vs.size(); ++k) {
            CHECK((vs[k](r) == 0.0 || std::abs(std::abs(vs[k](r)) - amp.crossbar.v_read_volt) < 1e-15));
            sum += ps.reads[k].weight * vs[k](r);
        }
        CHECK(sum == Catch::Approx(va[0](r)).margin(1e-15));
    }
}

TEST_CASE("Read noise: zero mean, variance sum_r v_r^2 var_rc per output", "[analog][periphery]") {
    const int R = 6, C = 3, n = 40000;
    Eigen::MatrixXd var(R, C);
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) var(r, c) = 1e-14 * (1 + r + 3 * c);  // A^2 / V^2
    Eigen::VectorXd v(R);
    v << 0.2, -0.1, 0.0, 0.05, 0.2, -0.15;
    const Eigen::VectorXd expected_var = var.transpose() * v.cwiseAbs2();
    devices::Rng rng(11);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(C), sum2 = Eigen::VectorXd::Zero(C);
    for (int i = 0; i < n; ++i) {
        const auto noise = read_noise(var, {v}, rng);
        sum += noise[0];
        sum2 += noise[0].cwiseAbs2();
    }
    for (int c = 0; c < C; ++c) {
        const double sd = std::sqrt(expected_var(c));
        CHECK(std::abs(sum(c) / n) < 5 * sd / std::sqrt(double(n)));  // mean: 5 standard errors
        // sample variance: relative standard error sqrt(2 / n) = 0.7%; 5 of them
        CHECK(sum2(c) / n == Catch::Approx(expected_var(c)).epsilon(5 * std::sqrt(2.0 / n)));
    }
    CHECK(read_noise(Eigen::MatrixXd(), {v}, rng)[0].size() == 0);  // no variance: no noise
}

TEST_CASE("Read-noise variance per column pair: sigma_read^2 of G+ plus G- (Joshi 2020), at t and at 0",
          "[analog][periphery]") {
    // sigma_read = G(t) Q_s sqrt(ln((t + t0 + t_read) / (2 t_read))), Q_s = min(0.0088 / max((G_prog /
    // g_max)^0.65, 1e-3), 0.2), t0 = 20 s, t_read = 250 ns (Joshi et al., Nature Communications 11,
    // 2473, 2020, Methods; devices/pcm_statistical.hpp), written out here. Without programming noise
    // G_prog is the target, and G(t) is the tile's conductance (its drift exponent is random).
    const int R = 16, C = 8;
    const double t = 3600;
    const AnalogConfig cfg = config({"array.rows=16", "array.cols=8", "array.differential=columns",
                                     "pcm.read_noise=true", "pcm.read_noise_mode=per_mvm",
                                     "pcm.t_inference_s=3600", "pcm.drift_compensation=true"});
    const double g_min = cfg.crossbar.g_min_siemens, g_max = cfg.crossbar.g_max_siemens;
    Eigen::MatrixXd w(14, 7);  // a partial tile: the unused cells hold g_min and are noisy too
    for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = std::sin(0.7 * double(i) + 0.3);
    const LayerTile tile = program_tile_block(cfg, w, TilePlace{0, 0, 0, 14, 0, 7}, 5, std::nullopt);
    REQUIRE(tile.baseline);
    const Eigen::MatrixXd& g = tile.tile.g_siemens.at(0);
    const Eigen::MatrixXd& var = tile.read_var_a2_per_v2;
    const Eigen::MatrixXd& var0 = tile.baseline->read_var_a2_per_v2;
    REQUIRE(var.rows() == R);
    REQUIRE(var.cols() == C);
    REQUIRE(var0.rows() == R);
    auto sigma = [&](double g_now, double g_prog, double t_s) {
        const double q = std::min(0.0088 / std::max(std::pow(g_prog / g_max, 0.65), 1e-3), 0.2);
        return g_now * q * std::sqrt(std::log((t_s + 20.0 + 250e-9) / (2 * 250e-9)));
    };
    for (int r = 0; r < R; ++r)
        for (int k = 0; k < C; ++k) {
            const double wk = r < w.rows() && k < w.cols() ? w(r, k) : 0.0;
            const double target_plus = g_min + (g_max - g_min) * std::max(wk, 0.0);
            const double target_minus = g_min + (g_max - g_min) * std::max(-wk, 0.0);
            const double s_plus = sigma(g(r, 2 * k), target_plus, t), s_minus = sigma(g(r, 2 * k + 1), target_minus, t);
            CHECK(var(r, k) == Catch::Approx(s_plus * s_plus + s_minus * s_minus).epsilon(1e-12));
            const double b_plus = sigma(target_plus, target_plus, 0), b_minus = sigma(target_minus, target_minus, 0);
            CHECK(var0(r, k) == Catch::Approx(b_plus * b_plus + b_minus * b_minus).epsilon(1e-12));
            CHECK(g(r, 2 * k) < target_plus);  // drifted down
        }
    // Stuck cells neither drift nor read noisily.
    const AnalogConfig stuck = config({"array.rows=16", "array.cols=8", "array.differential=columns",
                                       "pcm.read_noise=true", "pcm.t_inference_s=3600", "faults.stuck_rate=1"});
    const LayerTile s = program_tile_block(stuck, w, TilePlace{0, 0, 0, 14, 0, 7}, 5, std::nullopt);
    CHECK(s.read_var_a2_per_v2.cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("Stuck-at faults: a cell is stuck with faults.stuck_rate, at g_max with "
          "faults.stuck_at_gmax_fraction of them, on either side of the pair",
          "[analog][periphery]") {
    // 384 x 384 pairs, 147456 cells a side: 5 binomial standard deviations are 7.4% of the
    // expected count of cells stuck at g_max (p = 0.03), 4.7% of those at g_min (p = 0.07), so
    // a rate 10% off shows (at 128 x 128 it did not).
    const int N = 384;
    const AnalogConfig cfg = config({"array.rows=384", "array.cols=384", "faults.stuck_rate=0.1",
                                     "faults.stuck_at_gmax_fraction=0.3", "array.differential=columns"});
    const Eigen::MatrixXd w = Eigen::MatrixXd::Constant(N, N, 0.5);  // G+ mid-window, G- at g_min
    const TilePlace place{0, 0, 0, N, 0, N};
    const LayerTile t = program_tile_block(cfg, w, place, 99, std::nullopt);
    const double g_min = cfg.crossbar.g_min_siemens, g_max = cfg.crossbar.g_max_siemens;
    const double g_mid = g_min + 0.5 * (g_max - g_min);
    const Eigen::MatrixXd& g = t.tile.g_siemens.at(0);
    REQUIRE(g.cols() == 2 * N);
    int plus_high = 0, plus_low = 0, plus_mid = 0, minus_high = 0, minus_low = 0;
    for (int r = 0; r < N; ++r)
        for (int k = 0; k < N; ++k) {
            const double gp = g(r, 2 * k), gm = g(r, 2 * k + 1);
            plus_high += gp == g_max, plus_low += gp == g_min, plus_mid += gp == g_mid;
            minus_high += gm == g_max, minus_low += gm == g_min;
        }
    const double cells = double(N) * N;
    CHECK(plus_high + plus_low + plus_mid == N * N);  // nothing else without noise
    CHECK(minus_high + minus_low == N * N);
    // Binomial counts, 5 standard deviations.
    const auto within = [&](int count, double p) {
        return std::abs(count - cells * p) < 5 * std::sqrt(cells * p * (1 - p));
    };
    CHECK(within(plus_high, 0.1 * 0.3));
    CHECK(within(plus_low, 0.1 * 0.7));
    CHECK(within(minus_high, 0.1 * 0.3));
    // The same seed gives the same faults.
    CHECK(program_tile_block(cfg, w, place, 99, std::nullopt).tile.g_siemens.at(0) == g);
}
