// llama2.c's tokenizer.bin: a sentencepiece-style BPE vocabulary with merge scores.
//
// Layout (little-endian): int32 max_token_length, then for each of vocab_size tokens (the
// count is not stored; it is the model's vocab_size): float32 score, int32 length, `length`
// bytes. Ids 0, 1, 2 are <unk>, <s> (BOS), </s> (EOS); bytes the vocabulary lacks are
// encoded as their "<0xXX>" tokens.
// Encoding follows llama2.c's run.c: a dummy-prefix " " when the text is not empty, one token
// per UTF-8 code point (byte fallback otherwise), then repeatedly merge the adjacent pair
// whose concatenation is the vocabulary entry with the highest score (leftmost on ties).
// Decoding concatenates the pieces, turns "<0xXX>" into bytes and drops the leading space
// of the first piece (the dummy prefix).
#pragma once

#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace kirchhoff::tokenizers {

class Llama2cTokenizer final : public Tokenizer {
public:
    /// Reads `vocab_size` tokens; InputError naming the file and token for truncation,
    /// negative lengths, or bytes left over (a tokenizer for a different vocab_size).
    static Llama2cTokenizer load(const std::filesystem::path& path, int vocab_size);
    Llama2cTokenizer(std::vector<std::string> pieces, std::vector<float> scores);
    /// Written whole or not at all (io/atomic_file.hpp).
    void save(const std::filesystem::path& path) const;

    std::string_view kind() const override { return "llama2c"; }
    int vocab_size() const override { return static_cast<int>(pieces_.size()); }
    std::vector<int> encode(std::string_view text) const override;
    std::string decode(std::span<const int> tokens) const override;
    std::optional<int> bos() const override;
    std::optional<int> eos() const override;
    const std::string& piece(int id) const { return pieces_.at(id); }

private:
    int lookup(const std::string& s) const;
    std::vector<std::string> pieces_;
    std::vector<float> scores_;
    std::unordered_map<std::string, int> index_;  // piece -> lowest id with that text
};

}  // namespace kirchhoff::tokenizers
