// Text <-> token ids. One interface for the character-level, llama2.c (sentencepiece-style
// BPE with scores) and Hugging Face BPE tokenizers; load_tokenizer() picks one from a path.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::tokenizers {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    /// "char", "llama2c", "bpe-bytelevel", "bpe-sentencepiece".
    virtual std::string_view kind() const = 0;
    virtual int vocab_size() const = 0;
    /// Token ids of `text`, without BOS/EOS. InputError when the text holds something the
    /// vocabulary cannot express (only the character-level tokenizer can fail).
    virtual std::vector<int> encode(std::string_view text) const = 0;
    /// The text of `tokens`; special tokens (BOS, EOS, ...) decode to nothing.
    /// std::out_of_range for ids outside the vocabulary.
    virtual std::string decode(std::span<const int> tokens) const = 0;
    /// Beginning/end-of-sequence ids, when the vocabulary has them.
    virtual std::optional<int> bos() const { return std::nullopt; }
    virtual std::optional<int> eos() const { return std::nullopt; }
};

/// Loads a tokenizer by what `path` is:
/// - a llama2.c `tokenizer.bin` (any other non-JSON file): needs `vocab_size` from the model;
/// - a Kirchhoff character tokenizer JSON ({"kirchhoff_tokenizer": "char", ...});
/// - a Hugging Face tokenizer.json;
/// - a directory holding tokenizer.json, or vocab.json + merges.txt (GPT-2).
/// InputError naming the path when it is none of these or is broken.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path, int vocab_size);

}  // namespace kirchhoff::tokenizers
