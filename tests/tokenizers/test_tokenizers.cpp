// Tokenizers: character-level exact round trips; llama2.c score-BPE and Hugging Face BPE
// (byte-level and sentencepiece flavours) on small hand-made vocabularies, with the expected
// token sequences worked out by hand; GPT-2's pre-tokenizer; file errors.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cstdint>
#include <fstream>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "params/error.hpp"
#include "support/scratch_dir.hpp"
#include "tokenizers/bpe_tokenizer.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "tokenizers/llama2c_tokenizer.hpp"
#include "tokenizers/pretokenizer.hpp"
#include "tokenizers/tokenizer_fixtures.hpp"
#include "tokenizers/unicode_classes.hpp"

using namespace kirchhoff;
using namespace kirchhoff::tokenizers;
using namespace kirchhoff::tokenizers::testing;
using Catch::Matchers::ContainsSubstring;
using nlohmann::json;

namespace {
std::string utf8(char32_t cp) {
    std::string s;
    unicode::append_utf8(s, cp);
    return s;
}
std::vector<std::string> strings(const std::vector<std::string_view>& v) {
    return {v.begin(), v.end()};
}
}  // namespace

TEST_CASE("character tokenizer round-trips its corpus exactly", "[transformer][tokenizer]") {
    const std::string corpus = "To be, or not to be:\nthat is the question.\t\xff\x01";
    const CharTokenizer t = CharTokenizer::from_corpus(corpus);
    CHECK(t.bytes().front() == 0x01);  // sorted distinct bytes
    CHECK(t.bytes().back() == 0xff);
    CHECK(t.vocab_size() == static_cast<int>(std::set<char>(corpus.begin(), corpus.end()).size()));
    const auto ids = t.encode(corpus);
    CHECK(ids.size() == corpus.size());
    CHECK(t.decode(ids) == corpus);
    CHECK_THROWS_WITH(t.encode("to bee!"), ContainsSubstring("0x21 '!'") &&
                                               ContainsSubstring("offset 6"));
    const auto path = test::scratch_root() / "char_tokenizer.json";
    t.save(path);
    const auto loaded = load_tokenizer(path, 0);
    CHECK(loaded->kind() == "char");
    CHECK(loaded->encode(corpus) == ids);
    std::ofstream(path) << R"({"kirchhoff_tokenizer": "char", "bytes": [66, 65]})";
    CHECK_THROWS_WITH(CharTokenizer::load(path),
                      ContainsSubstring(path.string()) && ContainsSubstring("sorted"));
}

namespace {
// <unk> <s> </s>, the 256 byte tokens, then a few pieces with scores.
Llama2cTokenizer small_llama2c() {
    std::vector<std::string> pieces{"<unk>", "<s>", "</s>"};
    std::vector<float> scores{0, 0, 0};
    for (int b = 0; b < 256; ++b) {
        pieces.push_back(fmt::format("<0x{:02X}>", b));
        scores.push_back(0);
    }
    const std::vector<std::pair<std::string, float>> extra{
        {" ", -10}, {"a", -10}, {"b", -10}, {"c", -10}, {" a", -1}, {"ab", -2}, {" ab", -0.5f}};
    for (const auto& [p, s] : extra) {
        pieces.push_back(p);
        scores.push_back(s);
    }
    return Llama2cTokenizer(pieces, scores);
}
}  // namespace

TEST_CASE("llama2.c tokenizer merges by score and falls back to bytes",
          "[transformer][tokenizer]") {
    const Llama2cTokenizer t = small_llama2c();
    const int space = 259, c = 262, a_space = 263, ab_space = 265;
    // " ", "a", "b", " ", "c" -> " a" (score -1 beats "ab" at -2) -> " ab" (-0.5) -> done
    CHECK(t.encode("ab c") == std::vector<int>{ab_space, space, c});
    CHECK(t.decode(t.encode("ab c")) == "ab c");
    CHECK(t.encode("a") == std::vector<int>{a_space});
    // "é" is not a piece: its two UTF-8 bytes become <0xC3> <0xA9>
    CHECK(t.encode("\xC3\xA9") == std::vector<int>{space, 3 + 0xC3, 3 + 0xA9});
    for (const std::string s : {"abc ab", "c\xC3\xA9 a\nb", "  a", "\xE6\x9D\xB1"})
        CHECK(t.decode(t.encode(s)) == s);
    CHECK(t.decode(std::vector<int>{1, ab_space, 2}) == "ab");  // BOS/EOS decode to nothing
    CHECK(t.encode("").empty());

    const auto path = test::scratch_root() / "tokenizer.bin";
    t.save(path);
    const auto loaded = load_tokenizer(path, t.vocab_size());
    CHECK(loaded->kind() == "llama2c");
    CHECK(loaded->encode("ab c") == t.encode("ab c"));
    CHECK_THROWS_WITH(Llama2cTokenizer::load(path, t.vocab_size() + 1),
                      ContainsSubstring(path.string()) && ContainsSubstring("truncated") &&
                          ContainsSubstring("token 266"));
    CHECK_THROWS_WITH(Llama2cTokenizer::load(path, t.vocab_size() - 2),
                      ContainsSubstring("bytes left after token 263") &&
                          ContainsSubstring("another model"));

    // Regression (found by fuzz_llama2c_tokenizer): a token length up to max_token_length was
    // allocated before the bytes were checked, so this 20-byte file asked for 2 GiB.
    const auto huge = test::scratch_root() / "huge_piece.bin";
    {
        std::ofstream out(huge, std::ios::binary);
        const std::int32_t max_len = std::numeric_limits<std::int32_t>::max();
        const float score = 0.0f;
        out.write(reinterpret_cast<const char*>(&max_len), 4);
        out.write(reinterpret_cast<const char*>(&score), 4);
        out.write(reinterpret_cast<const char*>(&max_len), 4);
        out.write("abcdefgh", 8);
    }
    CHECK_THROWS_WITH(Llama2cTokenizer::load(huge, 1),
                      ContainsSubstring(huge.string()) &&
                          ContainsSubstring("truncated in the bytes of token 0"));
}

TEST_CASE("GPT-2 pre-tokenizer splits like its regex", "[transformer][tokenizer]") {
    CHECK(strings(gpt2_pretokenize("Hello world's  3.14 fine\n\n  x")) ==
          std::vector<std::string>{"Hello", " world", "'s", " ", " 3", ".", "14", " fine",
                                   "\n\n ", " x"});
    CHECK(strings(gpt2_pretokenize("na\xC3\xAFve caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xC2\xBD!?")) ==
          std::vector<std::string>{"na\xC3\xAFve", " caf\xC3\xA9", " \xE6\x9D\xB1\xE4\xBA\xAC",
                                   " \xC2\xBD", "!?"});
    CHECK(strings(gpt2_pretokenize("I'll don't 'x  ")) ==
          std::vector<std::string>{"I", "'ll", " don", "'t", " '", "x", "  "});
    const auto& map = gpt2_byte_to_unicode();
    CHECK(map[' '] == 0x120);   // 'Ġ'
    CHECK(map['\n'] == 0x10A);  // 'Ċ'
    CHECK(map['!'] == '!');
    CHECK(map[0xAD] == 0x143);  // the last of the 68 remapped bytes
}

namespace {
// A byte-level vocabulary: the 256 mapped bytes (id = byte), then merged tokens.
json gpt2_vocab(const std::vector<std::pair<std::string, std::string>>& merges) {
    json v = json::object();
    const auto& map = gpt2_byte_to_unicode();
    for (int b = 0; b < 256; ++b) v[utf8(map[b])] = b;
    int id = 256;
    for (const auto& [a, b] : merges) v[a + b] = id++;
    v["<|endoftext|>"] = id;
    return v;
}
const std::string G = "\xC4\xA0";  // 'Ġ', the mapped space
}  // namespace

TEST_CASE("byte-level BPE from vocab.json + merges.txt and tokenizer.json agree",
          "[transformer][tokenizer]") {
    const std::vector<std::pair<std::string, std::string>> merges{
        {"h", "e"}, {G, "t"}, {G + "t", "he"}, {"l", "l"}, {"he", "ll"}, {G, "hell"}, {"t", "he"}};
    const json vocab = gpt2_vocab(merges);
    const auto dir = test::scratch_root() / "gpt2_tok";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "vocab.json") << vocab.dump();
    {
        std::ofstream m(dir / "merges.txt");
        m << "#version: 0.2\n";
        for (const auto& [a, b] : merges) m << a << " " << b << "\n";
    }
    std::filesystem::remove(dir / "tokenizer.json");
    const auto from_files = load_tokenizer(dir, 0);
    CHECK(from_files->kind() == "bpe-bytelevel");
    const int he = 256, Gt = 257, Gthe = 258, hell = 260, Ghell = 261, the = 262, eot = 263;
    // "the" -> t h e -> t he (rank 0) -> the (rank 6); " the" -> Ġ t h e -> Ġ t he -> Ġt he
    // -> Ġthe; " hello" -> Ġ h e l l o -> Ġ he l l o -> Ġ he ll o -> Ġ hell o -> Ġhell o
    CHECK(from_files->encode("the the hello") ==
          std::vector<int>{the, Gthe, Ghell, 'o'});
    (void)he, (void)Gt, (void)hell;
    CHECK(from_files->eos() == eot);
    CHECK(from_files->decode(std::vector<int>{the, eot, Ghell}) == "the hell");
    for (const std::string& s : std::vector<std::string>{"the hello\n\n  world's 3.14",
                                                          "caf\xC3\xA9 \xE6\x9D\xB1\t!",
                                                          std::string("\x00\xff\x80", 3)})
        CHECK(from_files->decode(from_files->encode(s)) == s);

    json tj = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}},
               {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                  {"use_regex", true}}},
               {"added_tokens", {{{"id", eot}, {"content", "<|endoftext|>"}, {"special", true}}}}};
    for (const auto& [a, b] : merges) tj["model"]["merges"].push_back(a + " " + b);
    std::ofstream(dir / "tokenizer.json") << tj.dump();
    const auto from_json = load_tokenizer(dir / "tokenizer.json", 0);
    for (const std::string s : {"the the hello", "x  y\n z"})
        CHECK(from_json->encode(s) == from_files->encode(s));
}

TEST_CASE("sentencepiece-style BPE from tokenizer.json with byte fallback",
          "[transformer][tokenizer]") {
    const json tj = sentencepiece_tokenizer_json();
    const auto path = test::scratch_root() / "sp_tokenizer.json";
    std::ofstream(path) << tj.dump();
    const auto t = load_tokenizer(path, 0);
    CHECK(t->kind() == "bpe-sentencepiece");
    CHECK(t->bos() == 1);
    CHECK(t->eos() == 2);
    const int Ma = 263, Mab = 264, ab = 265, MM = 266, c = 262, a = 260;
    // "ab cab" -> "▁ab▁cab" -> words "▁ab", "▁cab" -> [▁ab] [▁ c ab]
    CHECK(t->encode("ab cab") == std::vector<int>{Mab, 259, c, ab});
    // "a  a" -> "▁a▁▁a" -> words "▁a", "▁▁a"; in "▁ ▁ a" the merge "▁ a" (rank 0) beats
    // "▁ ▁" (rank 3) -> [▁a] [▁ ▁a]; "▁▁b" has no "▁ b" merge, so "▁ ▁" applies -> [▁▁ b]
    CHECK(t->encode("a  a") == std::vector<int>{Ma, 259, Ma});
    CHECK(t->encode(" b") == std::vector<int>{MM, 259 + 2});
    (void)a;
    // "é" is not in the vocabulary: bytes <0xC3> <0xA9>
    CHECK(t->encode("\xC3\xA9") == std::vector<int>{259, 3 + 0xC3, 3 + 0xA9});
    for (const std::string s : {"ab cab", "a  a", "c\xC3\xA9 b\n", " lead"})
        CHECK(t->decode(t->encode(s)) == s);
    CHECK(t->decode(std::vector<int>{1, Mab, 2}) == "ab");
}

TEST_CASE("unsupported tokenizer.json variants are named", "[transformer][tokenizer]") {
    const auto path = test::scratch_root() / "bad_tokenizer.json";
    std::ofstream(path) << json{{"model", {{"type", "WordPiece"}, {"vocab", json::object()}}}}.dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring(path.string()) &&
                                                   ContainsSubstring("WordPiece"));
    std::ofstream(path) << json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}}},
                                {"pre_tokenizer",
                                 {{"type", "Sequence"},
                                  {"pretokenizers",
                                   {{{"type", "Split"}, {"pattern", {{"Regex", "x"}}}},
                                    {{"type", "ByteLevel"}, {"use_regex", false}}}}}}}
                               .dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("\"Split\"") &&
                                                   ContainsSubstring("not supported"));
    std::ofstream(path) << "{ not json";
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("not valid JSON"));
}

TEST_CASE("BPE ids outside the vocabulary budget and wrongly typed fields are refused by name",
          "[transformer][tokenizer][hardening]") {
    const auto path = test::scratch_root() / "hostile_tokenizer.json";
    const auto with_added = [&](const json& id) {
        std::ofstream(path) << json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}}},
                                    {"pre_tokenizer", {{"type", "ByteLevel"}}},
                                    {"added_tokens", {{{"id", id}, {"content", "<x>"}, {"special", true}}}}}
                                   .dump();
    };
    // -5 wrote before the id table, -1e8 crashed, 2^31 - 1 overflowed, 3e8 was std::bad_alloc.
    for (const json id : {json(-5), json(-100000000), json(2147483647), json(300000000), json(4294967418ULL),
                          json("7"), json(1.5)}) {
        with_added(id);
        INFO(id.dump());
        CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring(path.string()) &&
                                                       ContainsSubstring("added_tokens[0].id") &&
                                                       ContainsSubstring("expected an integer in [0, 4194304)"));
    }
    std::ofstream(path) << json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 300000000}}}}}}.dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("model.vocab") && ContainsSubstring("300000000"));
    // Wrong types: a message naming file, field, value and what was expected (was nlohmann's
    // type_error text).
    std::ofstream(path) << json{{"model", {{"type", 5}, {"vocab", json::object()}}}}.dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring(path.string()) && ContainsSubstring("\"type\"") &&
                                                   ContainsSubstring("expected a string"));
    std::ofstream(path) << json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"byte_fallback", "yes"}}},
                                {"normalizer", {{"type", "Replace"}, {"content", "\xE2\x96\x81"}}}}
                               .dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("\"byte_fallback\"") &&
                                                   ContainsSubstring("expected true or false"));
    std::ofstream(path) << json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}}}, {"added_tokens", 3}}.dump();
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("\"added_tokens\"") &&
                                                   ContainsSubstring("expected an array"));
}

TEST_CASE("a character tokenizer nested 100,000 deep or with a wrapping byte is refused",
          "[transformer][tokenizer][hardening]") {
    const auto path = test::scratch_root() / "hostile_char_tokenizer.json";
    std::ofstream(path) << "{\"kirchhoff_tokenizer\": \"char\", \"bytes\": [" << std::string(100000, '[')
                        << std::string(100000, ']') << "]}";
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring(path.string()) &&
                                                   ContainsSubstring("nested deeper than 64"));
    std::ofstream(path) << "{\"kirchhoff_tokenizer\": \"char\", \"bytes\": [10, 4294967418]}";
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("\"bytes\"[1] is 4294967418") &&
                                                   ContainsSubstring("[0, 255]"));
    std::ofstream(path) << "{\"kirchhoff_tokenizer\": \"char\", \"bytes\": [10, -1]}";
    CHECK_THROWS_WITH(load_tokenizer(path, 0), ContainsSubstring("\"bytes\"[1] is -1"));
}
