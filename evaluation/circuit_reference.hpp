// The model-level circuit reference of an evaluation (run.reference_tokens = N): how far the
// engine's perplexity is from the perplexity with every MVM solved as a full circuit.
//
// The first N tokens of the evaluation are scored again on a backend with the nodal engine on
// the tiles the evaluation's backend programmed (AnalogBackend::on_same_tiles: the same
// conductances, programming noise, drift and faults, copied), from the state right after
// programming: the same read-noise streams, and its own ADC and output calibration, read
// through the circuit on the evaluation's calibration set (calibration_set.hpp; without one,
// over its first adc.calibration_mvms MVMs), as `kirchhoff run --engine nodal` has. So
// ppl_circuit is bit for bit the perplexity of `kirchhoff run --engine nodal` on those N
// tokens (tested).
// Beside it, over the same N - 1 targets: the engine's perplexity, summed from the logits of
// the evaluation's own pass (WindowScore: a target's logits depend only on the calls before
// it, which a pass over the first N tokens makes in the same order), and the digital one.
// The engine's share of the analog error:
//     share = |ppl_analog_window - ppl_circuit| / |ppl_circuit - ppl_digital_window|
// 0 when the engine gives the circuit's perplexity, 1 when its error is as large as the whole
// effect of the analog hardware on the perplexity (it can exceed 1). When the engine is itself
// nodal, ppl_circuit is the engine's own perplexity over the window (nothing runs twice) and
// the share is 0 by construction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "analog/analog_backend.hpp"
#include "evaluation/calibration_set.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

namespace kirchhoff::evaluation {

/// The targets below `end` of a pass over `tokens`, summed in scoring order from the logits
/// PerplexityOptions::on_scored gives: bit for bit what perplexity<float>() over
/// tokens[0, end) sums (the same nll_nats, the same order). `tokens` must outlive this.
class WindowScore {
public:
    WindowScore(std::span<const int> tokens, std::int64_t end) : tokens_(tokens), end_(end) {}
    void add(std::int64_t target, std::span<const float> logits);
    const transformer::PerplexityResult& result() const { return result_; }

private:
    std::span<const int> tokens_;
    std::int64_t end_;
    transformer::PerplexityResult result_;
};

struct CircuitReference {
    std::int64_t tokens = 0;         // N: the evaluation's first N tokens (N - 1 targets scored)
    std::string engine;              // the evaluation's engine: ideal | surrogate | nodal
    bool engine_is_circuit = false;  // nodal: circuit is the engine's own pass over the window
    transformer::PerplexityResult circuit, analog, digital;  // over the window
    double prepare_s = 0;            // copying the tiles and building their circuit engines
    double seconds = 0;              // the circuit pass, prepare_s included (0: engine_is_circuit)

    double ppl_circuit() const { return circuit.perplexity(); }
    /// |ppl_analog - ppl_circuit| / |ppl_circuit - ppl_digital| over the window; nullopt when
    /// the circuit's perplexity equals the digital one (no analog error to share).
    std::optional<double> engine_error_share() const;
    /// {"tokens", "engine", "engine_is_circuit", "ppl_circuit", "ppl_analog_window",
    ///  "ppl_digital_window", "engine_error_share" (null when undefined), "prepare_s",
    ///  "seconds", "tokens_per_s"}
    nlohmann::json to_json() const;
};

/// The reference over `tokens` (the evaluation's first N, N >= 2): `engine` is the
/// evaluation's backend after its pass (prepared for `model`), `analog_window` its WindowScore
/// of these tokens, `calibration` the evaluation's calibration set (run through the circuit
/// backend first; empty: none). Progress of the circuit pass goes to stderr; prepare_s and
/// seconds include the circuit's calibration pass.
CircuitReference circuit_reference(const transformer::Model& model, std::span<const int> tokens,
                                   const analog::AnalogBackend& engine,
                                   const transformer::PerplexityResult& analog_window,
                                   const CalibrationSet& calibration);

}  // namespace kirchhoff::evaluation
