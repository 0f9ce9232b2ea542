// One evaluation of a transformer on simulated crossbars: what `kirchhoff run` prints and what
// every point of `kirchhoff sweep` records.
//
// An evaluation scores the same tokens twice: in float32 (digital reference) and through the
// analog backend (analog/analog_backend.hpp) under a hardware configuration (analog_schema()
// keys), with a sampled fraction of the MVMs re-solved as full circuits. When anything was
// validated, a shadow pass replays the same tokens with the same noise draws and ADC ranges,
// but every validated MVM returns the circuit's outputs: its perplexity, the mean
// KL(analog || shadow) of the next-token distributions over the scored positions, and the
// NMSE of the shadow logits against the analog ones measure the validation's effect on the
// model's output. The analog perplexity always comes from the engine alone.
//
// Before either analog pass the calibration set (calibration_set.hpp; calibration.* keys) runs
// through the backend and freezes its ADC ranges and output calibration; the shadow pass and
// the circuit reference see the same calibration set. Energy, op counts, tokens/s and the
// scored tokens are those of the scored pass alone.
//
// With run.reference_tokens = N, the first N tokens are also scored with every MVM solved as a
// full circuit (circuit_reference.hpp): ppl_circuit beside the engine's and the digital
// perplexity over the same tokens, and the engine's share of the analog error.
//
// What to run (model, text, engine, validation) is described by the run.* keys of
// run_schema(), so a sweep can vary them like any hardware key; `kirchhoff run` fills the same
// RunSpec from its flags.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analog/analog_backend.hpp"
#include "analog/energy_model.hpp"
#include "evaluation/calibration_set.hpp"
#include "evaluation/circuit_reference.hpp"
#include "params/config.hpp"
#include "tokenizers/tokenizer.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

namespace kirchhoff::evaluation {

/// The run.* keys:
///   run.model             text    ""         llama2.c .bin or Hugging Face folder ("": the shipped plain model)
///   run.tokenizer         text    ""         tokenizer file ("": tokenizer.json / .bin beside the model)
///   run.text              text    ""         text to score ("": held-out tail of the vendored corpus)
///   run.tokens            integer 256        score the first N tokens, 0 for all
///   run.engine            choice  surrogate  ideal | surrogate | nodal
///   run.tables            text    ""         surrogate table from `kirchhoff fit` ("": fit in-process)
///   run.validate_engine   choice  nodal      none | nodal | spice
///   run.validate_fraction real    0.01       of each layer's MVMs after ADC calibration, [0, 1]
///   run.validate_count    integer 0          at most N validated MVMs per layer, 0 for no cap
///   run.validate_in_background boolean true  re-solve on a worker thread while inference goes on
///   run.validate_cache_mib real   2048       MiB of ohmic tiles' factorisations kept for nodal validation
///   run.logit_effect      boolean true       run the shadow pass when anything was validated
///   run.reference_tokens  integer 0          score the first N tokens with every MVM a nodal circuit, 0 for none
params::Schema run_schema();

/// analog::analog_schema() plus run_schema(): everything one evaluation reads.
params::Schema evaluation_schema();

struct RunSpec {
    std::string model;      // "": the shipped plain model
    std::string tokenizer, text, tables;
    int tokens = 256;
    analog::EngineKind engine = analog::EngineKind::surrogate;
    analog::CheckEngine validate = analog::CheckEngine::nodal;
    double validate_fraction = 0.01;
    long validate_count = 0;
    bool validate_in_background = true;
    double validate_cache_mib = 2048.0;  // analog/check_cache.hpp
    bool logit_effect = true;
    int reference_tokens = 0;  // 0: no circuit reference; else 2..tokens scored

    /// The model path to load: `model`, or the shipped plain model when it is empty.
    std::filesystem::path model_path() const;
};

/// The run.* keys of `config` (whose schema includes run_schema()).
RunSpec run_spec(const params::Config& config);

/// The memory budget (solver.memory_budget_mib) against the circuit solves `spec` will run at
/// once (analog/solve_budget.hpp): InputError naming the key and the estimate. evaluate() checks
/// it first; a sweep checks every point before the first runs.
void check_evaluation_memory(const params::Config& config, const RunSpec& spec);

struct LogitEffect {
    double ppl_circuit_substituted = 0;  // perplexity with validated MVMs taken from the circuit
    double kl_mean_nats = 0;             // mean over scored positions of KL(analog || shadow)
    double logit_nmse = 0;               // sum |shadow - analog|^2 / sum |analog|^2
};

struct Evaluation {
    std::string model;        // path loaded
    std::string text_source;  // what was scored
    std::string engine;           // ideal | surrogate | nodal
    std::string validate_engine;  // none | nodal | spice
    std::string calibration;      // adc.calibration in force: none | global | per_column
    CalibrationPass calibration_set;  // what fitted it (and the ADC ranges): the calibration set, or the run's first MVMs
    std::size_t tokens = 0;
    int tiles = 0;
    transformer::PerplexityResult digital, analog;
    double tokens_per_s = 0;                  // analog, without waiting for validation solves
    double tokens_per_s_with_validation = 0;  // analog, wall time including them
    double prepare_s = 0;                     // programming the tiles
    double validation_s = 0;                  // circuit solves
    double seconds = 0;                       // the whole evaluation
    std::vector<analog::ValidationStats> validation;  // per layer
    std::optional<LogitEffect> logit_effect;
    std::optional<CircuitReference> reference;  // run.reference_tokens > 0
    analog::EnergyReport energy;  // per token, of the analog pass (energy.* keys; validation and calibration set not counted)

    /// {"model", "engine", "calibration", "calibration_set": CalibrationPass::to_json(), "tokens", "tiles", "ppl_digital", "ppl_analog",
    ///  "bits_per_token_digital", "bits_per_token_analog", "tokens_per_s",
    ///  "tokens_per_s_digital", "tokens_per_s_with_validation", "prepare_s", "validation_s",
    ///  "seconds", "validation": [{"layer", "count", "nmse", "max_rel_err", "correlation"}],
    ///  "logit_effect": {...} when run, "circuit_reference": CircuitReference::to_json() when
    ///  run, "energy_per_token_j", "latency_per_token_s",
    ///  "energy": EnergyReport::to_json()}
    nlohmann::json to_json() const;
    /// Over all validated MVMs of all layers: sum of squared errors / sum of squared
    /// references (0 when nothing was validated; to_json writes null then).
    double validation_nmse() const;
    long validated() const;
    /// Sampled MVMs whose circuit solve failed (recorded, not in the statistics).
    long validation_failed() const;
};

/// What does not change between evaluations of the same model on the same text: the model,
/// its tokenizer, the tokens and the digital perplexity. A sweep keeps one cache so that its
/// points load and score the model once.
class ModelCache {
public:
    struct Entry {
        transformer::Model model;
        std::unique_ptr<tokenizers::Tokenizer> tokenizer;
        std::vector<int> tokens;
        std::string text_source;
        transformer::PerplexityResult digital;
    };
    /// Loads (and scores digitally) on the first request for (model, tokenizer, text, tokens).
    const Entry& get(const RunSpec& spec);

private:
    std::map<std::string, std::unique_ptr<Entry>> entries_;
};

/// Evaluates `spec` under the hardware configuration `config` (analog_schema() keys; extra
/// keys are ignored). InputError for bad inputs (model, tokenizer, text, tables, keys);
/// cosim::SpiceError and similar for a circuit that fails. Progress goes to stderr.
Evaluation evaluate(const params::Config& config, const RunSpec& spec, ModelCache* cache = nullptr);

}  // namespace kirchhoff::evaluation
