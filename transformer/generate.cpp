// Sampling and the generation loop.
#include "transformer/generate.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "params/error.hpp"
#include "transformer/forward.hpp"

namespace kirchhoff::transformer {

Sampler::Sampler(const SamplingOptions& options)
    : options_(options), state_(options.seed ? options.seed : 0x9E3779B97F4A7C15ull) {
    if (!(options.temperature >= 0.0))
        throw InputError(fmt::format("temperature = {} must be >= 0 (0 is greedy)",
                                     options.temperature));
    if (!(options.top_p > 0.0 && options.top_p <= 1.0))
        throw InputError(fmt::format("top_p = {} is outside (0, 1]", options.top_p));
}

// xorshift64* (Vigna 2016), as llama2.c's sampler uses.
double Sampler::uniform() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const std::uint64_t x = state_ * 0x2545F4914F6CDD1Dull;
    return static_cast<double>(x >> 11) * 0x1.0p-53;
}

int Sampler::sample(std::span<const float> logits) {
    const int n = static_cast<int>(logits.size());
    if (options_.temperature == 0.0)
        return static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    double max = logits[0];
    for (float v : logits) max = std::max(max, static_cast<double>(v));
    sorted_.resize(n);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        const double p = std::exp((logits[i] - max) / options_.temperature);
        sorted_[i] = {p, i};
        sum += p;
    }
    int keep = n;
    if (options_.top_p < 1.0) {
        std::sort(sorted_.begin(), sorted_.end(),
                  [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
        double cum = 0;
        keep = 0;
        while (keep < n && cum < options_.top_p * sum) cum += sorted_[keep++].first;
        sum = cum;
    }
    const double r = uniform() * sum;
    double cdf = 0;
    for (int i = 0; i < keep; ++i) {
        cdf += sorted_[i].first;
        if (r < cdf) return sorted_[i].second;
    }
    return sorted_[keep - 1].second;  // rounding at the top end
}

int max_new_tokens(int seq_len, int prompt_tokens) { return std::max(0, seq_len - prompt_tokens + 1); }

std::vector<int> generate(const Model& model, LinearBackend& backend, std::span<const int> prompt,
                          const GenerateOptions& options,
                          const std::function<void(int)>& on_token) {
    const int seq_len = model.config.seq_len;
    if (prompt.empty())
        throw InputError("generate: the prompt is empty (start it with the tokenizer's BOS)");
    if (static_cast<int>(prompt.size()) > seq_len)
        throw InputError(fmt::format("generate: the prompt has {} tokens, more than seq_len = {}",
                                     prompt.size(), seq_len));
    if (options.steps < 0)
        throw InputError(fmt::format("generate: steps = {} must be >= 0", options.steps));
    Sampler sampler(options.sampling);
    Forward<float> forward(model, backend);
    std::span<const float> logits;
    for (std::size_t p = 0; p < prompt.size(); ++p)
        logits = forward.step(prompt[p], static_cast<int>(p));
    std::vector<int> out;
    int pos = static_cast<int>(prompt.size());
    while (static_cast<int>(out.size()) < options.steps) {
        const int next = sampler.sample(logits);
        out.push_back(next);
        if (on_token) on_token(next);
        if (std::find(options.stop_tokens.begin(), options.stop_tokens.end(), next) != options.stop_tokens.end()) break;
        if (pos >= seq_len) break;  // no room to run the new token
        logits = forward.step(next, pos++);
    }
    return out;
}

}  // namespace kirchhoff::transformer
