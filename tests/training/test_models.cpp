// The shipped models (models/plain, models/hwa): present, at most 8 MB, loadable by the
// runner, and their held-out loss through the runner's forward pass is the figure their
// summary.json (and the README) states, below 1.7 nats per character. [slow]: about 10-30 s.
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tokenizers/char_tokenizer.hpp"
#include "training/corpus.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/perplexity.hpp"

using namespace kirchhoff;

TEST_CASE("shipped models reach their stated held-out loss through the runner", "[training][models][slow]") {
    const training::Corpus corpus = training::load_corpus();
    for (const char* name : {"plain", "hwa"}) {
        INFO(name);
        const std::filesystem::path dir = std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "models" / name;
        REQUIRE(std::filesystem::exists(dir / "model.bin"));
        CHECK(std::filesystem::file_size(dir / "model.bin") <= 8u * 1024 * 1024);
        const nlohmann::json summary = nlohmann::json::parse(std::ifstream(dir / "summary.json"));
        const transformer::Model model = transformer::load_llama2c(dir / "model.bin");
        const tokenizers::CharTokenizer tok = tokenizers::CharTokenizer::load(dir / "tokenizer.json");
        CHECK(tok.bytes() == corpus.tokenizer.bytes());
        const std::vector<int> heldout =
            tok.encode(std::string_view(corpus.text).substr(static_cast<std::size_t>(corpus.split)));
        transformer::IdealBackend ideal;
        transformer::PerplexityOptions po;
        po.context = summary.at("runner_context").get<int>();
        po.stride = summary.at("runner_stride").get<int>();
        const double nll = transformer::perplexity<float>(model, ideal, heldout, po).mean_nll_nats();
        CHECK(std::abs(nll - summary.at("runner_heldout_nats_per_char").get<double>()) < 1e-4);
        CHECK(nll < 1.7);
    }
}
