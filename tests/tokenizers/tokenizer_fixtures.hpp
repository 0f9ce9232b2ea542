// Test support: a small sentencepiece-style (Llama 2) tokenizer.json, "▁" normalizer with
// byte fallback, for the tokenizer tests and `kirchhoff generate`'s end-to-end test.
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kirchhoff::tokenizers::testing {

// Ids: <unk> 0, <s> 1, </s> 2, <0x00>..<0xFF> 3..258, then ▁ 259, a 260, b 261, c 262,
// ▁a 263, ▁ab 264, ab 265, ▁▁ 266 (267 tokens); merges "▁ a", "▁a b", "a b", "▁ ▁" in rank order.
inline nlohmann::json sentencepiece_tokenizer_json() {
    using nlohmann::json;
    const std::string M = "\xE2\x96\x81";  // '▁'
    json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
    for (int b = 0; b < 256; ++b) vocab[fmt::format("<0x{:02X}>", b)] = 3 + b;
    int id = 259;
    for (const std::string& p : std::vector<std::string>{M, "a", "b", "c", M + "a", M + "ab", "ab", M + M})
        vocab[p] = id++;
    return {{"normalizer",
             {{"type", "Sequence"},
              {"normalizers",
               {{{"type", "Prepend"}, {"prepend", M}},
                {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", M}}}}}},
            {"pre_tokenizer", nullptr},
            {"model",
             {{"type", "BPE"},
              {"byte_fallback", true},
              {"unk_token", "<unk>"},
              {"vocab", vocab},
              {"merges", {M + " a", M + "a b", "a b", M + " " + M}}}},
            {"added_tokens",
             {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
              {{"id", 1}, {"content", "<s>"}, {"special", true}},
              {{"id", 2}, {"content", "</s>"}, {"special", true}}}}};
}

}  // namespace kirchhoff::tokenizers::testing
