// Global drift compensation (analog/drift_compensation.hpp, analog/tile_read.hpp) against its
// equation, Joshi et al., Nature Communications 11, 2473, 2020 (GDC):
//   alpha(t) = sum |I_cal(0)| / sum |I_cal(t)|,
// the calibration reads one-hot (row r at v_read, the others at 0 V; IBM aihwkit's
// GlobalDriftCompensation), over the used rows and column pairs only, each read with its
// output noise N(0, v_read^2 var(r, k)); alpha multiplies the digitised sum of a tile's reads
// before the output calibration. Exact parts are checked to rounding; the noisy calibration
// read against the folded-normal mean E|mu + s N| within 5 standard errors of the estimator
// (fixed seed), and its stream order bit for bit.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "analog/drift_compensation.hpp"
#include "analog/tile_programming.hpp"
#include "analog/tile_read.hpp"
#include "support/analog_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;

namespace {

AnalogConfig config(const std::vector<std::string>& sets) { return test::analog_config_with(sets); }

// A tile whose column pair k outputs (dg^T v)_k, recording every input it is given.
class RecordingEngine final : public cosim::MvmEngine {
public:
    explicit RecordingEngine(Eigen::MatrixXd dg) : dg_(std::move(dg)) {}
    std::string_view name() const override { return "recording"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override {
        inputs.push_back(v);
        return dg_.transpose() * v;
    }
    std::vector<Eigen::VectorXd> inputs;

private:
    Eigen::MatrixXd dg_;
};

// A baseline of rows x cols pairs (only its row count and read variance are read).
TileBaseline baseline(int rows, int cols, Eigen::MatrixXd read_var = {}) {
    const AnalogConfig c = config({"array.rows=" + std::to_string(rows), "array.cols=" + std::to_string(cols),
                                   "array.differential=columns"});
    TileBaseline b;
    b.tile = cosim::program_tile(c.crossbar, {Eigen::MatrixXd::Constant(rows, 2 * cols, c.crossbar.g_min_siemens)});
    b.read_var_a2_per_v2 = std::move(read_var);
    return b;
}

Eigen::MatrixXd uniform_matrix(int rows, int cols, double lo, double hi, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = u(gen);
    return m;
}

}  // namespace

TEST_CASE("drift compensation reads each used row one-hot at v_read and averages |I+ - I-| over the used pairs",
          "[analog][drift]") {
    const int R = 8, C = 6;
    const TilePlace place{0, 0, 0, 5, 0, 3};  // a partial tile: rows 5..7 and pairs 3..5 unused
    Eigen::MatrixXd dg = uniform_matrix(R, C, -1e-5, 1e-5, 1);
    dg.bottomRows(R - place.rows).setConstant(1.0);  // reading an unused cell would show
    dg.rightCols(C - place.cols).setConstant(1.0);
    RecordingEngine engine(dg);
    devices::Rng rng(5);
    const double v_read = 0.2;
    const double mean = one_hot_mean_abs_ampere(engine, R, place, v_read, Eigen::MatrixXd(), rng);
    REQUIRE(engine.inputs.size() == std::size_t(place.rows));
    for (int r = 0; r < place.rows; ++r) {
        Eigen::VectorXd one_hot = Eigen::VectorXd::Zero(R);
        one_hot(r) = v_read;
        CHECK(engine.inputs[r] == one_hot);
    }
    const double expected = v_read * dg.topLeftCorner(place.rows, place.cols).cwiseAbs().mean();
    CHECK(mean == Catch::Approx(expected).epsilon(1e-13));
}

TEST_CASE("drift compensation: alpha = sum |I_cal(0)| / sum |I_cal(t)| (Joshi 2020)", "[analog][drift]") {
    const int R = 8, C = 6;
    const TilePlace place{0, 0, 0, R, 0, C};
    const TileBaseline base = baseline(R, C);
    const Eigen::MatrixXd dg = uniform_matrix(R, C, -1e-5, 1e-5, 2);
    devices::Rng rng(5);
    SECTION("a uniformly drifted tile: alpha is the inverse of the drift factor") {
        RecordingEngine before(dg), now(0.8 * dg);
        CHECK(drift_compensation_factor(now, {}, before, base, place, 0.2, rng) == Catch::Approx(1.25).epsilon(1e-13));
    }
    SECTION("no current now: alpha 1") {
        RecordingEngine before(dg), now(Eigen::MatrixXd::Zero(R, C));
        CHECK(drift_compensation_factor(now, {}, before, base, place, 0.2, rng) == 1.0);
    }
    SECTION("a programmed PCM tile a day after programming, read through ideal engines") {
        // 30 of 32 rows and 13 of 16 pairs used; programming noise and a drift exponent per cell.
        const AnalogConfig c = config({"array.rows=32", "array.cols=16", "array.differential=columns",
                                       "pcm.programming_noise=true", "pcm.t_inference_s=86400",
                                       "pcm.drift_compensation=true"});
        const TilePlace p{0, 0, 0, 30, 0, 13};
        const LayerTile t = program_tile_block(c, uniform_matrix(30, 13, -1, 1, 3), p, 17, std::nullopt);
        REQUIRE(t.baseline);
        const auto now = cosim::make_ideal_engine(t.tile), before = cosim::make_ideal_engine(t.baseline->tile);
        const double alpha =
            drift_compensation_factor(*now, t.read_var_a2_per_v2, *before, *t.baseline, p, c.crossbar.v_read_volt, rng);
        // The equation, from the conductances: G+ in the even columns, G- in the odd ones.
        auto sum_abs_pairs = [&](const Eigen::MatrixXd& g) {
            double s = 0;
            for (int r = 0; r < p.rows; ++r)
                for (int k = 0; k < p.cols; ++k) s += std::abs(g(r, 2 * k) - g(r, 2 * k + 1));
            return s;
        };
        const double expected = sum_abs_pairs(t.baseline->tile.g_siemens.at(0)) / sum_abs_pairs(t.tile.g_siemens.at(0));
        INFO("alpha " << alpha << ", from the conductances " << expected);
        CHECK(alpha == Catch::Approx(expected).epsilon(1e-12));
        // Drift only lowers conductances: a day at nu ~ 0.05 to 0.1 is a factor 0.66 to 0.43
        // (measured: alpha 1.494).
        CHECK(alpha > 1.3);
        CHECK(alpha < 2.5);
    }
}

TEST_CASE("drift compensation: the noisy calibration read has the folded-normal mean E|mu + s N|",
          "[analog][drift]") {
    // 400 used rows x 250 used pairs of a 512 x 256 tile: n = 1e5 reads of one cell each. The
    // noise variance differs from cell to cell and is zero outside the used part, so reading
    // var(k, r) or an unused cell shows.
    const int R = 512, C = 256, rows = 400, cols = 250;
    const double n = double(rows) * cols, v_read = 0.2;
    const TilePlace place{0, 0, 0, rows, 0, cols};
    Eigen::MatrixXd var = Eigen::MatrixXd::Zero(R, C);
    for (int r = 0; r < rows; ++r)
        for (int k = 0; k < cols; ++k) var(r, k) = 1e-14 * (1 + (r + 3 * k) % 7);  // A^2 / V^2
    const double sqrt_2_over_pi = std::sqrt(2 / std::numbers::pi);
    SECTION("no signal: E|s N| = s sqrt(2 / pi), Var = s^2 (1 - 2 / pi)") {
        RecordingEngine engine(Eigen::MatrixXd::Zero(R, C));
        devices::Rng rng(21);
        const double mean = one_hot_mean_abs_ampere(engine, R, place, v_read, var, rng);
        double expected = 0, var_sum = 0;
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < cols; ++k) {
                const double s = v_read * std::sqrt(var(r, k));
                expected += s * sqrt_2_over_pi / n;
                var_sum += s * s * (1 - 2 / std::numbers::pi);
            }
        const double se = std::sqrt(var_sum) / n;  // standard error of the mean of n independent |y|
        INFO("mean " << mean << " A, expected " << expected << " A, standard error " << se << " A");
        CHECK(std::abs(mean - expected) < 5 * se);  // 5 SE = 1.2% of the mean
    }
    SECTION("signal mu = s: E|mu + s N| = s sqrt(2 / pi) e^(-1/2) + mu erf(1 / sqrt 2)") {
        // Each cell's one-hot output equals its noise standard deviation: dg(r, k) v_read = s.
        Eigen::MatrixXd dg = (var.cwiseSqrt()).eval();
        RecordingEngine engine(dg);
        devices::Rng rng(22);
        const double mean = one_hot_mean_abs_ampere(engine, R, place, v_read, var, rng);
        const double folded = sqrt_2_over_pi * std::exp(-0.5) + std::erf(1 / std::sqrt(2.0));  // E|1 + N|
        double expected = 0, var_sum = 0;
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < cols; ++k) {
                const double s = v_read * std::sqrt(var(r, k));
                expected += s * folded / n;
                var_sum += s * s * (2 - folded * folded);  // E(1 + N)^2 = 2
            }
        const double se = std::sqrt(var_sum) / n;
        INFO("mean " << mean << " A, expected " << expected << " A, standard error " << se << " A");
        CHECK(std::abs(mean - expected) < 5 * se);
    }
}

TEST_CASE("drift compensation: baseline reads first, then the current ones, from one stream", "[analog][drift]") {
    const int R = 16, C = 8;
    const TilePlace place{0, 0, 0, 12, 0, 7};
    const Eigen::MatrixXd var_now = uniform_matrix(R, C, 1e-14, 4e-14, 8), var_0 = uniform_matrix(R, C, 1e-14, 2e-14, 9);
    const TileBaseline base = baseline(R, C, var_0);
    const Eigen::MatrixXd dg = uniform_matrix(R, C, -1e-6, 1e-6, 10);
    RecordingEngine before(dg), now(0.7 * dg);
    devices::Rng rng(31), replay(31), other(32);
    const double alpha = drift_compensation_factor(now, var_now, before, base, place, 0.2, rng);
    const double ref = one_hot_mean_abs_ampere(before, R, place, 0.2, var_0, replay);
    const double cur = one_hot_mean_abs_ampere(now, R, place, 0.2, var_now, replay);
    CHECK(alpha == ref / cur);  // bit for bit
    CHECK(alpha != drift_compensation_factor(now, var_now, before, base, place, 0.2, other));
}

TEST_CASE("read_tile: alpha multiplies the digitised sum of the reads, before the output calibration",
          "[analog][drift]") {
    const AnalogConfig c = config({"array.rows=4", "array.cols=3", "dac.bits=8", "adc.bits=8"});
    const Periphery p(c);
    Eigen::MatrixXd dg(4, 3);
    dg << 1e-5, -2e-5, 3e-5, 2e-5, 1e-5, -1e-5, -1e-5, 3e-5, 2e-5, 0.5e-5, 0.5e-5, -3e-5;
    RecordingEngine engine(dg);
    const std::vector<float> x = {0.5f, -1.0f, 0.25f, 0.75f};
    const auto v = dac_volts(p, x, 1.0f, 4);
    const std::vector<Eigen::VectorXd> quiet(p.reads.size());
    const Eigen::VectorXd raw = dg.transpose() * v[0];
    // The range between the largest and the second largest |output|: the largest clips, the
    // others land between ADC levels.
    Eigen::VectorXd sorted = raw.cwiseAbs();
    std::sort(sorted.begin(), sorted.end());
    const double range = 0.5 * (sorted(2) + sorted(1));
    REQUIRE(sorted(1) < 0.99 * range);
    const double alpha = 1.37;
    OutputCorrection correction;
    correction.scale = Eigen::Vector3d(1.1, 0.9, 1.0);
    correction.offset = Eigen::Vector3d(1e-7, -2e-7, 0.0);
    const Eigen::VectorXd y = read_tile(engine, p, v, quiet, range, alpha, correction, nullptr);
    for (int k = 0; k < 3; ++k) {
        const double expected = correction.scale(k) * alpha * adc(raw(k), range, p.adc_levels) + correction.offset(k);
        CHECK(y(k) == Catch::Approx(expected).epsilon(1e-14));
    }
    // The clipped output is alpha x the ADC range: compensation comes after the ADC.
    Eigen::Index clipped;
    raw.cwiseAbs().maxCoeff(&clipped);
    CHECK(std::abs(y(clipped) - correction.offset(clipped)) / correction.scale(clipped) ==
          Catch::Approx(alpha * range).epsilon(1e-14));
}
