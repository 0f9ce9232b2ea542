// The calibration set of an analog evaluation: tokens from a text disjoint from the scored one,
// passed through the model before scoring so that every tile's ADC range and output
// calibration (adc.calibration) are fitted on many distinct input vectors and then frozen,
// as a chip is calibrated after programming on inputs of its own (the per-column affine
// correction of the 64-core PCM chip of Le Gallo et al., Nature Electronics 6, 680, 2023) and
// as post-training quantisation calibrates its ranges on a few hundred training samples
// (Nagel et al., "A White Paper on Neural Network Quantization", arXiv:2106.08295, 2021).
//
// Keys (analog/analog_config.hpp): calibration.tokens (N; 0: no calibration set, the first
// adc.calibration_mvms MVMs of each layer of the scored run calibrate instead) and
// calibration.text ("": the training split of the vendored corpus, its first 90%, read from the
// start; the default scored text is the held-out tail after it, evaluation/model_inputs.hpp).
// The set is the first N tokens of that text (BOS first when the tokenizer has one), the same
// whatever run.tokens is, so `--tokens N` runs of one configuration share a calibration.
// The pass runs in the model's windows (seq_len tokens, overlapping by one, as perplexity()
// scores), so attention tiles at every position of the first window are calibrated too.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analog/analog_backend.hpp"
#include "params/config.hpp"
#include "tokenizers/tokenizer.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::evaluation {

struct CalibrationSet {
    std::vector<int> tokens;  // empty: calibration.tokens = 0
    std::string source;       // what they were read from
};

/// The calibration set `config` describes (calibration.* keys), tokenised by `tokenizer`.
/// scored_text_flag: run.text / --text of the evaluation ("": the held-out tail). InputError
/// naming the key and file when the text cannot be read or encoded, holds fewer tokens than
/// asked, is the scored text itself, or (default text) would run past the training split.
CalibrationSet calibration_set(const params::Config& config, const tokenizers::Tokenizer& tokenizer,
                               const std::string& scored_text_flag);

/// What calibrate() did, for the report (`kirchhoff run`, its JSON "calibration_set").
struct CalibrationPass {
    long tokens = 0;          // tokens of the calibration set (0: none, in_run)
    std::string source;       // its text, or which MVMs of the scored run calibrated
    long mvms = 0;            // linear-layer MVMs that calibrated, summed over layers
    long mvms_per_layer = 0;  // mvms / layers
    long attention_mvms = 0;  // attention products that calibrated (attention.on_crossbars)
    double seconds = 0;       // the calibration pass (not programming the tiles)

    /// The MVM counts from `backend` (after calibrate(), or after the scored pass when in_run).
    void count(const analog::AnalogBackend& backend, int layers);
    /// {"tokens", "source", "mvms", "mvms_per_layer", "attention_mvms", "seconds"}
    nlohmann::json to_json() const;
};

/// Prepares `backend` for `model`, runs the calibration set through it between
/// begin_calibration() and end_calibration() and leaves it frozen, in the state right after
/// prepare(). With no tokens nothing runs (the backend stays in_run; source says which MVMs
/// of the run will calibrate). Progress on stderr.
CalibrationPass calibrate(const transformer::Model& model, analog::AnalogBackend& backend, const CalibrationSet& set);

}  // namespace kirchhoff::evaluation
