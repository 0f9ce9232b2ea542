// Attention products on KV-cache crossbar tiles (attention.on_crossbars, analog/attention_tiles.hpp):
// the seam's hook against Forward's digital loops, the switch off, closeness to the digital
// forward with fine and 8-bit converters, thread-count independence, sampled validation rows.
#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <omp.h>

#include "analog/analog_backend.hpp"
#include "analog/attention_tiles.hpp"
#include "analog/op_counts.hpp"
#include "cosim/mvm_engine.hpp"
#include "params/error.hpp"
#include "support/analog_fixtures.hpp"
#include "transformer/forward.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;
namespace matchers = Catch::Matchers;

namespace {

// A random Llama (transformer::random_model) with grouped-query attention.
transformer::Model gqa_model(std::uint64_t seed) {
    transformer::ModelConfig c;
    c.n_heads = 4, c.n_kv_heads = 2;  // two query heads read each kv head's tiles
    c.dim = 24;                       // head_size 6
    c.seq_len = 40;                   // K^T: 5 tiles of 8 positions; V: 3 tiles of 16 (16 x 8 tiles)
    c.arch = transformer::Architecture::llama, c.hidden_dim = 32, c.n_layers = 2, c.vocab_size = 17;
    return transformer::random_model(c, seed);
}

std::vector<int> sequence(int n, int vocab) {
    std::vector<int> t;
    for (int i = 0; i < n; ++i) t.push_back((i * 5 + i * i / 3) % vocab);
    return t;
}

// The shared clean tiles (tests/support/analog_fixtures.hpp) of `bits` and shape `tile`
// ("rows x cols"); the linear layers' ADC never leaves calibration, the attention ADC
// calibrates on the first 16 tokens (quantised after them): at least one value tile's rows, so
// its range has seen a full tile (attention_tiles.hpp).
std::vector<std::string> clean_sets(int bits, const char* tile = "16x8") {
    const std::string t = tile;
    return test::with(
        test::clean_tile_sets(bits, std::stoi(t.substr(0, t.find('x'))), std::stoi(t.substr(t.find('x') + 1))),
        {"attention.on_crossbars=true", "attention.adc_calibration_tokens=16"});
}

// The shared noisy tiles with the attention products on crossbars (ADC calibrated on 3 tokens).
std::vector<std::string> noisy_sets(const std::string& seed) {
    return test::with(test::noisy_tile_sets(),
                      {"attention.on_crossbars=true", "attention.adc_calibration_tokens=3", "seed=" + seed});
}

std::vector<float> logits(const transformer::Model& m, transformer::LinearBackend& b, const std::vector<int>& t) {
    transformer::Forward<float> f(m, b);
    return f.run(t);
}

// The largest |a - b| over the largest |b|.
double max_rel(const std::vector<float>& a, const std::vector<float>& b) {
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, double(std::abs(a[i] - b[i]))), ref = std::max(ref, double(std::abs(b[i])));
    return err / ref;
}

// The digital products through the hook, written as Forward's loops write them (float, the
// same order): the hook path must then give Forward's digital logits bit for bit.
class DigitalHook final : public transformer::LinearBackend {
public:
    std::string_view name() const override { return "digital-hook"; }
    void matvec(const transformer::LinearLayer& l, std::span<const float> x, std::span<float> y) override {
        ideal_.matvec(l, x, y);
    }
    bool computes_attention() const override { return true; }
    void attention_scores(const transformer::AttentionStep& s, std::span<const float> q, std::span<float> scores,
                          std::size_t stride) override {
        const int hs = s.head_size, kv_dim = s.n_kv_heads * hs, group = s.n_heads / s.n_kv_heads;
        for (int h = 0; h < s.n_heads; ++h)
            for (int t = 0; t <= s.pos; ++t) {
                float score = 0;
                for (int i = 0; i < hs; ++i) score += q[h * hs + i] * s.keys[t * kv_dim + (h / group) * hs + i];
                scores[h * stride + t] = score;
            }
        ++calls;
    }
    void attention_values(const transformer::AttentionStep& s, std::span<const float> p, std::size_t stride,
                          std::span<float> out) override {
        const int hs = s.head_size, kv_dim = s.n_kv_heads * hs, group = s.n_heads / s.n_kv_heads;
        for (int h = 0; h < s.n_heads; ++h) {
            for (int i = 0; i < hs; ++i) out[h * hs + i] = 0;
            for (int t = 0; t <= s.pos; ++t)
                for (int i = 0; i < hs; ++i) out[h * hs + i] += p[h * stride + t] * s.values[t * kv_dim + (h / group) * hs + i];
        }
    }
    int calls = 0;

private:
    transformer::IdealBackend ideal_;
};

}  // namespace

TEST_CASE("attention hook: off by default, and exact products through it give the digital logits bitwise",
          "[analog][attention]") {
    const transformer::Model m = gqa_model(1);
    const auto t = sequence(20, m.config.vocab_size);
    transformer::IdealBackend digital;
    CHECK_FALSE(digital.computes_attention());
    transformer::AttentionStep s;
    std::vector<float> buffer(8);
    CHECK_THROWS_AS(digital.attention_scores(s, buffer, buffer, 1), std::logic_error);
    CHECK_THROWS_AS(digital.attention_values(s, buffer, 1, buffer), std::logic_error);
    DigitalHook hook;
    CHECK(logits(m, hook, t) == logits(m, digital, t));
    CHECK(hook.calls == m.config.n_layers * int(t.size()));
}

TEST_CASE("attention.on_crossbars = false keeps attention digital: no attention tiles, rows or calls",
          "[analog][attention]") {
    const transformer::Model m = gqa_model(2);
    const auto t = sequence(12, m.config.vocab_size);
    auto sets = clean_sets(24);
    sets.push_back("attention.on_crossbars=false");  // the later value wins
    AnalogBackend off(test::analog_options_with(sets));
    logits(m, off, t);
    CHECK_FALSE(off.computes_attention());
    CHECK(off.validation().size() == m.linear_layers().size());
    int linear_tiles = 0;
    for (const auto* l : m.linear_layers())
        linear_tiles += ((l->in + 15) / 16) * ((l->out + 7) / 8);
    CHECK(off.tiles() == linear_tiles);
    transformer::AttentionStep s;
    std::vector<float> buffer(8);
    CHECK_THROWS_AS(off.attention_scores(s, buffer, buffer, 1), std::logic_error);
    // The same backend with the switch on does take attention, and adds K and V arrays of
    // ceil(40 / 8) + ceil(40 / 16) tiles per block and kv head.
    sets.back() = "attention.on_crossbars=true";
    AnalogBackend on(test::analog_options_with(sets));
    logits(m, on, t);
    CHECK(on.computes_attention());
    CHECK(on.tiles() == linear_tiles + m.config.n_layers * m.config.n_kv_heads * (5 + 3));
    CHECK(on.validation().size() == m.linear_layers().size() + 2 * m.config.n_layers);
}

TEST_CASE("attention on ideal crossbars: close to the digital logits at 16 bits, further but bounded at 8",
          "[analog][attention]") {
    const transformer::Model m = gqa_model(3);
    const auto t = sequence(36, m.config.vocab_size);  // fills several K and V tiles
    transformer::IdealBackend digital;
    const auto reference = logits(m, digital, t);
    // 8-bit error measured on each tile shape (below): 4 rows < head_size 6, so on 4x8 tiles the
    // scores sum two row tiles.
    const std::pair<const char*, double> shapes[] = {{"16x8", 0.0503}, {"4x8", 0.0607}};
    for (const auto& [tile, e8_measured] : shapes) {
        AnalogBackend fine(test::analog_options_with(clean_sets(16, tile))),
            coarse(test::analog_options_with(clean_sets(8, tile)));
        const double e16 = max_rel(logits(m, fine, t), reference);
        const double e8 = max_rel(logits(m, coarse, t), reference);
        INFO(tile << ": 16-bit " << e16 << ", 8-bit " << e8);
        // 16 bits: one DAC step is 2^-15 of max |x|, one attention ADC step 2 / 32767 = 6e-5
        // of the largest calibration current (attention.adc_headroom = 2), on every linear layer
        // and both products of two blocks: stated tolerance 2e-3 of the largest logit, about 30
        // attention ADC steps (measured: 2e-4 to 4e-4).
        CHECK(e16 < 2e-3);
        // 8 bits: steps 256 times coarser; the error grows with them. Measured (build/tests/test_analog
        // 'attention on ideal crossbars*' -s; gqa_model(3), 36 tokens, attention and linear
        // layers at 8 bits, ideal engine): 5.030% of the largest logit on 16x8 tiles, 6.066% on
        // 4x8, 170-270 times the 16-bit error. The run is deterministic, so the band is the
        // measured value +-25% (rounding differences between compilers stay inside it). Tried
        // by changing the converters in tile_read.cpp: one ADC bit fewer gives 12.2% / 16.8%
        // (16x8 / 4x8), one DAC bit fewer 6.8% / 8.6%, one ADC bit more 4.18% / 4.43%: each
        // fails a bound (the former band, 2% to 9%, caught only the first); one DAC bit more
        // gives 5.68% / 5.39% and passes (the largest error is not monotone in the DAC bits).
        // A change of the model, the sequence or the converters' defaults moves it: re-measure.
        CHECK(e8 > 30 * e16);
        CHECK(e8 > 0.75 * e8_measured);
        CHECK(e8 < 1.25 * e8_measured);
    }
}

TEST_CASE("attention on crossbars gives the same results at 1 and 2 threads", "[analog][attention]") {
    const transformer::Model m = gqa_model(4);
    const auto t = sequence(24, m.config.vocab_size);
    auto run = [&](int threads, const std::string& seed, cosim::Engine engine) {
        omp_set_num_threads(threads);
        AnalogOptions o = test::analog_options_with(noisy_sets(seed), engine);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.3;
        AnalogBackend analog(o);
        const auto z = logits(m, analog, t);
        const auto v = analog.validation();
        return std::make_tuple(z, v[v.size() - 2].sum_sq_err, v.back().count);
    };
    const int before = omp_get_max_threads();
    const auto one = run(1, "7", cosim::Engine::surrogate), two = run(2, "7", cosim::Engine::surrogate);
    const auto other = run(2, "8", cosim::Engine::surrogate);
    const auto nodal_one = run(1, "7", cosim::Engine::nodal), nodal_two = run(2, "7", cosim::Engine::nodal);
    omp_set_num_threads(before);
    CHECK(one == two);  // bitwise: logits and validation statistics
    CHECK(nodal_one == nodal_two);
    CHECK(std::get<0>(one) != std::get<0>(other));
    CHECK(std::get<2>(one) > 0);  // the attention products were validated
}

TEST_CASE("attention products join sampled validation, and it never changes the result", "[analog][attention]") {
    const transformer::Model m = gqa_model(5);
    const auto t = sequence(22, m.config.vocab_size);
    for (const char* wire : {"0", "5"})
    for (cosim::Engine engine : {cosim::Engine::ideal, cosim::Engine::surrogate}) {
        auto sets = clean_sets(12);
        sets.push_back(std::string("array.r_wire_row_ohm=") + wire);
        sets.push_back(std::string("array.r_wire_col_ohm=") + wire);
        AnalogOptions o = test::analog_options_with(sets, engine);
        AnalogBackend plain(o);
        const auto z_plain = logits(m, plain, t);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 1.0;
        AnalogBackend checked(o);
        CHECK(logits(m, checked, t) == z_plain);  // bitwise
        const auto v = checked.validation();
        for (int b = 0; b < m.config.n_layers; ++b)
            for (int k = 0; k < 2; ++k) {
                const ValidationStats& s = v[m.linear_layers().size() + 2 * b + k];
                INFO(s.layer << " wire " << wire << " engine " << to_string(engine));
                CHECK(s.layer == "layers." + std::to_string(b) + (k ? ".attn.values" : ".attn.scores"));
                CHECK(s.count == int(t.size()) - 16);  // every step after the 16 calibration tokens
                // The surrogate (built for the rows in use) is exact for ohmic cells behind wires.
                if (std::string(wire) == "0" || engine == cosim::Engine::surrogate) CHECK(s.nmse() < 1e-10);
                else CHECK(s.nmse() > 1e-8);  // IR drop the ideal engine does not see
            }
    }
}

TEST_CASE("attention validation on the worker, solved after inference has rewritten the tiles, gives the inline "
          "statistics at 1 and 2 threads", "[analog][attention]") {
    const transformer::Model m = gqa_model(7);
    const auto t = sequence(24, m.config.vocab_size);
    const int rows = int(m.linear_layers().size()) + 2 * m.config.n_layers;
    auto run = [&](int threads, bool background) {
        omp_set_num_threads(threads);
        AnalogOptions o = test::analog_options_with(noisy_sets("9"), cosim::Engine::surrogate);
        o.validate = cosim::Engine::nodal;
        o.validate_fraction = 0.5;
        o.validate_max_per_layer = 3;
        REQUIRE(rows * o.validate_max_per_layer < 64);  // every check fits the worker's queue: no wait
        o.validate_in_background = background;
        // In the background no check starts before inference has run every token: each queued
        // attention check then reads tiles that have been rewritten since (a new row a token).
        std::atomic<bool> inference_done = !background;
        o.make_check_engine = [&](const cosim::ProgrammedTile& tile) {
            while (!inference_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return cosim::make_nodal_engine(tile);
        };
        AnalogBackend analog(o);
        const auto z = logits(m, analog, t);
        const double waited = analog.validation_wait_seconds();  // before any solve, in the background
        inference_done = true;
        const auto v = analog.validation();
        const double solved = analog.validation_seconds();
        if (background) CHECK(waited < 0.05);  // inference never waited: no full queue, no drain
        else CHECK(analog.validation_wait_seconds() >= solved);  // inline: every solve is a wait
        CHECK(solved > 0);
        return std::make_pair(z, v);
    };
    const int before = omp_get_max_threads();
    const auto reference = run(1, false);
    for (int threads : {1, 2})
        for (bool background : {false, true}) {
            if (threads == 1 && !background) continue;
            INFO(threads << " threads, background " << background);
            const auto other = run(threads, background);
            CHECK(other.first == reference.first);  // bitwise
            REQUIRE(other.second.size() == std::size_t(rows));
            long attention = 0;
            for (std::size_t l = 0; l < other.second.size(); ++l) {
                const ValidationStats &a = reference.second[l], &b = other.second[l];
                INFO(a.layer);
                CHECK(a.failed == 0);
                CHECK(b.failed == 0);
                CHECK(a.count == b.count);
                CHECK(a.sum_sq_err == b.sum_sq_err);  // the same solves, summed in the same order
                CHECK(a.sum_sq_ref == b.sum_sq_ref);
                CHECK(a.max_rel_err == b.max_rel_err);
                CHECK(a.sxy == b.sxy);
                if (l >= m.linear_layers().size()) attention += long(b.count);
            }
            CHECK(attention > 0);
        }
    omp_set_num_threads(before);
}

TEST_CASE("bad attention configuration is refused with key, value and range", "[analog][attention]") {
    params::Config c(analog_schema());
    try {
        c.set_override("attention.adc_calibration_tokens=0");
        analog_config(c);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK_THAT(std::string(e.what()), matchers::ContainsSubstring("attention.adc_calibration_tokens") &&
                                              matchers::ContainsSubstring("0") && matchers::ContainsSubstring("[1, "));
    }
    CHECK_THROWS_AS(c.set_override("attention.on_crossbars=maybe"), InputError);
}

TEST_CASE("attention on crossbars is counted as tile reads: one MVM per query head and product",
          "[analog][attention]") {
    const transformer::Model m = gqa_model(6);
    const auto t = sequence(18, m.config.vocab_size);
    auto sets = clean_sets(8);
    sets.push_back("attention.on_crossbars=false");
    AnalogBackend off(test::analog_options_with(sets));
    logits(m, off, t);
    sets.back() = "attention.on_crossbars=true";
    AnalogBackend on(test::analog_options_with(sets));
    logits(m, on, t);
    const OpCounts& a = on.op_counts();
    const OpCounts& b = off.op_counts();
    CHECK(a.mvms == b.mvms + 2.0 * m.config.n_layers * m.config.n_heads * double(t.size()));
    CHECK(a.tile_reads > b.tile_reads);
    CHECK(a.adc_conversions[8] > b.adc_conversions[8]);
    CHECK(a.cell_v2g_w > b.cell_v2g_w);
}

TEST_CASE("a new K row leaves the older rows' programmed conductances unless it raises the tile's scale",
          "[analog][attention]") {
    transformer::ModelConfig mc;
    mc.arch = transformer::Architecture::llama, mc.n_layers = 1, mc.n_heads = 1, mc.n_kv_heads = 1;
    mc.dim = 4, mc.hidden_dim = 8, mc.vocab_size = 5, mc.seq_len = 8;  // one K^T tile of 8 positions
    const AnalogOptions o =
        test::analog_options_with({"array.rows=16", "array.cols=8", "pcm.programming_noise=true", "dac.bits=24",
                                   "attention.on_crossbars=true", "attention.adc_calibration_tokens=1000"});
    const std::vector<float> q{0.9f, -0.4f, 0.3f, 0.7f};
    auto scores_at_3 = [&](float last) {  // the scores of positions 0..2 after row 3 = last * (1, 1, 1, 1)
        AnalogBackend unprepared(o);  // validates nothing: o.validate is none
        AttentionTiles tiles(o, mc, 100, unprepared);
        std::vector<float> keys{1.0f, -0.5f, 0.25f, 0.5f, 0.3f, 0.2f, -0.1f, 0.4f, -0.2f, 0.6f, 0.1f, -0.3f},
            values(16, 0.5f), out(8);
        keys.insert(keys.end(), 4, last);
        OpCounts counts;
        std::vector<float> before;
        for (int pos = 0; pos < 4; ++pos) {
            transformer::AttentionStep s;
            s.pos = pos, s.n_heads = 1, s.n_kv_heads = 1, s.head_size = 4;
            s.keys = std::span<const float>(keys).first(4 * (pos + 1));
            s.values = std::span<const float>(values).first(4 * (pos + 1));
            tiles.scores(s, q, out, 8, counts);
            if (pos == 2) before.assign(out.begin(), out.begin() + 3);
        }
        return std::make_pair(before, std::vector<float>(out.begin(), out.begin() + 3));
    };
    const auto kept = scores_at_3(0.5f);      // max |row 3| = 0.5 <= 1: only row 3 written
    CHECK(kept.first == kept.second);         // bitwise: rows 0..2 unchanged
    const auto rewritten = scores_at_3(2.0f);  // scale 1 -> 2: the whole tile rewritten, new noise
    CHECK(rewritten.first != rewritten.second);
    // ... but the same scores within the programming noise: about 4% of g_max a cell (Joshi
    // 2020), 0.08 in key units at scale 2, two cells a key element: sigma of a score
    // 0.08 sqrt(2 |q|^2) = 0.14; bound 0.5.
    for (int t = 0; t < 3; ++t) CHECK(std::abs(rewritten.second[t] - rewritten.first[t]) < 0.5);
}
