// The model-level circuit reference (circuit_reference.hpp).
#include "evaluation/circuit_reference.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "evaluation/pass_progress.hpp"
#include "transformer/linear_backend.hpp"

namespace kirchhoff::evaluation {

void WindowScore::add(std::int64_t target, std::span<const float> logits) {
    if (target >= end_) return;
    result_.nll_sum_nats += transformer::nll_nats<float>(logits, tokens_[std::size_t(target)]);
    ++result_.scored;
}

std::optional<double> CircuitReference::engine_error_share() const {
    const double analog_error = std::abs(ppl_circuit() - digital.perplexity());
    if (analog_error == 0) return std::nullopt;
    return std::abs(analog.perplexity() - ppl_circuit()) / analog_error;
}

nlohmann::json CircuitReference::to_json() const {
    const auto share = engine_error_share();
    return {{"tokens", tokens},
            {"engine", engine},
            {"engine_is_circuit", engine_is_circuit},
            {"ppl_circuit", ppl_circuit()},
            {"ppl_analog_window", analog.perplexity()},
            {"ppl_digital_window", digital.perplexity()},
            {"engine_error_share", share ? nlohmann::json(*share) : nlohmann::json(nullptr)},
            {"prepare_s", prepare_s},
            {"seconds", seconds},
            {"tokens_per_s", circuit.tokens_per_second()}};
}

CircuitReference circuit_reference(const transformer::Model& model, std::span<const int> tokens,
                                   const analog::AnalogBackend& engine,
                                   const transformer::PerplexityResult& analog_window,
                                   const CalibrationSet& calibration) {
    CircuitReference r;
    r.tokens = std::int64_t(tokens.size());
    r.engine = std::string(cosim::to_string(engine.options().engine));
    r.analog = analog_window;
    transformer::IdealBackend digital;
    r.digital = transformer::perplexity<float>(model, digital, tokens);
    if (engine.options().engine == cosim::Engine::nodal) {
        r.engine_is_circuit = true;
        r.circuit = analog_window;
        return r;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const std::unique_ptr<analog::AnalogBackend> circuit = engine.on_same_tiles(cosim::Engine::nodal, model);
    calibrate(model, *circuit, calibration);  // the evaluation's calibration set, read through the circuit
    r.prepare_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(stderr, "circuit reference: the first {} tokens with every MVM solved by the nodal engine\n", r.tokens);
    PassProgress progress("circuit reference", r.tokens - 1);
    std::int64_t scored = 0;
    transformer::PerplexityOptions po;
    po.on_scored = [&](std::int64_t, std::span<const float>) { progress.scored(++scored); };
    r.circuit = transformer::perplexity<float>(model, *circuit, tokens, po);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace kirchhoff::evaluation
