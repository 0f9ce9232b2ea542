// llama2.c checkpoints: round trip through the writer, the byte layout, and every way a
// file can be broken rejected with the file and the tensor named.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "params/error.hpp"
#include "tiny_models.hpp"
#include "transformer/forward.hpp"
#include "transformer/llama2c.hpp"

using namespace kirchhoff;
using namespace kirchhoff::transformer;
using namespace kirchhoff::transformer::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

std::vector<char> slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void spit(const std::filesystem::path& p, const std::vector<char>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool same_weights(const Model& a, const Model& b) {
    const auto la = a.linear_layers(), lb = b.linear_layers();
    if (la.size() != lb.size()) return false;
    for (std::size_t i = 0; i < la.size(); ++i)
        if (la[i]->weight != lb[i]->weight || la[i]->name != lb[i]->name) return false;
    for (std::size_t i = 0; i < a.blocks.size(); ++i)
        if (a.blocks[i].attn_norm.weight != b.blocks[i].attn_norm.weight ||
            a.blocks[i].mlp_norm.weight != b.blocks[i].mlp_norm.weight)
            return false;
    return a.token_embedding == b.token_embedding && a.final_norm.weight == b.final_norm.weight;
}

}  // namespace

TEST_CASE("llama2.c checkpoints round trip through the writer", "[transformer][llama2c]") {
    for (const bool shared : {true, false}) {
        const Model m = tiny_llama(21, shared);
        const auto path = temp_dir() / (shared ? "shared.bin" : "unshared.bin");
        save_llama2c(m, path);

        // Layout: 7 int32 header (vocab negative when unshared), then float32 arrays.
        const ModelConfig& c = m.config;
        const auto bytes = slurp(path);
        std::int32_t header[7];
        std::memcpy(header, bytes.data(), sizeof header);
        CHECK(header[0] == c.dim);
        CHECK(header[4] == c.n_kv_heads);
        CHECK(header[5] == (shared ? c.vocab_size : -c.vocab_size));
        const std::size_t L = c.n_layers, d = c.dim, kv = c.kv_dim(), hd = c.hidden_dim;
        const std::size_t floats = c.vocab_size * d + L * (2 * d + 2 * d * d + 2 * kv * d +
                                                           3 * hd * d) +
                                   d + c.seq_len * c.head_size() + (shared ? 0 : c.vocab_size * d);
        CHECK(bytes.size() == 28 + 4 * floats);
        float first_wq = 0;  // wq of block 0 follows the embedding and rms_att
        std::memcpy(&first_wq, bytes.data() + 28 + 4 * (c.vocab_size * d + L * d), 4);
        CHECK(first_wq == m.blocks[0].q.weight[0]);

        const Model back = load_llama2c(path);
        CHECK(back.config.shared_classifier == shared);
        CHECK(back.config.vocab_size == c.vocab_size);
        CHECK(back.config.n_kv_heads == c.n_kv_heads);
        CHECK(same_weights(m, back));
        IdealBackend ideal;
        CHECK(Forward<float>(m, ideal).run(std::vector<int>{1, 2, 3}) ==
              Forward<float>(back, ideal).run(std::vector<int>{1, 2, 3}));
    }
}

TEST_CASE("broken llama2.c checkpoints are clear errors", "[transformer][llama2c]") {
    const Model m = tiny_llama(22, false);
    const auto good = temp_dir() / "good.bin";
    const auto bad = temp_dir() / "bad.bin";
    save_llama2c(m, good);
    const auto bytes = slurp(good);
    const std::string file = bad.string();

    SECTION("truncated inside a named tensor") {
        // 10 floats short: the file ends inside the unshared classifier
        auto cut = bytes;
        cut.resize(bytes.size() - 40);
        spit(bad, cut);
        CHECK_THROWS_AS(load_llama2c(bad), InputError);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring(file) &&
                                                 ContainsSubstring("truncated inside tensor "
                                                                   "'classifier (wcls)'"));
        cut.resize(28 + 4 * (11 * 16 + 2 * 16 + 5));  // five floats into block 0's wq
        spit(bad, cut);
        CHECK_THROWS_WITH(load_llama2c(bad),
                          ContainsSubstring("truncated inside tensor 'layers.0.attn.q (wq)'"));
    }
    SECTION("shorter than the header") {
        spit(bad, std::vector<char>(bytes.begin(), bytes.begin() + 20));
        CHECK_THROWS_WITH(load_llama2c(bad),
                          ContainsSubstring(file) && ContainsSubstring("too short"));
    }
    SECTION("trailing bytes") {
        auto longer = bytes;
        longer.insert(longer.end(), 8, '\0');
        spit(bad, longer);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring(file) &&
                                                 ContainsSubstring("8 unexpected bytes") &&
                                                 ContainsSubstring("classifier (wcls)"));
    }
    SECTION("bad config values") {
        auto broken = bytes;
        const std::int32_t zero_heads = 0;
        std::memcpy(broken.data() + 12, &zero_heads, 4);
        spit(bad, broken);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring(file) &&
                                                 ContainsSubstring("n_heads = 0"));
        const std::int32_t three_kv = 3;  // 4 query heads cannot share 3 kv heads
        broken = bytes;
        std::memcpy(broken.data() + 16, &three_kv, 4);
        spit(bad, broken);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring("n_kv_heads = 3"));
        const std::int32_t huge = 1 << 30;  // sizes beyond 2^64 bytes: refused before allocating
        broken = bytes;
        std::memcpy(broken.data() + 0, &huge, 4);
        std::memcpy(broken.data() + 4, &huge, 4);
        spit(bad, broken);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring("dim=1073741824 hidden_dim=1073741824") &&
                                                 ContainsSubstring("beyond 2^64 bytes"));
    }
    SECTION("a header claiming 2^31 - 1 blocks is refused at once") {
        // Regression (found by fuzz_llama2c_checkpoint): the loader listed every block's arrays
        // before the size check, so this 28-byte header ran for minutes and took gigabytes.
        auto huge_layers = bytes;
        const std::int32_t n_layers = std::numeric_limits<std::int32_t>::max();
        std::memcpy(huge_layers.data() + 8, &n_layers, 4);
        huge_layers.resize(28 + 4 * (11 * 16 + 16 + 5));  // five floats into block 1's attn_norm
        spit(bad, huge_layers);
        CHECK_THROWS_WITH(load_llama2c(bad),
                          ContainsSubstring("truncated inside tensor 'layers.1.attn_norm (rms_att_weight)'") &&
                              ContainsSubstring("n_layers=2147483647"));
        huge_layers.resize(28);
        spit(bad, huge_layers);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring("truncated inside tensor 'token_embedding'"));
    }
    SECTION("newer export versions") {
        auto v1 = bytes;
        std::memcpy(v1.data(), "24ka", 4);  // 0x616b3432 little-endian
        spit(bad, v1);
        CHECK_THROWS_WITH(load_llama2c(bad),
                          ContainsSubstring("ak42") && ContainsSubstring("--version 0"));
    }
    SECTION("non-finite weights") {
        auto nan = bytes;
        const float q = std::nanf("");
        std::memcpy(nan.data() + 28 + 4 * 3, &q, 4);  // inside the token embedding
        spit(bad, nan);
        CHECK_THROWS_WITH(load_llama2c(bad), ContainsSubstring("'token_embedding'") &&
                                                 ContainsSubstring("non-finite"));
    }
    SECTION("models llama2.c cannot hold") {
        CHECK_THROWS_WITH(save_llama2c(tiny_gpt2(1), bad), ContainsSubstring("gpt2"));
    }
}
