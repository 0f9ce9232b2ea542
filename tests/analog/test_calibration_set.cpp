// The backend's calibration set (AnalogBackend::begin_calibration / end_calibration,
// analog_backend.hpp): the ADC ranges and output corrections come from the calibration MVMs
// alone and stay frozen (the scored MVMs do not change them, whatever they are and in whatever
// order), restart() keeps them so a replay (the shadow pass) gives the same results bit for
// bit, the same seed gives the same results at 1 and 2 threads (attention tiles included),
// and the op counts of the scored pass leave the calibration set out.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <omp.h>

#include "analog/analog_backend.hpp"
#include "support/analog_fixtures.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;

namespace {

std::vector<int> tokens(int n, int vocab, int salt) {
    std::vector<int> t;
    for (int i = 0; i < n; ++i) t.push_back((i * 7 + i * i * salt + salt) % vocab);
    return t;
}

// PCM programming noise, a day of drift, read noise per MVM, 2 ohm wires, 6/7-bit converters.
AnalogOptions noisy(const std::string& mode, bool attention, cosim::Engine engine = cosim::Engine::surrogate) {
    return test::analog_options_with(
        {"array.rows=16", "array.cols=8", "array.r_wire_row_ohm=2", "array.r_wire_col_ohm=2", "dac.bits=6",
         "adc.bits=7", "adc.calibration_mvms=3", "pcm.programming_noise=true", "pcm.t_inference_s=86400",
         "pcm.read_noise=true", "attention.adc_calibration_tokens=3", "seed=5", "adc.calibration=" + mode,
         attention ? "attention.on_crossbars=true" : "attention.on_crossbars=false"},
        engine);
}

void calibrate(AnalogBackend& b, const transformer::Model& m, const std::vector<int>& set) {
    b.prepare(m);
    b.begin_calibration();
    transformer::perplexity<float>(m, b, set);
    b.end_calibration();
}

// The outputs of layer 0 for each input, in order (x: rows of `in` floats).
std::vector<std::vector<float>> outputs(AnalogBackend& b, const transformer::LinearLayer& layer,
                                        const std::vector<std::vector<float>>& xs) {
    std::vector<std::vector<float>> ys;
    for (const auto& x : xs) {
        ys.emplace_back(std::size_t(layer.out));
        b.matvec(layer, x, ys.back());
    }
    return ys;
}

std::vector<float> input(const transformer::LinearLayer& layer, int k) {
    std::vector<float> x(std::size_t(layer.in));
    for (int i = 0; i < layer.in; ++i) x[std::size_t(i)] = float(std::sin(1.7 * i + 3.1 * k) + 0.3 * std::cos(0.9 * i * k));
    return x;
}

}  // namespace

TEST_CASE("a calibration set is fitted on its own MVMs: the scored MVMs do not change it", "[analog][calibration]") {
    const transformer::Model m = test::one_block_llama(3);
    const transformer::LinearLayer& layer = *m.linear_layers().front();
    const std::vector<int> set = tokens(24, m.config.vocab_size, 1);
    // Read noise makes each output depend on the draws before it; without it an output depends
    // on its input and the calibration only.
    for (const char* mode : {"none", "global", "per_column"}) {
        INFO(mode);
        AnalogOptions o = noisy(mode, false);
        o.config.pcm_read_noise = false;
        const std::vector<std::vector<float>> a_in = {input(layer, 1), input(layer, 2), input(layer, 3), input(layer, 9)};
        const std::vector<std::vector<float>> b_in = {input(layer, 5), input(layer, 6), input(layer, 7), input(layer, 9)};
        AnalogBackend a(o), b(o);
        calibrate(a, m, set);
        calibrate(b, m, set);
        CHECK(a.calibration_phase() == CalibrationPhase::frozen);
        transformer::IdealBackend digital;  // the forward steps of the set's windows (overlapping by one token)
        const long steps = long(transformer::perplexity<float>(m, digital, set).tokens_run);
        CHECK(a.calibration_mvms() == steps * long(m.linear_layers().size()));
        // Different first scored inputs, the same last one: the same output, bit for bit.
        CHECK(outputs(a, layer, a_in).back() == outputs(b, layer, b_in).back());
        // Without a calibration set the first scored MVMs calibrate, and the last output
        // depends on them.
        AnalogBackend c(o), d(o);
        c.prepare(m), d.prepare(m);
        CHECK(outputs(c, layer, a_in).back() != outputs(d, layer, b_in).back());
        // Another calibration set, another calibration.
        AnalogBackend e(o);
        calibrate(e, m, tokens(24, m.config.vocab_size, 2));
        CHECK(outputs(e, layer, a_in).back() != outputs(a, layer, {input(layer, 9)}).back());
    }
}

TEST_CASE("restart() keeps a calibration set's calibration: a replay is bit for bit the pass", "[analog][calibration]") {
    const transformer::Model m = test::one_block_llama(4);
    const std::vector<int> set = tokens(20, m.config.vocab_size, 1), scored = tokens(14, m.config.vocab_size, 3),
                           other = tokens(10, m.config.vocab_size, 4);
    for (const bool attention : {false, true}) {
        INFO("attention.on_crossbars = " << attention);
        AnalogOptions o = noisy("per_column", attention);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend b(o);
        calibrate(b, m, set);
        const double first = transformer::perplexity<float>(m, b, scored).nll_sum_nats;
        const auto validated = b.validation();
        b.restart();  // what the shadow pass does first
        CHECK(transformer::perplexity<float>(m, b, scored).nll_sum_nats == first);
        // Other scored tokens in between change nothing either.
        b.restart();
        transformer::perplexity<float>(m, b, other);
        b.restart();
        CHECK(transformer::perplexity<float>(m, b, scored).nll_sum_nats == first);
        // Validated MVMs are sampled the same way whether or not a calibration set ran before.
        AnalogBackend in_run(o);
        transformer::perplexity<float>(m, in_run, scored);
        long count_set = 0, count_run = 0;
        for (const auto& v : validated) count_set += long(v.count);
        for (const auto& v : in_run.validation()) count_run += long(v.count);
        CHECK(count_set > 0);
        CHECK(count_set >= count_run);  // in_run never validates its calibration MVMs
        if (attention) CHECK(b.attention_calibration_mvms() > 0);
    }
}

TEST_CASE("a calibration set gives the same results at 1 and 2 threads, attention tiles included",
          "[analog][calibration]") {
    const transformer::Model m = test::one_block_llama(5);
    const std::vector<int> set = tokens(20, m.config.vocab_size, 1), scored = tokens(16, m.config.vocab_size, 3);
    auto run = [&](int threads, cosim::Engine engine) {
        omp_set_num_threads(threads);
        AnalogOptions o = noisy("per_column", true, engine);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend b(o);
        calibrate(b, m, set);
        const double nll = transformer::perplexity<float>(m, b, scored).nll_sum_nats;
        double sse = 0;
        for (const ValidationStats& v : b.validation()) sse += v.sum_sq_err;
        return std::make_pair(nll, sse);
    };
    const int before = omp_get_max_threads();
    const auto one = run(1, cosim::Engine::surrogate), two = run(2, cosim::Engine::surrogate);
    const auto nodal_one = run(1, cosim::Engine::nodal), nodal_two = run(2, cosim::Engine::nodal);
    omp_set_num_threads(before);
    CHECK(one == two);
    CHECK(nodal_one == nodal_two);
}

TEST_CASE("the calibration set's operations are counted apart from the scored pass", "[analog][calibration]") {
    const transformer::Model m = test::one_block_llama(6);
    const std::vector<int> set = tokens(20, m.config.vocab_size, 1), scored = tokens(12, m.config.vocab_size, 3);
    for (const bool attention : {false, true}) {
        INFO("attention.on_crossbars = " << attention);
        AnalogBackend b(noisy("per_column", attention)), in_run(noisy("per_column", attention));
        calibrate(b, m, set);
        CHECK(b.op_counts().mvms == 0);
        CHECK(b.op_counts().tile_reads == 0);
        CHECK(b.calibration_counts().mvms > 0);
        transformer::perplexity<float>(m, b, scored);
        transformer::perplexity<float>(m, in_run, scored);
        // The same scored steps: the same MVMs and tile reads (the inputs differ, not their number).
        CHECK(b.op_counts().mvms == in_run.op_counts().mvms);
        CHECK(b.op_counts().tile_reads == in_run.op_counts().tile_reads);
    }
}

TEST_CASE("calibration phases are refused out of order", "[analog][calibration]") {
    AnalogBackend b(noisy("per_column", false));
    CHECK_THROWS_AS(b.begin_calibration(), std::logic_error);  // not prepared
    b.prepare(test::one_block_llama(7));
    CHECK_THROWS_AS(b.end_calibration(), std::logic_error);  // not begun
    CHECK(b.calibration_phase() == CalibrationPhase::in_run);
}
