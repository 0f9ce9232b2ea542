// The model-level circuit reference (evaluation/circuit_reference.hpp) on a small random
// model: ppl_circuit bit for bit a nodal backend's perplexity over the same tokens, the
// engine's and the digital perplexity over the window bit for bit their own passes over it,
// and the share of the analog error as defined. Nonlinear cells (Stanford RRAM, Newton solves)
// behind 1 ohm wires, with programming noise, read noise and faults.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>

#include "analog/analog_backend.hpp"
#include "evaluation/circuit_reference.hpp"
#include "params/config.hpp"
#include "support/analog_fixtures.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;

namespace {

transformer::Model small_model() { return test::one_block_llama(3); }

// 14 tokens: two windows of the 8-token context, so the reference's window (the first 10)
// ends inside the second one.
std::vector<int> some_tokens(int vocab) { return test::probe_tokens(14, vocab, 5); }

// The shared RRAM tiles, with variability and stuck cells, the ADC calibrated on 3 MVMs.
analog::AnalogOptions options(cosim::Engine engine) {
    return test::analog_options_with(
        test::with(test::rram_tile_sets(),
                   {"adc.calibration_mvms=3", "variability.d2d_sigma=0.05", "faults.stuck_rate=0.02", "seed=11"}),
        engine);
}

// The evaluation's pass (validated, as `kirchhoff run` does by default) with the WindowScore
// of its first n tokens, then the reference.
evaluation::CircuitReference reference(const transformer::Model& m, const std::vector<int>& t, std::size_t n,
                                       cosim::Engine engine) {
    analog::AnalogOptions o = options(engine);
    o.validate = cosim::Engine::nodal;
    o.validate_fraction = 0.3;
    analog::AnalogBackend backend(o);
    evaluation::WindowScore window(t, std::int64_t(n));
    transformer::PerplexityOptions po;
    po.on_scored = [&](std::int64_t target, std::span<const float> z) { window.add(target, z); };
    transformer::perplexity<float>(m, backend, t, po);
    return evaluation::circuit_reference(m, std::span<const int>(t).first(n), backend, window.result(), {});
}

double nll_alone(const transformer::Model& m, std::span<const int> t, transformer::LinearBackend& backend) {
    return transformer::perplexity<float>(m, backend, t).nll_sum_nats;
}

}  // namespace

TEST_CASE("the circuit reference is bit for bit the nodal engine on the same tokens", "[validation]") {
    const transformer::Model m = small_model();
    const std::vector<int> t = some_tokens(m.config.vocab_size);
    const std::size_t n = 10;
    const std::span<const int> first(t.data(), n);
    const evaluation::CircuitReference r = reference(m, t, n, cosim::Engine::ideal);

    analog::AnalogBackend nodal(options(cosim::Engine::nodal)), ideal(options(cosim::Engine::ideal));
    transformer::IdealBackend digital;
    CHECK(r.tokens == 10);
    CHECK(r.circuit.scored == 9);
    CHECK(r.analog.scored == 9);
    const transformer::PerplexityResult circuit_alone = transformer::perplexity<float>(m, nodal, first);
    CHECK(r.circuit.nll_sum_nats == circuit_alone.nll_sum_nats);  // bitwise
    CHECK(r.ppl_circuit() == circuit_alone.perplexity());
    CHECK(r.analog.nll_sum_nats == nll_alone(m, first, ideal));  // the window of the longer pass
    CHECK(r.digital.nll_sum_nats == nll_alone(m, first, digital));
    CHECK_FALSE(r.engine_is_circuit);
    CHECK(r.engine == "ideal");

    // The ideal engine ignores the wires and the cells' sinh: a share that is not 0, as defined.
    const double ppl_c = r.ppl_circuit(), ppl_a = r.analog.perplexity(), ppl_d = r.digital.perplexity();
    REQUIRE(r.engine_error_share());
    CHECK(*r.engine_error_share() == std::abs(ppl_a - ppl_c) / std::abs(ppl_c - ppl_d));
    CHECK(*r.engine_error_share() > 0);
    const auto j = r.to_json();
    CHECK(j["ppl_circuit"].get<double>() == ppl_c);
    CHECK(j["engine_error_share"].get<double>() == *r.engine_error_share());
}

TEST_CASE("with the nodal engine the circuit reference is the engine's own pass", "[validation]") {
    const transformer::Model m = small_model();
    const std::vector<int> t = some_tokens(m.config.vocab_size);
    const std::size_t n = 10;
    const evaluation::CircuitReference r = reference(m, t, n, cosim::Engine::nodal);
    analog::AnalogBackend nodal(options(cosim::Engine::nodal));
    CHECK(r.engine_is_circuit);
    CHECK(r.seconds == 0);  // nothing ran twice
    CHECK(r.circuit.nll_sum_nats == nll_alone(m, std::span<const int>(t.data(), n), nodal));
    REQUIRE(r.engine_error_share());
    CHECK(*r.engine_error_share() == 0);
}

TEST_CASE("the window of a pass sums what a pass over the window sums", "[validation]") {
    const transformer::Model m = small_model();
    const std::vector<int> t = some_tokens(m.config.vocab_size);
    transformer::IdealBackend digital;
    for (std::size_t n : {std::size_t(2), std::size_t(8), std::size_t(9), t.size()}) {
        INFO("window of " << n << " tokens");
        evaluation::WindowScore window(t, std::int64_t(n));
        transformer::PerplexityOptions po;
        po.on_scored = [&](std::int64_t target, std::span<const float> z) { window.add(target, z); };
        transformer::perplexity<float>(m, digital, t, po);
        const auto alone = transformer::perplexity<float>(m, digital, std::span<const int>(t.data(), n));
        CHECK(window.result().scored == alone.scored);
        CHECK(window.result().nll_sum_nats == alone.nll_sum_nats);
    }
}
