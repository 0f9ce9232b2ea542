// Hardware-aware training options do what they say: noise statistics, PCM programming-noise
// profile, DAC/ADC levels and clipping, straight-through gradients, weight clipping,
// determinism at any thread count.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <omp.h>

#include "devices/pcm_statistical.hpp"
#include "training/fixtures.hpp"
#include "training/hwa.hpp"
#include "training/kernels.hpp"
#include "training/layout.hpp"
#include "training/rng.hpp"

using namespace kirchhoff;
using namespace kirchhoff::training;
using Catch::Approx;

namespace {

TrainLinearInfo info(int out, int in) {
    TrainLinearInfo i;
    i.name = "test";
    i.index = 0;
    i.out = out;
    i.in = in;
    return i;
}

std::vector<float> normal_vector(std::size_t n, std::uint64_t seed, double std = 1.0) {
    SplitMix64 r{seed};
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(std * r.normal());
    return v;
}

float max_abs(const std::vector<float>& v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::abs(x));
    return m;
}

}  // namespace


TEST_CASE("Gaussian weight noise has std weight_noise_rel * max|W| and zero mean", "[training][hwa]") {
    const int out = 200, in = 300;
    const std::vector<float> w = normal_vector(static_cast<std::size_t>(out) * in, 3, 0.05);
    const std::vector<float> x = normal_vector(static_cast<std::size_t>(4) * in, 4);
    std::vector<float> y(static_cast<std::size_t>(4) * out);
    HwaOptions o;
    o.weight_noise = WeightNoise::gaussian;
    o.weight_noise_rel = 0.05;
    HardwareAwareLinear<float> hwa(o, 1);
    hwa.begin_step(7, true);
    hwa.forward(info(out, in), w.data(), x.data(), y.data(), 4);
    const std::vector<float>& we = hwa.effective_weights(0);
    double s = 0, s2 = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double d = we[i] - w[i];
        s += d;
        s2 += d * d;
    }
    const double n = static_cast<double>(w.size());
    const double expected = 0.05 * max_abs(w);
    CHECK(std::abs(s / n) < 4 * expected / std::sqrt(n));          // mean within 4 standard errors
    CHECK(std::sqrt(s2 / n) == Approx(expected).epsilon(0.01));   // 60000 draws: ~0.3% std error
    // a new step draws new noise; the same step the same noise
    const std::vector<float> first = we;
    hwa.begin_step(8, true);
    hwa.forward(info(out, in), w.data(), x.data(), y.data(), 4);
    CHECK(hwa.effective_weights(0) != first);
    hwa.begin_step(7, true);
    hwa.forward(info(out, in), w.data(), x.data(), y.data(), 4);
    CHECK(hwa.effective_weights(0) == first);
}

TEST_CASE("PCM weight noise follows sigma_prog at the programmed conductance", "[training][hwa]") {
    // One row of weights at 0.5 w_max (and one weight at w_max to set the scale): the
    // positive device holds g = 0.5 g_max, the negative one 0 (noise clipped at 0).
    const int in = 40001;
    std::vector<float> w(in, 0.5f);
    w[0] = 1.0f;
    const std::vector<float> x(in, 0.0f);
    std::vector<float> y(1);
    HwaOptions o;
    o.weight_noise = WeightNoise::pcm;
    HardwareAwareLinear<float> hwa(o, 1);
    hwa.begin_step(1, true);
    hwa.forward(info(1, in), w.data(), x.data(), y.data(), 1);
    const std::vector<float>& we = hwa.effective_weights(0);
    // Expected in weight units (w_max = 1, g_max = 25 uS): positive device N(0.5, s(0.5)), minus
    // a negative device max(0, N(0, s(0))) whose mean is s(0)/sqrt(2 pi) and variance
    // s(0)^2 (1/2 - 1/(2 pi)).
    const devices::PcmStatisticalParams pcm;  // g_max 25 uS, the polynomial tested in tests/devices
    const double sp = devices::pcm_prog_noise_sigma_siemens(pcm, 12.5e-6) / 25e-6;
    const double s0 = devices::pcm_prog_noise_sigma_siemens(pcm, 0.0) / 25e-6;
    const double mean = 0.5 - s0 / std::sqrt(2 * M_PI);
    const double sd = std::sqrt(sp * sp + s0 * s0 * (0.5 - 1 / (2 * M_PI)));
    double s = 0, s2 = 0;
    for (int i = 1; i < in; ++i) {
        s += we[i];
        s2 += static_cast<double>(we[i]) * we[i];
    }
    const double n = in - 1;
    const double m = s / n;
    CHECK(m == Approx(mean).margin(4 * sd / std::sqrt(n)));
    CHECK(std::sqrt(s2 / n - m * m) == Approx(sd).epsilon(0.02));
}

TEST_CASE("8-bit DAC: inputs on 2 * 127 + 1 levels of max|x| / 127 per row", "[training][hwa]") {
    const int in = 500, n = 3, out = 4;
    const std::vector<float> x = normal_vector(static_cast<std::size_t>(n) * in, 9);
    const std::vector<float> w = normal_vector(static_cast<std::size_t>(out) * in, 10);
    std::vector<float> y(static_cast<std::size_t>(n) * out);
    HwaOptions o;
    o.dac_bits = 8;
    HardwareAwareLinear<float> hwa(o, 1);
    hwa.begin_step(1, true);
    hwa.forward(info(out, in), w.data(), x.data(), y.data(), n);
    const std::vector<float>& xq = hwa.effective_inputs(0);
    for (int r = 0; r < n; ++r) {
        const std::vector<float> row(x.begin() + r * in, x.begin() + (r + 1) * in);
        const float m = max_abs(row);
        std::set<long> levels;
        for (int j = 0; j < in; ++j) {
            const double q = xq[r * in + j] / m * 127;
            CHECK(std::abs(q - std::round(q)) < 1e-3);                 // on a level
            CHECK(std::abs(xq[r * in + j] - row[j]) <= m / 254 * 1.0001);  // within half a step
            levels.insert(std::lround(q));
        }
        CHECK(*levels.rbegin() <= 127);
        CHECK(*levels.begin() >= -127);
        CHECK(levels.size() > 100);  // 500 normal samples fill most of the 255 levels' middle
    }
}

TEST_CASE("ADC: outputs clipped to the bound and on its levels; gradient passes only unclipped", "[training][hwa]") {
    const int in = 64, out = 32, n = 8;
    const std::vector<float> x = normal_vector(static_cast<std::size_t>(n) * in, 21);
    const std::vector<float> w = normal_vector(static_cast<std::size_t>(out) * in, 22, 0.1);
    std::vector<float> y(static_cast<std::size_t>(n) * out), y_ideal(y.size());
    HwaOptions o;
    o.adc_bits = 6;     // 31 levels per sign
    o.adc_bound = 1.0;  // tight: some outputs clip
    HardwareAwareLinear<float> hwa(o, 1);
    hwa.begin_step(1, true);
    hwa.forward(info(out, in), w.data(), x.data(), y.data(), n);
    matmul_xwt(y_ideal.data(), x.data(), w.data(), n, in, out);
    const float w_max = max_abs(w);
    int clipped = 0;
    std::vector<float> dy(y.size(), 1.0f), dx(static_cast<std::size_t>(n) * in), dw(w.size());
    hwa.backward(info(out, in), w.data(), x.data(), dy.data(), dx.data(), dw.data(), n);
    std::vector<float> dy_masked(y.size(), 0.0f);
    for (int r = 0; r < n; ++r) {
        const std::vector<float> row(x.begin() + r * in, x.begin() + (r + 1) * in);
        const float bound = static_cast<float>(o.adc_bound) * w_max * max_abs(row);
        for (int j = 0; j < out; ++j) {
            const float v = y[r * out + j];
            CHECK(std::abs(v) <= bound * 1.0001f);
            const double q = v / bound * 31;
            CHECK(std::abs(q - std::round(q)) < 1e-3);
            if (std::abs(y_ideal[r * out + j]) > bound) {
                ++clipped;
            } else {
                dy_masked[r * out + j] = 1.0f;
                CHECK(std::abs(v - y_ideal[r * out + j]) <= bound / 62 * 1.001f + 1e-6f);
            }
        }
    }
    CHECK(clipped > 0);
    // straight-through: dx = (dy masked where the ADC clipped) W
    std::vector<float> dx_ref(dx.size());
    matmul_dyw(dx_ref.data(), dy_masked.data(), w.data(), n, in, out, false);
    for (std::size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == Approx(dx_ref[i]).margin(1e-5));
}

TEST_CASE("input and output noise have the stated standard deviations", "[training][hwa]") {
    const int in = 256, out = 256, n = 64;
    const std::vector<float> x = normal_vector(static_cast<std::size_t>(n) * in, 31);
    const std::vector<float> w = normal_vector(static_cast<std::size_t>(out) * in, 32, 0.05);
    std::vector<float> y(static_cast<std::size_t>(n) * out), y_ideal(y.size());
    matmul_xwt(y_ideal.data(), x.data(), w.data(), n, in, out);
    const float w_max = max_abs(w);
    {
        HwaOptions o;
        o.output_noise_rel = 0.04;
        HardwareAwareLinear<float> hwa(o, 1);
        hwa.begin_step(1, true);
        hwa.forward(info(out, in), w.data(), x.data(), y.data(), n);
        double z2 = 0;  // normalised residuals
        for (int r = 0; r < n; ++r) {
            const std::vector<float> row(x.begin() + r * in, x.begin() + (r + 1) * in);
            const double sd = 0.04 * w_max * max_abs(row);
            for (int j = 0; j < out; ++j) z2 += std::pow((y[r * out + j] - y_ideal[r * out + j]) / sd, 2);
        }
        CHECK(std::sqrt(z2 / (n * out)) == Approx(1.0).epsilon(0.02));
    }
    {
        HwaOptions o;
        o.input_noise_rel = 0.02;
        HardwareAwareLinear<float> hwa(o, 1);
        hwa.begin_step(1, true);
        hwa.forward(info(out, in), w.data(), x.data(), y.data(), n);
        const std::vector<float>& xe = hwa.effective_inputs(0);
        double z2 = 0;
        for (int r = 0; r < n; ++r) {
            const std::vector<float> row(x.begin() + r * in, x.begin() + (r + 1) * in);
            const double sd = 0.02 * max_abs(row);
            for (int j = 0; j < in; ++j) z2 += std::pow((xe[r * in + j] - row[j]) / sd, 2);
        }
        CHECK(std::sqrt(z2 / (n * in)) == Approx(1.0).epsilon(0.02));
    }
}

TEST_CASE("weight clipping bounds every linear layer at k std(W)", "[training][hwa]") {
    const ParamLayout layout(testing::tiny_config(false));
    std::vector<float> p = init_parameters(layout, 0.5, 3);
    for (std::size_t i = 0; i < p.size(); i += 17) p[i] *= 10;  // outliers
    const std::vector<float> before = p;
    CHECK(clip_weights(layout, p, 2.5) > 0);
    for (int slot : layout.linear) {
        const TensorSlot& s = layout.slots[slot];
        double sum = 0, sum2 = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            sum += before[s.offset + i];
            sum2 += static_cast<double>(before[s.offset + i]) * before[s.offset + i];
        }
        const double n = static_cast<double>(s.size());
        const double sd = std::sqrt(sum2 / n - (sum / n) * (sum / n));
        for (std::size_t i = 0; i < s.size(); ++i) CHECK(std::abs(p[s.offset + i]) <= 2.5 * sd * (1 + 1e-6));
    }
    for (const TensorSlot& s : layout.slots)  // norms untouched
        if (s.role == TensorRole::norm)
            for (std::size_t i = 0; i < s.size(); ++i) CHECK(p[s.offset + i] == before[s.offset + i]);
    CHECK(clip_weights(layout, p, 0.0) == 0);
}

TEST_CASE("hardware-aware forward is the same at 1 and 2 threads", "[training][hwa]") {
    const int in = 300, out = 200, n = 130;
    const std::vector<float> x = normal_vector(static_cast<std::size_t>(n) * in, 41);
    const std::vector<float> w = normal_vector(static_cast<std::size_t>(out) * in, 42, 0.05);
    HwaOptions o;
    o.weight_noise = WeightNoise::pcm;
    o.input_noise_rel = 0.01;
    o.output_noise_rel = 0.04;
    o.dac_bits = 8;
    o.adc_bits = 8;
    std::vector<std::vector<float>> ys;
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        HardwareAwareLinear<float> hwa(o, 1);
        hwa.begin_step(3, true);
        std::vector<float> y(static_cast<std::size_t>(n) * out);
        hwa.forward(info(out, in), w.data(), x.data(), y.data(), n);
        ys.push_back(y);
    }
    omp_set_num_threads(2);
    CHECK(ys[0] == ys[1]);
}
