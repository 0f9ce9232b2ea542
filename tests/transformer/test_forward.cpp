// Forward pass: a hand-computed model, the independent whole-sequence reference, float32 vs
// float64, KV cache vs full sequence, thread-count independence, and the seam's call order.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <map>
#include <vector>

#include <omp.h>

#include "tiny_models.hpp"
#include "transformer/forward.hpp"
#include "transformer/linear_backend.hpp"

using namespace kirchhoff::transformer;
using namespace kirchhoff::transformer::testing;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("a one-block Llama model matches the logits computed by hand", "[transformer]") {
    ModelConfig c;
    c.dim = 2;
    c.hidden_dim = 2;
    c.n_layers = 1;
    c.n_heads = 1;
    c.n_kv_heads = 1;
    c.vocab_size = 2;
    c.seq_len = 4;
    c.norm_eps = 1e-30f;  // negligible: keeps the hand arithmetic exact
    c.shared_classifier = true;
    Model m = make_model(c);
    m.classifier.weight = {1, 0, 0, 2};  // E: token 0 -> (1, 0), token 1 -> (0, 2)
    m.blocks[0].q.weight = {1, 0, 0, 1};
    m.blocks[0].k.weight = {1, 0, 0, 1};
    m.blocks[0].v.weight = {0, 1, 1, 0};  // swap
    m.blocks[0].o.weight = {1, 0, 0, 1};
    m.blocks[0].gate.weight = {1, 0, 0, 0};
    m.blocks[0].up.weight = {1, 0, 0, 1};
    m.blocks[0].down.weight = {0, 0, 1, 0};

    // Token 0 at position 0 (RoPE angle 0, attention over one position returns v):
    //   x = (1, 0);  rmsnorm -> (sqrt2, 0);  v = (0, sqrt2);  x = (1, sqrt2)
    //   rmsnorm(x) = x / sqrt(3/2) = (a, b);  gate = (a, 0);  up = (a, b)
    //   h = (silu(a) a, 0);  down -> (0, silu(a) a);  x = (1, sqrt2 + silu(a) a)
    //   logits = E rmsnorm(x)
    const double a = 1 / std::sqrt(1.5);
    const double h0 = a / (1 + std::exp(-a)) * a;
    const double x1 = std::sqrt(2.0) + h0;
    const double s = 1 / std::sqrt((1 + x1 * x1) / 2);
    const double want0 = 1 * s, want1 = 2 * x1 * s;  // = (0.66509..., 2.49612...)
    CHECK_THAT(want0, WithinAbs(0.66509, 1e-5));
    CHECK_THAT(want1, WithinAbs(2.49612, 1e-5));

    IdealBackend ideal;
    Forward<double> f64(m, ideal);
    const auto l64 = f64.step(0, 0);
    CHECK_THAT(l64[0], WithinRel(want0, 1e-12));
    CHECK_THAT(l64[1], WithinRel(want1, 1e-12));
    Forward<float> f32(m, ideal);
    const auto l32 = f32.step(0, 0);
    CHECK_THAT(l32[0], WithinRel(want0, 1e-6));
    CHECK_THAT(l32[1], WithinRel(want1, 1e-6));
}

TEST_CASE("forward pass matches the independent whole-sequence reference", "[transformer]") {
    const std::vector<int> tokens{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    for (const bool gpt2 : {false, true}) {
        for (const bool shared : {false, true}) {
            if (gpt2 && !shared) continue;
            Model m = gpt2 ? tiny_gpt2(7) : tiny_llama(7, shared);
            INFO("architecture " << architecture_name(m.config.arch) << " shared " << shared);
            const Mat ref = reference_logits(m, tokens);
            IdealBackend ideal;
            Forward<double> f64(m, ideal);
            Forward<float> f32(m, ideal);
            for (std::size_t t = 0; t < tokens.size(); ++t) {
                const auto l64 = f64.step(tokens[t], static_cast<int>(t));
                std::vector<double> got64(l64.begin(), l64.end());
                const auto l32 = f32.step(tokens[t], static_cast<int>(t));
                for (int v = 0; v < m.config.vocab_size; ++v) {
                    // float64 against the reference: rounding only (tolerance 1e-11 abs).
                    REQUIRE_THAT(got64[v], WithinAbs(ref[t][v], 1e-11));
                    // float32 against float64: logits are O(1); tolerance 1e-4 abs.
                    REQUIRE_THAT(static_cast<double>(l32[v]), WithinAbs(got64[v], 1e-4));
                }
            }
        }
    }
}

TEST_CASE("KV-cache logits equal logits recomputed from scratch for every prefix",
          "[transformer]") {
    const Model m = tiny_llama(11);
    const std::vector<int> tokens{1, 2, 3, 4, 5, 6, 7, 8};
    IdealBackend ideal;
    Forward<float> incremental(m, ideal);
    const std::vector<float> all = incremental.run(tokens);
    const std::size_t V = m.config.vocab_size;
    for (std::size_t t = 1; t <= tokens.size(); ++t) {
        Forward<float> fresh(m, ideal);
        const std::vector<int> prefix(tokens.begin(), tokens.begin() + t);
        const std::vector<float> last = fresh.run(prefix);
        for (std::size_t v = 0; v < V; ++v)
            REQUIRE(last[(t - 1) * V + v] == all[(t - 1) * V + v]);  // same arithmetic, bitwise
    }
    // Restarting at position 0 reuses the cache: the same sequence gives the same logits.
    CHECK(incremental.run(tokens) == all);
    CHECK_THROWS_AS(incremental.step(1, 5), std::out_of_range);  // next is 8, not 5
    CHECK_THROWS_AS(incremental.step(99, 0), std::out_of_range);
}

TEST_CASE("forward pass is bitwise identical at 1 and 2 threads", "[transformer]") {
    ModelConfig c;
    c.dim = 256;
    c.hidden_dim = 512;
    c.n_layers = 1;
    c.n_heads = 8;
    c.n_kv_heads = 4;
    c.vocab_size = 200;
    c.seq_len = 80;
    c.shared_classifier = false;
    Model m = make_model(c);
    randomize(m, 3);
    std::vector<int> tokens;
    for (int t = 0; t < 70; ++t) tokens.push_back((t * 37 + 5) % c.vocab_size);
    IdealBackend ideal;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto one = Forward<float>(m, ideal).run(tokens);
    omp_set_num_threads(2);
    const auto two = Forward<float>(m, ideal).run(tokens);
    omp_set_num_threads(saved);
    CHECK(one == two);
}

namespace {
// Records each call: proves every linear layer goes through the seam, once per token, in
// index order, with the layer's own shape.
class RecordingBackend final : public LinearBackend {
public:
    std::string_view name() const override { return "recording"; }
    void prepare(const Model& model) override { prepared = model.linear_layers().size(); }
    void matvec(const LinearLayer& layer, std::span<const float> x, std::span<float> y) override {
        REQUIRE(x.size() == static_cast<std::size_t>(layer.in));
        REQUIRE(y.size() == static_cast<std::size_t>(layer.out));
        calls.push_back(layer.index);
        inner.matvec(layer, x, y);
    }
    IdealBackend inner;
    std::size_t prepared = 0;
    std::vector<int> calls;
};
}  // namespace

TEST_CASE("every linear layer goes through the backend once per token in index order",
          "[transformer]") {
    for (const bool gpt2 : {false, true}) {
        const Model m = gpt2 ? tiny_gpt2(5) : tiny_llama(5);
        const auto layers = m.linear_layers();
        RecordingBackend rec;
        Forward<float> f(m, rec);
        CHECK(rec.prepared == layers.size());
        f.run(std::vector<int>{1, 2, 3});
        REQUIRE(rec.calls.size() == 3 * layers.size());
        for (std::size_t i = 0; i < rec.calls.size(); ++i)
            CHECK(rec.calls[i] == static_cast<int>(i % layers.size()));
        CHECK(layers.front()->name == "layers.0.attn.q");
        CHECK(layers.back()->name == "classifier");
        // A backend without a float64 path refuses the float64 pass, naming itself.
        Forward<double> f64(m, rec);
        CHECK_THROWS_WITH(f64.step(1, 0), Catch::Matchers::ContainsSubstring("recording"));
    }
}

TEST_CASE("benchmark shapes: stories15M and GPT-2 small have their published parameter counts",
          "[transformer][model]") {
    // stories15M: 32000 x 288 embedding (tied) + 6 x (4 x 288^2 + 3 x 288 x 768 + 2 x 288) + 288.
    CHECK(make_model(stories15m_shape()).parameter_count() == 15'191'712);
    // GPT-2 small as Hugging Face counts it (tied classifier, biases, learned positions).
    CHECK(make_model(gpt2_small_shape()).parameter_count() == 124'439'808);
}
