// `kirchhoff generate` end to end on models written by the test: the printed text equals the
// decode of the whole token sequence (prompt included) for a llama2.c checkpoint with a
// tokenizer of space-prefixed pieces and for a Hugging Face model with a sentencepiece-style
// BPE tokenizer.json; a model that emits BOS stops there (llama2.c's convention); --steps beyond
// seq_len is cut with a note; a prompt longer than seq_len prints nothing and exits 2; a
// checkpoint header whose sizes overflow exits 2 naming its fields.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "support/run_program.hpp"
#include "tokenizers/llama2c_tokenizer.hpp"
#include "tokenizers/tokenizer.hpp"
#include "tokenizers/tokenizer_fixtures.hpp"
#include "transformer/generate.hpp"
#include "transformer/hf_checkpoint.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/tiny_models.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

test::Run run_cli(const std::string& args) { return test::run_program(std::string(KIRCHHOFF_PROGRAM) + " " + args); }

// A llama2.c tokenizer whose word pieces carry their leading space (sentencepiece's "▁",
// which llama2.c's tokenizer.bin stores as ' '): decoding one token at a time drops it.
tokenizers::Llama2cTokenizer space_tokenizer() {
    std::vector<std::string> pieces{"<unk>", "<s>", "</s>", " ", "t", "h", "e", "c", "a", "s", "o", "n",
                                    " t", " th", " the", " c", " ca", " cat", " s", " sa", " sat", " o", " on", "at"};
    std::vector<float> scores;
    for (const std::string& p : pieces) scores.push_back(float(p.size()));
    return tokenizers::Llama2cTokenizer(pieces, scores);
}

// A random model that never predicts BOS or EOS (ids 1 and 2; their tied classifier rows are
// zero: logit 0 against random logits of both signs), so that greedy text runs on to --steps.
transformer::Model random_text_model(int vocab, int seq_len, std::uint64_t seed);

transformer::ModelConfig llama(int vocab, int seq_len) {
    transformer::ModelConfig c;
    c.dim = 32, c.hidden_dim = 48, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
    c.vocab_size = vocab, c.seq_len = seq_len;
    return c;
}

transformer::Model random_text_model(int vocab, int seq_len, std::uint64_t seed) {
    transformer::Model m = transformer::random_model(llama(vocab, seq_len), seed);
    const std::size_t dim = std::size_t(m.config.dim);
    std::fill_n(m.classifier.weight.begin() + std::ptrdiff_t(dim), 2 * dim, 0.0f);  // rows 1 and 2
    return m;
}

// The reference: the same greedy generation in-process, and the decode of the whole sequence.
std::string reference_text(const transformer::Model& m, const tokenizers::Tokenizer& tok, const std::string& prompt_text,
                           int steps, std::vector<int> stop, std::size_t* generated = nullptr) {
    std::vector<int> seq;
    if (auto bos = tok.bos()) seq.push_back(*bos);
    for (int t : tok.encode(prompt_text)) seq.push_back(t);
    transformer::IdealBackend digital;
    transformer::GenerateOptions g;
    g.steps = steps;
    g.stop_tokens = std::move(stop);
    const std::vector<int> out = transformer::generate(m, digital, seq, g);
    if (generated) *generated = out.size();
    seq.insert(seq.end(), out.begin(), out.end());
    return tok.decode(seq);
}

}  // namespace

TEST_CASE("generate prints the decode of the whole sequence: llama2.c checkpoint, space-prefixed pieces",
          "[cli][generate]") {
    const fs::path dir = transformer::testing::temp_dir() / "llama2c";
    fs::create_directories(dir);
    const auto tok = space_tokenizer();
    tok.save(dir / "tokenizer.bin");
    const transformer::Model m = random_text_model(tok.vocab_size(), 40, 11);
    transformer::save_llama2c(m, dir / "model.bin");
    const auto r = run_cli("generate --model " + (dir / "model.bin").string() + " --prompt 'the cat sat' --steps 30");
    INFO(r.out);
    REQUIRE(r.status == 0);
    std::size_t generated = 0;
    const std::string expected = reference_text(m, tok, "the cat sat", 30, {1}, &generated);
    REQUIRE(generated == 30);
    CHECK(r.stdout_only == expected + "\n");
    CHECK(r.stdout_only.rfind("the cat sat", 0) == 0);  // the prompt keeps its spaces
    CHECK_THAT(r.out, ContainsSubstring("tokens/s"));
}

TEST_CASE("generate prints the decode of the whole sequence: Hugging Face model, sentencepiece BPE",
          "[cli][generate]") {
    const fs::path dir = transformer::testing::temp_dir() / "hf";
    fs::create_directories(dir);
    const nlohmann::json tj = tokenizers::testing::sentencepiece_tokenizer_json();
    const int id = int(tj["model"]["vocab"].size());
    std::ofstream(dir / "tokenizer.json") << tj.dump();
    const transformer::Model m = random_text_model(id, 40, 12);
    transformer::save_hf(m, dir);
    nlohmann::json config;
    std::ifstream(dir / "config.json") >> config;
    config["eos_token_id"] = 2;
    std::ofstream(dir / "config.json") << config.dump(2);
    const auto tok = tokenizers::load_tokenizer(dir / "tokenizer.json", 0);
    const auto r = run_cli("generate --model " + dir.string() + " --prompt 'ab cab a' --steps 30");
    INFO(r.out);
    REQUIRE(r.status == 0);
    std::size_t generated = 0;
    const std::string expected = reference_text(m, *tok, "ab cab a", 30, {2}, &generated);
    REQUIRE(generated == 30);
    CHECK(r.stdout_only == expected + "\n");
    CHECK(r.stdout_only.rfind("ab cab a", 0) == 0);
}

TEST_CASE("generate stops when a llama2.c model emits BOS; --steps is cut to seq_len; long prompts print nothing",
          "[cli][generate]") {
    const fs::path dir = transformer::testing::temp_dir() / "successor";
    fs::create_directories(dir);
    const auto tok = space_tokenizer();
    tok.save(dir / "tokenizer.bin");
    // Blocks contribute nothing (zero weights); the classifier predicts "next id", so from the
    // prompt's last token the model counts up, wraps to 0 and emits BOS (1).
    const int V = tok.vocab_size();
    transformer::ModelConfig c;
    c.dim = 2 * V, c.hidden_dim = 4, c.n_layers = 1, c.n_heads = 1, c.n_kv_heads = 1, c.vocab_size = V, c.seq_len = 64;
    c.shared_classifier = false;
    transformer::Model m = transformer::make_model(c);
    for (int t = 0; t < V; ++t) {
        m.token_embedding[std::size_t(t) * c.dim + t] = 1.0f;
        m.classifier.weight[std::size_t((t + 1) % V) * c.dim + t] = 20.0f;
    }
    transformer::save_llama2c(m, dir / "model.bin");
    const std::string model = " --model " + (dir / "model.bin").string();
    const std::vector<int> prompt = tok.encode("the cat");
    const int last = prompt.back();  // " cat"
    const auto r = run_cli("generate" + model + " --prompt 'the cat' --steps 60");
    INFO(r.out);
    REQUIRE(r.status == 0);
    std::size_t generated = 0;
    CHECK(r.stdout_only == reference_text(m, tok, "the cat", 60, {1}, &generated) + "\n");
    CHECK(generated == std::size_t(V - last + 1));  // last + 1 .. V - 1, then 0 and 1
    CHECK_THAT(r.out, ContainsSubstring(fmt::format("{} tokens generated (stopped at the end-of-sequence token)",
                                                    generated)));

    const auto cut = run_cli("generate" + model + " --prompt 'the cat' --steps 1000");
    CHECK(cut.status == 0);
    CHECK_THAT(cut.out, ContainsSubstring("--steps 1000: cut to") && ContainsSubstring("seq_len = 64"));
    CHECK_THAT(run_cli("generate --help").out, ContainsSubstring("seq_len"));

    std::string long_prompt;
    for (int i = 0; i < 70; ++i) long_prompt += " the";
    const auto too_long = run_cli("generate" + model + " --prompt '" + long_prompt + "'");
    CHECK(too_long.status == 2);
    CHECK(too_long.stdout_only.empty());
    CHECK_THAT(too_long.out, ContainsSubstring("--prompt") && ContainsSubstring("seq_len = 64"));
}

TEST_CASE("a llama2.c header whose sizes overflow is refused with its fields, exit 2", "[cli][generate]") {
    const fs::path file = transformer::testing::temp_dir() / "overflow.bin";
    // dim = 2^30: each block's wq holds 2^60 floats (2^62 bytes); the file stores the wq of
    // every block in turn, and block 3's ends beyond 2^64 bytes.
    const std::int32_t header[7] = {1 << 30, 1 << 30, 64, 2, 2, 32, 8};
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(header), sizeof header);
    const auto r = run_cli("generate --model " + file.string());
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring(file.string()) && ContainsSubstring("dim=1073741824") &&
                          ContainsSubstring("layers.3.attn.q (wq)") && ContainsSubstring("dim x dim") &&
                          ContainsSubstring("beyond 2^64 bytes"));
    CHECK(r.out.find("18446744073709551615") == std::string::npos);
}
