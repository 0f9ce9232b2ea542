// Output calibration (analog/output_calibration.hpp): a known affine distortion of a tile's
// columns is recovered to the ADC's resolution, an ideal tile is left as it was, the backend's
// results are the same at 1 and 2 threads with every mode (linear layers and attention tiles),
// the correction's multiply-adds are counted, and on a tile with IR drop it brings the MVM
// closer to the digital product.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <omp.h>

#include "analog/analog_backend.hpp"
#include "analog/output_calibration.hpp"
#include "analog/tile_read.hpp"
#include "params/error.hpp"
#include "support/analog_fixtures.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;
using Catch::Matchers::ContainsSubstring;

namespace {

// A tile whose column j outputs scale_j (dg^T v)_j + offset_j: the affine distortion
// calibration should undo.
class AffineEngine final : public cosim::MvmEngine {
public:
    AffineEngine(Eigen::MatrixXd dg, Eigen::VectorXd scale, Eigen::VectorXd offset)
        : dg_(std::move(dg)), scale_(std::move(scale)), offset_(std::move(offset)) {}
    std::string_view name() const override { return "affine"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override {
        return (dg_.transpose() * v).cwiseProduct(scale_) + offset_;
    }

private:
    Eigen::MatrixXd dg_;
    Eigen::VectorXd scale_, offset_;
};

struct Bench {
    AnalogConfig cfg = test::analog_config_with({"array.rows=16", "array.cols=8", "dac.bits=24", "adc.bits=24"});
    Periphery io{cfg};
    std::mt19937_64 rng{3};
    int R = 16, C = 8;
    double uniform(double lo, double hi) { return lo + (hi - lo) * double(rng() >> 11) * 0x1.0p-53; }
    Eigen::MatrixXd target() {
        Eigen::MatrixXd dg(R, C);
        for (int r = 0; r < R; ++r)
            for (int c = 0; c < C; ++c) dg(r, c) = uniform(-1, 1) * 1e-4;  // S
        return dg;
    }
    std::vector<Eigen::VectorXd> volts() {
        std::vector<float> x(R);
        float x_max = 0;
        for (float& v : x) v = float(uniform(-1, 1)), x_max = std::max(x_max, std::abs(v));
        return dac_volts(io, x, x_max, R);
    }
};

// Calibrates `engine` on `n` MVMs (ADC passing, as during the backend's calibration), then
// returns the largest |corrected - digital| over 20 further MVMs with the ADC range set, and
// the ADC step.
std::pair<double, double> calibrate_and_check(Bench& b, cosim::MvmEngine& engine, const Eigen::MatrixXd& dg,
                                              OutputCalibration mode, OutputCorrection* fitted = nullptr) {
    const std::vector<Eigen::VectorXd> quiet(b.io.reads.size());
    CalibrationFit fit;
    double i_max = 0;
    for (int m = 0; m < 8; ++m) {
        const auto v = b.volts();
        fit.add(read_tile(engine, b.io, v, quiet, 0.0, 1.0, OutputCorrection{}, &i_max),
                target_product(b.io, v, dg, b.C), b.C);
    }
    const OutputCorrection correction = fit.solve(mode);
    if (fitted) *fitted = correction;
    const double range = 1.25 * i_max;
    double err = 0;
    for (int m = 0; m < 20; ++m) {
        const auto v = b.volts();
        const Eigen::VectorXd y = read_tile(engine, b.io, v, quiet, range, 1.0, correction, nullptr);
        err = std::max(err, (y - target_product(b.io, v, dg, b.C)).cwiseAbs().maxCoeff());
    }
    return {err, range / b.io.adc_levels};
}

}  // namespace

TEST_CASE("per_column calibration recovers a known affine distortion of each column", "[analog][calibration]") {
    Bench b;
    const Eigen::MatrixXd dg = b.target();
    Eigen::VectorXd scale(b.C), offset(b.C);
    for (int c = 0; c < b.C; ++c) scale(c) = b.uniform(0.6, 0.95), offset(c) = b.uniform(-2e-5, 2e-5);  // A
    AffineEngine engine(dg, scale, offset);
    OutputCorrection fitted;
    const auto [err, step] = calibrate_and_check(b, engine, dg, OutputCalibration::per_column, &fitted);
    // The fit inverts the distortion to rounding: 8 exact samples of an affine map.
    for (int c = 0; c < b.C; ++c) {
        CHECK(fitted.scale(c) == Catch::Approx(1 / scale(c)).epsilon(1e-9));
        CHECK(fitted.offset(c) == Catch::Approx(-offset(c) / scale(c)).margin(1e-14));
    }
    // Corrected outputs equal the digital product to the 24-bit ADC's resolution (half a step,
    // amplified by 1 / scale <= 1.7).
    CHECK(err <= 0.5 * step / 0.6 * (1 + 1e-6));
    // A single scale cannot undo per-column offsets and scales; no correction undoes nothing.
    const auto global = calibrate_and_check(b, engine, dg, OutputCalibration::global);
    const auto none = calibrate_and_check(b, engine, dg, OutputCalibration::none);
    CHECK(global.first > 1000 * err);
    CHECK(none.first > global.first);
}

TEST_CASE("global calibration recovers a uniform gain", "[analog][calibration]") {
    Bench b;
    const Eigen::MatrixXd dg = b.target();
    AffineEngine engine(dg, Eigen::VectorXd::Constant(b.C, 0.8), Eigen::VectorXd::Zero(b.C));
    OutputCorrection fitted;
    const auto [err, step] = calibrate_and_check(b, engine, dg, OutputCalibration::global, &fitted);
    CHECK(fitted.scale.minCoeff() == Catch::Approx(1.25).epsilon(1e-12));
    CHECK(fitted.scale.maxCoeff() == Catch::Approx(1.25).epsilon(1e-12));
    CHECK(fitted.offset.cwiseAbs().maxCoeff() == 0.0);
    CHECK(err <= 0.5 * step * 1.25 * (1 + 1e-6));
}

TEST_CASE("calibration leaves an ideal tile unchanged", "[analog][calibration]") {
    Bench b;
    const Eigen::MatrixXd dg = b.target();
    AffineEngine engine(dg, Eigen::VectorXd::Ones(b.C), Eigen::VectorXd::Zero(b.C));
    for (OutputCalibration mode : {OutputCalibration::global, OutputCalibration::per_column}) {
        OutputCorrection fitted;
        calibrate_and_check(b, engine, dg, mode, &fitted);
        CHECK((fitted.scale.array() - 1).abs().maxCoeff() < 1e-12);
        CHECK(fitted.offset.cwiseAbs().maxCoeff() < 1e-12 * 1e-4);  // A, against outputs of ~1e-4 A
    }
    // Through the backend: ideal engine, ideal wires; the ADC ranges are set after 3 MVMs and
    // quantise at 24 bits, the same with and without calibration: the perplexity agrees to
    // float rounding of the outputs.
    const transformer::Model m = test::two_block_llama(4);
    const std::vector<int> t = test::probe_tokens(24, m.config.vocab_size);
    auto nll = [&](const char* mode) {
        AnalogBackend analog(test::analog_options_with(
            test::with(test::clean_tile_sets(24), {"adc.calibration_mvms=3", std::string("adc.calibration=") + mode})));
        return transformer::perplexity<float>(m, analog, t).nll_sum_nats;
    };
    const double none = nll("none");
    CHECK(nll("per_column") == Catch::Approx(none).epsilon(1e-6));
    CHECK(nll("global") == Catch::Approx(none).epsilon(1e-6));
}

TEST_CASE("calibrated results are the same at 1 and 2 threads, attention tiles included", "[analog][calibration]") {
    const transformer::Model m = test::two_block_llama(5);
    const std::vector<int> t = test::probe_tokens(20, m.config.vocab_size);
    auto run = [&](int threads, const char* mode) {
        omp_set_num_threads(threads);
        AnalogOptions o;
        o.config = test::analog_config_with(
            {"array.rows=16", "array.cols=8", "array.r_wire_row_ohm=2", "array.r_wire_col_ohm=2", "dac.bits=6",
             "adc.bits=7", "adc.calibration_mvms=3", "pcm.programming_noise=true", "pcm.t_inference_s=3600",
             "pcm.read_noise=true", "attention.on_crossbars=true", "attention.adc_calibration_tokens=4",
             std::string("adc.calibration=") + mode});
        o.engine = cosim::Engine::surrogate;
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend analog(o);
        const double nll = transformer::perplexity<float>(m, analog, t).nll_sum_nats;
        double sse = 0;
        for (const ValidationStats& v : analog.validation()) sse += v.sum_sq_err;
        return std::make_pair(nll, sse);
    };
    const int before = omp_get_max_threads();
    for (const char* mode : {"global", "per_column"}) {
        INFO(mode);
        const auto one = run(1, mode), two = run(2, mode), none = run(2, "none");
        CHECK(one == two);
        CHECK(one.first != none.first);  // the correction is applied
    }
    omp_set_num_threads(before);
}

TEST_CASE("calibration brings an IR-dropped tile closer to the digital product; its ops are counted",
          "[analog][calibration]") {
    transformer::ModelConfig mc;
    mc.dim = 64, mc.hidden_dim = 64, mc.n_layers = 1, mc.n_heads = 4, mc.n_kv_heads = 4, mc.vocab_size = 16;
    mc.seq_len = 16;
    const transformer::Model m = transformer::random_model(mc, 6);
    const transformer::LinearLayer& layer = *m.linear_layers().front();
    std::mt19937_64 rng(9);
    auto input = [&] {
        std::vector<float> x(std::size_t(layer.in));
        for (float& v : x) v = float(2.0 * double(rng() >> 11) * 0x1.0p-53 - 1.0);
        return x;
    };
    std::vector<std::vector<float>> xs;
    for (int k = 0; k < 24; ++k) xs.push_back(input());
    auto mvm_error = [&](const char* mode, OpCounts* counts) {
        AnalogOptions o;
        o.config = test::analog_config_with({"array.rows=32", "array.cols=32", "array.r_wire_row_ohm=10",
                                             "array.r_wire_col_ohm=10", "adc.calibration_mvms=8",
                                             std::string("adc.calibration=") + mode});
        o.engine = cosim::Engine::surrogate;
        AnalogBackend analog(o);
        analog.prepare(m);
        double err = 0, ref = 0;
        std::vector<float> y(std::size_t(layer.out));
        for (std::size_t k = 0; k < xs.size(); ++k) {
            analog.matvec(layer, xs[k], y);
            if (k < 8) continue;  // the calibration MVMs pass uncorrected
            for (int r = 0; r < layer.out; ++r) {
                double d = 0;
                for (int c = 0; c < layer.in; ++c) d += double(layer.w(r, c)) * xs[k][std::size_t(c)];
                err += (y[std::size_t(r)] - d) * (y[std::size_t(r)] - d), ref += d * d;
            }
        }
        if (counts) *counts = analog.op_counts();
        return err / ref;
    };
    OpCounts none_counts, global_counts, column_counts;
    const double none = mvm_error("none", &none_counts);
    const double global = mvm_error("global", &global_counts);
    const double column = mvm_error("per_column", &column_counts);
    INFO("NMSE against W x: none " << none << ", global " << global << ", per_column " << column);
    CHECK(global < none);
    CHECK(column < global);
    // One multiply per tile output and MVM (global), and an add (per_column).
    const double outputs = double(xs.size()) * 2 * layer.out;  // 2 row tiles of 32 inputs
    const auto mult = std::size_t(DigitalOp::fp32_mult), add = std::size_t(DigitalOp::fp32_add);
    CHECK(global_counts.periphery[mult] - none_counts.periphery[mult] == outputs);
    CHECK(global_counts.periphery[add] == none_counts.periphery[add]);
    CHECK(column_counts.periphery[mult] - none_counts.periphery[mult] == outputs);
    CHECK(column_counts.periphery[add] - none_counts.periphery[add] == outputs);
}

TEST_CASE("adc.calibration names its allowed values", "[analog][calibration]") {
    try {
        test::analog_config_with({"adc.calibration=per_tile"});
        FAIL("accepted adc.calibration=per_tile");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), ContainsSubstring("adc.calibration") && ContainsSubstring("per_tile") &&
                                 ContainsSubstring("per_column"));
    }
}
