// Hugging Face BPE tokenizers (merges ranked by position), in the two flavours Llama-family
// and GPT-2 checkpoints ship:
// - byte-level (GPT-2, and tokenizer.json files whose pre-tokenizer is ByteLevel): text is
//   split by GPT-2's pattern (pretokenizer.hpp), each piece's bytes are mapped to printable
//   code points, then merged;
// - sentencepiece-style (Llama 2, TinyLlama, Mistral tokenizer.json: normalizer Prepend "▁"
//   + Replace " " -> "▁", or a Metaspace pre-tokenizer): spaces become "▁" (U+2581), a "▁" is
//   prepended, text is split before each "▁" run that follows other characters, code points
//   are merged, and code points outside the vocabulary fall back to "<0xXX>" byte tokens.
// Merging: repeatedly merge the adjacent pair with the lowest merge rank (leftmost on ties).
// Special (added) tokens are not recognised inside the text given to encode(); they decode
// to nothing. A Llama 3 style Split pre-tokenizer with its own regex is refused on load.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace kirchhoff::tokenizers {

class BpeTokenizer final : public Tokenizer {
public:
    enum class Mode { byte_level, sentencepiece };

    /// Token ids must lie in [0, max_vocab_size): 4,194,304, sixteen times the largest
    /// vocabulary shipped today (Gemma, 256,000). A larger id is refused on load, before the
    /// id -> piece table (one string per id) is allocated.
    static constexpr int max_vocab_size = 1 << 22;

    struct Options {
        Mode mode = Mode::byte_level;
        bool add_prefix_space = false;  // byte-level: prepend ' ' (GPT-2: false)
        bool byte_fallback = false;     // sentencepiece: unknown code points -> <0xXX>
        std::optional<int> unk;         // id for unknown symbols when there is no fallback
        std::optional<int> bos;
        std::optional<int> eos;
    };

    /// vocab: token text (after the byte-to-unicode map for byte-level) -> id;
    /// merges: pairs in rank order; special: ids that decode to nothing.
    BpeTokenizer(std::unordered_map<std::string, int> vocab,
                 std::vector<std::pair<std::string, std::string>> merges,
                 std::vector<int> special, Options options);

    /// A Hugging Face tokenizer.json (model type BPE).
    static BpeTokenizer from_tokenizer_json(const std::filesystem::path& path);
    /// GPT-2's vocab.json + merges.txt.
    static BpeTokenizer from_vocab_merges(const std::filesystem::path& vocab_json,
                                          const std::filesystem::path& merges_txt);

    std::string_view kind() const override {
        return options_.mode == Mode::byte_level ? "bpe-bytelevel" : "bpe-sentencepiece";
    }
    int vocab_size() const override { return static_cast<int>(pieces_.size()); }
    std::vector<int> encode(std::string_view text) const override;
    std::string decode(std::span<const int> tokens) const override;
    std::optional<int> bos() const override { return options_.bos; }
    std::optional<int> eos() const override { return options_.eos; }

private:
    // Applies the merges to `symbols` in place.
    void merge(std::vector<std::string>& symbols) const;
    void encode_word(const std::vector<std::string>& symbols, std::vector<int>& out) const;
    int rank(const std::string& a, const std::string& b) const;

    Options options_;
    std::unordered_map<std::string, int> vocab_;
    std::vector<std::string> pieces_;  // id -> text
    std::vector<bool> special_;        // id -> decodes to nothing
    std::unordered_map<std::string, int> ranks_;  // a + '\0' + b -> merge rank
};

}  // namespace kirchhoff::tokenizers
