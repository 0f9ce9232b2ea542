// Sliding-window perplexity.
#include "transformer/perplexity.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>
#include <type_traits>

#include <fmt/format.h>

#include "params/error.hpp"
#include "transformer/forward.hpp"
#include "transformer/ops.hpp"

namespace kirchhoff::transformer {

double PerplexityResult::perplexity() const { return std::exp(mean_nll_nats()); }
double PerplexityResult::bits_per_token() const { return mean_nll_nats() / std::numbers::ln2; }
double PerplexityResult::bits_per_byte() const {
    return text_bytes > 0 ? nll_sum_nats / std::numbers::ln2 / static_cast<double>(text_bytes)
                          : 0.0;
}

template <class Scalar>
double nll_nats(std::span<const Scalar> logits, int target) {
    if (target < 0 || static_cast<std::size_t>(target) >= logits.size())
        throw std::out_of_range(fmt::format("nll_nats: target id {} outside the {} logits", target,
                                            logits.size()));
    return ops::logsumexp(logits) - static_cast<double>(logits[target]);
}

template <class Scalar>
PerplexityResult perplexity(const Model& model, LinearBackend& backend,
                            std::span<const int> tokens, const PerplexityOptions& options) {
    const int seq_len = model.config.seq_len;
    PerplexityResult r;
    r.context = options.context ? options.context : seq_len;
    r.stride = options.stride ? options.stride : r.context - 1;
    if (r.context < 2 || r.context > seq_len)
        throw InputError(fmt::format("perplexity: context = {} tokens is outside [2, seq_len = {}]",
                                     r.context, seq_len));
    if (r.stride < 1 || r.stride > r.context - 1)
        throw InputError(fmt::format(
            "perplexity: stride = {} tokens is outside [1, context - 1 = {}] (consecutive "
            "windows must share a token for every token to be scored)",
            r.stride, r.context - 1));
    const std::int64_t n = static_cast<std::int64_t>(tokens.size());
    if (n < 2)
        throw InputError(fmt::format("perplexity: {} token(s) given, at least 2 are needed", n));
    // Every id indexes the embedding and the logits: check them all before the first step.
    for (std::int64_t i = 0; i < n; ++i)
        if (tokens[i] < 0 || tokens[i] >= model.config.vocab_size)
            throw InputError(fmt::format(
                "perplexity: token {} has id {}, outside the model's vocabulary [0, {}): tokenizer and "
                "model do not belong together",
                i, tokens[i], model.config.vocab_size));

    Forward<Scalar> forward(model, backend);
    const auto start = std::chrono::steady_clock::now();
    std::int64_t scored_until = 0;  // targets with index <= this were scored already
    for (std::int64_t s = 0;; s += r.stride) {
        const std::int64_t e = std::min<std::int64_t>(s + r.context, n);
        ++r.windows;
        for (std::int64_t p = 0; p < e - s; ++p) {
            const std::int64_t target = s + p + 1;
            const bool score = target < e && target > scored_until;
            // The last position's logits are needed only if its target is scored; still run
            // every position so that the window's cache is complete.
            const auto logits = forward.step(tokens[s + p], static_cast<int>(p));
            ++r.tokens_run;
            if (score) {
                r.nll_sum_nats += nll_nats<Scalar>(logits, tokens[target]);
                ++r.scored;
                if constexpr (std::is_same_v<Scalar, float>)
                    if (options.on_scored) options.on_scored(target, logits);
            }
        }
        scored_until = e - 1;
        if (e == n) break;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

PerplexityResult perplexity_of_file(const Model& model, LinearBackend& backend,
                                    const tokenizers::Tokenizer& tokenizer,
                                    const std::filesystem::path& text_file,
                                    const PerplexityOptions& options) {
    std::ifstream in(text_file, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open", text_file.string()));
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    std::vector<int> tokens;
    if (options.prepend_bos && tokenizer.bos()) tokens.push_back(*tokenizer.bos());
    try {
        const std::vector<int> body = tokenizer.encode(text);
        tokens.insert(tokens.end(), body.begin(), body.end());
    } catch (const InputError& e) {
        throw InputError(fmt::format("{}: {}", text_file.string(), e.what()));
    }
    for (int t : tokens)
        if (t < 0 || t >= model.config.vocab_size)
            throw InputError(fmt::format(
                "{}: token id {} from the tokenizer ({}, vocab_size {}) is outside the model's "
                "vocabulary of {}: tokenizer and model do not belong together",
                text_file.string(), t, tokenizer.kind(), tokenizer.vocab_size(),
                model.config.vocab_size));
    if (tokens.size() < 2)
        throw InputError(fmt::format("{}: {} token(s) after tokenization, at least 2 are needed",
                                     text_file.string(), tokens.size()));
    PerplexityResult r = perplexity<float>(model, backend, tokens, options);
    r.text_bytes = static_cast<std::int64_t>(text.size());
    return r;
}

template double nll_nats<float>(std::span<const float>, int);
template double nll_nats<double>(std::span<const double>, int);
template PerplexityResult perplexity<float>(const Model&, LinearBackend&, std::span<const int>,
                                            const PerplexityOptions&);
template PerplexityResult perplexity<double>(const Model&, LinearBackend&, std::span<const int>,
                                             const PerplexityOptions&);

}  // namespace kirchhoff::transformer
