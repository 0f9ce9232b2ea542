// Perplexity (values on models whose answer is known, the sliding-window policy against an
// independent per-window computation) and generation (greedy, seeded sampling, top-p).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "params/error.hpp"
#include "tiny_models.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "transformer/generate.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::transformer;
using namespace kirchhoff::transformer::testing;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

PerplexityOptions windows(int context, int stride) {
    PerplexityOptions o;
    o.context = context;
    o.stride = stride;
    return o;
}

GenerateOptions steps(int n, std::optional<int> stop = std::nullopt) {
    GenerateOptions o;
    o.steps = n;
    if (stop) o.stop_tokens = {*stop};
    return o;
}

SamplingOptions sampling(double temperature, double top_p, std::uint64_t seed) {
    SamplingOptions o;
    o.temperature = temperature;
    o.top_p = top_p;
    o.seed = seed;
    return o;
}

// Blocks contribute nothing (zero o and down); with dim = 2 V (an even head size for RoPE),
// logits = C rmsnorm(onehot(t)) = C sqrt(2 V) onehot(t): the classifier C decides. With C[(t+1) % V][t] = scale the model predicts
// "next id" with confidence set by scale; with C = 0 every token is equally likely.
Model successor_model(int vocab, float scale) {
    ModelConfig c;
    c.dim = 2 * vocab;
    c.hidden_dim = 4;
    c.n_layers = 1;
    c.n_heads = 1;
    c.n_kv_heads = 1;
    c.vocab_size = vocab;
    c.seq_len = 16;
    c.shared_classifier = false;
    Model m = make_model(c);
    for (int t = 0; t < vocab; ++t) {
        m.token_embedding[static_cast<std::size_t>(t) * c.dim + t] = 1.0f;
        m.classifier.weight[static_cast<std::size_t>((t + 1) % vocab) * c.dim + t] = scale;
    }
    return m;
}

double log_softmax_at(const std::vector<double>& logits, int k) {
    double max = logits[0], sum = 0;
    for (double v : logits) max = std::max(max, v);
    for (double v : logits) sum += std::exp(v - max);
    return logits[k] - max - std::log(sum);
}

}  // namespace

TEST_CASE("perplexity of a uniform model is the vocabulary size", "[transformer][perplexity]") {
    const Model m = successor_model(7, 0.0f);  // all logits zero
    IdealBackend ideal;
    const std::vector<int> tokens{0, 3, 1, 6, 2, 2, 5, 4, 0, 1};
    const auto r = perplexity<float>(m, ideal, tokens);
    CHECK(r.scored == 9);
    CHECK_THAT(r.perplexity(), WithinRel(7.0, 1e-12));
    CHECK_THAT(r.bits_per_token(), WithinRel(std::log2(7.0), 1e-12));
}

TEST_CASE("perplexity of a confident, correct model approaches one", "[transformer][perplexity]") {
    const int V = 5;
    const Model m = successor_model(V, 3.0f);  // logit of the successor: 3 sqrt(10)
    IdealBackend ideal;
    std::vector<int> tokens;
    for (int i = 0; i < 40; ++i) tokens.push_back(i % V);  // always the successor
    const auto r = perplexity<double>(m, ideal, tokens, windows(16, 15));
    // each target: p = e^a / (e^a + (V - 1)), a = 3 / sqrt(1 / (2 V) + eps) (RMSNorm of a
    // one-hot in dim = 2 V, epsilon included)
    const double a = 3.0 / std::sqrt(1.0 / 10.0 + static_cast<double>(1e-5f));
    const double p = std::exp(a) / (std::exp(a) + (V - 1));
    CHECK(r.scored == 39);
    CHECK(r.windows == 3);  // windows [0,16) [15,31) [30,40)
    CHECK_THAT(r.perplexity(), WithinRel(1.0 / p, 1e-9));
}

TEST_CASE("sliding windows score each token once with the stated context",
          "[transformer][perplexity]") {
    const Model m = tiny_llama(41, true);  // seq_len 12
    std::vector<int> tokens;
    for (int i = 0; i < 30; ++i) tokens.push_back((i * 7 + 3) % m.config.vocab_size);
    IdealBackend ideal;
    const int context = 8, stride = 3;
    const auto r = perplexity<double>(m, ideal, tokens, windows(context, stride));
    // Independent computation: window starts 0, 3, 6, ... ; target t is scored by the first
    // window that contains it as a non-first position and has not scored it before.
    double nll = 0;
    int scored = 0, n_windows = 0;
    int scored_until = 0;
    for (int s = 0;; s += stride) {
        const int e = std::min<int>(s + context, static_cast<int>(tokens.size()));
        ++n_windows;
        const std::vector<int> window(tokens.begin() + s, tokens.begin() + e);
        const Mat logits = reference_logits(m, window);
        for (int t = std::max(s + 1, scored_until + 1); t < e; ++t) {
            nll -= log_softmax_at(logits[t - s - 1], tokens[t]);
            ++scored;
        }
        scored_until = e - 1;
        if (e == static_cast<int>(tokens.size())) break;
    }
    CHECK(r.scored == 29);
    CHECK(scored == 29);
    CHECK(r.windows == n_windows);
    CHECK_THAT(r.nll_sum_nats, WithinRel(nll, 1e-10));
    const auto r32 = perplexity<float>(m, ideal, tokens, windows(context, stride));
    CHECK_THAT(r32.perplexity(), WithinRel(r.perplexity(), 1e-5));

    CHECK_THROWS_WITH(perplexity<float>(m, ideal, tokens, windows(13, 0)),
                      ContainsSubstring("context = 13") && ContainsSubstring("seq_len = 12"));
    CHECK_THROWS_WITH(perplexity<float>(m, ideal, tokens, windows(8, 8)),
                      ContainsSubstring("stride = 8") && ContainsSubstring("context - 1 = 7"));
    CHECK_THROWS_AS(perplexity<float>(m, ideal, std::vector<int>{1}), InputError);
}

TEST_CASE("perplexity of a text file with a character tokenizer", "[transformer][perplexity]") {
    const std::string text = "abracadabra, abracadabra.\n";
    const auto path = temp_dir() / "ppl.txt";
    std::ofstream(path, std::ios::binary) << text;
    const tokenizers::CharTokenizer tok = tokenizers::CharTokenizer::from_corpus(text);
    ModelConfig c;
    c.dim = 8;
    c.hidden_dim = 16;
    c.n_layers = 1;
    c.n_heads = 2;
    c.n_kv_heads = 1;
    c.vocab_size = tok.vocab_size();
    c.seq_len = 10;
    Model m = make_model(c);
    randomize(m, 5);
    IdealBackend ideal;
    const auto r = perplexity_of_file(m, ideal, tok, path);
    CHECK(r.scored == static_cast<std::int64_t>(text.size()) - 1);  // no BOS in a char vocab
    CHECK(r.text_bytes == static_cast<std::int64_t>(text.size()));
    CHECK_THAT(r.bits_per_byte(), WithinRel(r.nll_sum_nats / std::log(2.0) / text.size(), 1e-12));
    CHECK(r.tokens_per_second() > 0);
    std::ofstream(path, std::ios::binary) << "xyz";
    CHECK_THROWS_WITH(perplexity_of_file(m, ideal, tok, path),
                      ContainsSubstring(path.string()) && ContainsSubstring("'x'"));
}

TEST_CASE("greedy generation follows the model; sampling is seeded", "[transformer][generate]") {
    const int V = 6;
    const Model m = successor_model(V, 3.0f);
    IdealBackend ideal;
    std::vector<int> streamed;
    const auto greedy = generate(m, ideal, std::vector<int>{2}, steps(8),
                                 [&](int t) { streamed.push_back(t); });
    CHECK(greedy == std::vector<int>{3, 4, 5, 0, 1, 2, 3, 4});
    CHECK(streamed == greedy);
    // The stop token ends generation; seq_len = 16 bounds it: after a 15-token prompt, the
    // logits of position 14 give one token, position 15 another, and there is no position 16.
    CHECK(generate(m, ideal, std::vector<int>{2}, steps(8, 5)) == std::vector<int>{3, 4, 5});
    const std::vector<int> long_prompt(15, 0);
    CHECK(generate(m, ideal, long_prompt, steps(8)).size() == 2);

    // Sampling: same seed, same tokens; another seed, another stream; high temperature spreads
    GenerateOptions hot = steps(15);
    hot.sampling = sampling(50.0, 1.0, 7);
    const auto a = generate(m, ideal, std::vector<int>{0}, hot);
    CHECK(a == generate(m, ideal, std::vector<int>{0}, hot));
    GenerateOptions other = hot;
    other.sampling.seed = 8;
    CHECK(a != generate(m, ideal, std::vector<int>{0}, other));
    CHECK(std::set<int>(a.begin(), a.end()).size() > 2);
    // A tiny nucleus keeps only the most likely token: sampling equals greedy
    GenerateOptions nucleus = steps(8);
    nucleus.sampling = sampling(1.0, 1e-9, 3);
    CHECK(generate(m, ideal, std::vector<int>{2}, nucleus) == greedy);
    CHECK_THROWS_AS(Sampler(sampling(-1.0, 1.0, 1)), InputError);
    CHECK_THROWS_AS(Sampler(sampling(1.0, 0.0, 1)), InputError);
}

TEST_CASE("sampler draws tokens with the softmax probabilities", "[transformer][generate]") {
    Sampler s(sampling(1.0, 1.0, 42));
    const std::vector<float> logits{0.0f, std::log(3.0f)};  // p = 1/4, 3/4
    int ones = 0;
    const int n = 40000;
    for (int i = 0; i < n; ++i) ones += s.sample(logits);
    CHECK_THAT(ones / double(n), WithinAbs(0.75, 0.01));  // 4.6 sigma
}

TEST_CASE("token ids outside the model's vocabulary are refused before any logits are read",
          "[transformer][perplexity][hardening]") {
    const Model m = successor_model(7, 0.0f);
    IdealBackend ideal;
    // A tokenizer with a larger vocabulary than the model: id 9 read past the 7 logits.
    const std::vector<int> tokens{0, 3, 9, 1};
    CHECK_THROWS_AS(perplexity<float>(m, ideal, tokens), InputError);
    CHECK_THROWS_WITH(perplexity<float>(m, ideal, tokens), Catch::Matchers::ContainsSubstring("id 9") &&
                                                               Catch::Matchers::ContainsSubstring("[0, 7)"));
    const std::vector<int> negative{0, -1, 2};
    CHECK_THROWS_AS(perplexity<float>(m, ideal, negative), InputError);
}
