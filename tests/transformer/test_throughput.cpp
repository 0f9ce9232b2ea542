// Throughput of the digital reference on a random model shaped like llama2.c's stories15M
// (dim 288, 6 layers, 6 heads, hidden 768, vocab 32000). Hidden ([.]): run explicitly with
//   OMP_NUM_THREADS=N tests/test_transformer "[throughput]"
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <cstdio>

#include <omp.h>

#include "tiny_models.hpp"
#include "transformer/forward.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff::transformer;
using namespace kirchhoff::transformer::testing;

TEST_CASE("forward-pass throughput on a stories15M-shaped model", "[.][throughput]") {
    const ModelConfig c = stories15m_shape();
    Model m = make_model(c);
    randomize(m, 1);
    std::vector<int> tokens;
    for (int t = 0; t < 256; ++t) tokens.push_back((t * 7919) % c.vocab_size);
    IdealBackend ideal;
    for (const bool f64 : {false, true}) {
        PerplexityOptions o;
        o.context = 256;
        o.stride = 255;
        const auto r = f64 ? perplexity<double>(m, ideal, tokens, o)
                           : perplexity<float>(m, ideal, tokens, o);
        std::printf("stories15M-shaped (%.1f M parameters), %s, %d threads: %.0f tokens/s "
                    "(256 tokens in %.3f s)\n",
                    m.parameter_count() / 1e6, f64 ? "float64" : "float32",
                    omp_get_max_threads(), r.tokens_per_second(), r.seconds);
        CHECK(r.scored == 255);
    }
}
