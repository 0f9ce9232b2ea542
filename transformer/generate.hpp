// Text generation: greedy (temperature 0) or sampled (temperature > 0, optional top-p),
// seeded and reproducible: the same model, prompt, options and seed give the same tokens on
// any machine and at any thread count (the random stream is xorshift64*, not std::
// distributions, whose outputs differ between standard libraries).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::transformer {

struct SamplingOptions {
    double temperature = 0.0;  // 0: greedy argmax (lowest id on ties); > 0: softmax(logits/T)
    double top_p = 1.0;        // nucleus: sample among the most likely tokens whose
                               // probabilities sum to at least top_p; 1 = all
    std::uint64_t seed = 1;
};

/// Picks the next token from logits. One instance = one random stream.
class Sampler {
public:
    /// InputError for temperature < 0 or top_p outside (0, 1].
    explicit Sampler(const SamplingOptions& options);
    int sample(std::span<const float> logits);
    /// Uniform in [0, 1), 53 random bits.
    double uniform();

private:
    SamplingOptions options_;
    std::uint64_t state_;
    std::vector<std::pair<double, int>> sorted_;  // scratch for top-p
};

struct GenerateOptions {
    int steps = 64;                 // new tokens at most (also bounded by seq_len)
    SamplingOptions sampling;
    std::vector<int> stop_tokens;   // the model's end of sequence (end_of_sequence_tokens): stop after emitting one
};

/// The most tokens generate() can produce after a prompt of `prompt_tokens` on a model of
/// `seq_len` positions: every new token but the last must be run at a position < seq_len.
int max_new_tokens(int seq_len, int prompt_tokens);

/// Runs `prompt` (at least one token, e.g. BOS; at most seq_len) and then generates up to
/// min(steps, max_new_tokens) tokens, stopping after a stop token,
/// calling on_token for each as it is produced. Returns the new tokens (not the prompt).
std::vector<int> generate(const Model& model, LinearBackend& backend, std::span<const int> prompt,
                          const GenerateOptions& options,
                          const std::function<void(int)>& on_token = {});

}  // namespace kirchhoff::transformer
