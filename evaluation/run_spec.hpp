// What one evaluation runs: the model, the text, the crossbar engine and the sampled circuit
// validation (RunSpec), and its configuration keys run.*, each declared once beside its member
// in run_keys() (params/table.hpp; defaults from RunSpec{}). A sweep varies them like any
// hardware key; `kirchhoff run` sets them from --config, --set and its flags (--tokens is
// run.tokens, ...), whose help comes from the same table. Not here: the hardware keys
// (analog::analog_schema()) and the evaluation itself (model_evaluation.hpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "analog/analog_backend.hpp"
#include "params/config.hpp"
#include "params/table.hpp"

namespace kirchhoff::evaluation {

struct RunSpec {
    std::string model;      // run.model: "" is the shipped plain model (model_path())
    std::string tokenizer;  // run.tokenizer: "" is tokenizer.json / tokenizer.bin beside the model
    std::string text;       // run.text: "" is the held-out tail of the vendored corpus
    std::string tables;     // run.tables: surrogate table from `kirchhoff fit`, "" fits in-process
    int tokens = 256;       // run.tokens: 0 for all
    cosim::Engine engine = cosim::Engine::surrogate;               // ideal, surrogate or nodal
    std::optional<cosim::Engine> validate = cosim::Engine::nodal;  // run.validate_engine: nodal or spice; nullopt: none
    double validate_fraction = 0.01;
    long validate_count = 0;  // 0: no cap
    bool validate_in_background = true;
    double validate_cache_mib = 2048.0;  // run.validate_cache_mib: analog/check_cache.hpp
    bool validate_from_surrogate = true; // run.validate_start: surrogate (true) or zero_bias
    bool logit_effect = true;
    int reference_tokens = 0;  // 0: no circuit reference; else 2..tokens scored

    /// The model path to load: `model`, or the shipped plain model when it is empty.
    std::filesystem::path model_path() const;
};

/// The run.* keys, one row per RunSpec member: name, unit, range or choices, meaning.
const params::Table<RunSpec>& run_keys();

/// run_keys().schema(): the run.* keys for files, --set, studies and --help.
params::Schema run_schema();

/// The run.* keys of `config` (whose schema includes run_schema()), with run.reference_tokens
/// checked against what it can be before the text is read (0, or 2 to run.tokens).
RunSpec run_spec(const params::Config& config);

/// InputError unless run.reference_tokens = `n` is 0 or in [2, available]; `available` is the
/// number of tokens the evaluation scores, -1 before it is known.
void check_reference_tokens(long n, long available);

}  // namespace kirchhoff::evaluation
