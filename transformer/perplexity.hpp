// Perplexity and bits per token of a model on a token sequence or a text file.
//
// Context/stride policy (sliding windows, as in Hugging Face's perplexity guide):
// windows of `context` tokens start at 0, stride, 2 stride, ... until a window reaches the
// last token. Each window runs from an empty KV cache. The first window scores every target
// in it (token i+1 predicted from tokens 0..i); each later window scores only the targets no
// earlier window scored, i.e. its last `stride` targets, each predicted from at least
// context - stride tokens. So every token after the first is scored exactly once; that needs
// stride <= context - 1 (consecutive windows share at least one token).
// stride = context - 1 (the default) is the cheapest: windows overlap by one token, and the
// tokens at the start of each window see little context. Smaller strides cost
// context / stride forward steps per scored token and give every token more context.
// The first token is never scored (perplexity_of_file prepends BOS when the tokenizer has
// one, so that the first text token is scored too).
// Per target: nll = logsumexp(logits) - logits[target] in nats, accumulated in double.
// perplexity = exp(mean nll); bits per token = mean nll / ln 2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>

#include "tokenizers/tokenizer.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::transformer {

struct PerplexityOptions {
    int context = 0;  // window length in tokens, 2..seq_len; 0 means the model's seq_len
    int stride = 0;   // window advance in tokens, 1..context - 1; 0 means context - 1
    bool prepend_bos = true;  // perplexity_of_file: start with the tokenizer's BOS if any
    /// Called with the logits of every scored target, in order (target: its index in the
    /// tokens), for comparing two runs position by position. float32 runs only.
    std::function<void(std::int64_t target, std::span<const float> logits)> on_scored;
};

struct PerplexityResult {
    double nll_sum_nats = 0;      // sum over scored targets
    std::int64_t scored = 0;      // targets scored (= tokens - 1)
    std::int64_t tokens_run = 0;  // forward steps taken (> scored when windows overlap)
    std::int64_t windows = 0;
    std::int64_t text_bytes = 0;  // perplexity_of_file: bytes of text (for bits per byte)
    double seconds = 0;           // wall time of the forward passes
    int context = 0;              // the effective policy
    int stride = 0;

    double mean_nll_nats() const { return scored ? nll_sum_nats / scored : 0.0; }
    double perplexity() const;
    double bits_per_token() const;
    /// Total bits over text bytes; 0 when text_bytes is unknown.
    double bits_per_byte() const;
    double tokens_per_second() const { return seconds > 0 ? tokens_run / seconds : 0.0; }
};

/// The negative log-likelihood of `target` under softmax(logits), in nats: logsumexp(logits)
/// minus logits[target], what perplexity() sums per scored target (Scalar = float or double).
template <class Scalar>
double nll_nats(std::span<const Scalar> logits, int target);

/// InputError for fewer than 2 tokens or a context/stride outside the allowed ranges.
/// Scalar = float (production) or double (reference; needs backend.matvec_f64).
template <class Scalar>
PerplexityResult perplexity(const Model& model, LinearBackend& backend,
                            std::span<const int> tokens, const PerplexityOptions& options = {});

/// Reads `text_file` (UTF-8 or bytes), tokenizes it whole, and scores it in float32.
/// InputError naming the file when it cannot be read or is too short.
PerplexityResult perplexity_of_file(const Model& model, LinearBackend& backend,
                                    const tokenizers::Tokenizer& tokenizer,
                                    const std::filesystem::path& text_file,
                                    const PerplexityOptions& options = {});

extern template double nll_nats<float>(std::span<const float>, int);
extern template double nll_nats<double>(std::span<const double>, int);
extern template PerplexityResult perplexity<float>(const Model&, LinearBackend&,
                                                   std::span<const int>,
                                                   const PerplexityOptions&);
extern template PerplexityResult perplexity<double>(const Model&, LinearBackend&,
                                                    std::span<const int>,
                                                    const PerplexityOptions&);

}  // namespace kirchhoff::transformer
