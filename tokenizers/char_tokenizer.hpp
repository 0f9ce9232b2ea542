// Character-level (byte-level) tokenizer for small models: the vocabulary is the sorted set
// of distinct bytes of a training corpus, token id = rank of the byte in that set.
//
// Saved alongside the model as JSON: {"kirchhoff_tokenizer": "char", "bytes": [10, 32, ...]}
// (bytes as numbers, so any corpus, UTF-8 or not, round-trips). Encoding a byte that is not
// in the vocabulary is an InputError naming the byte and its offset.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace kirchhoff::tokenizers {

class CharTokenizer final : public Tokenizer {
public:
    /// Vocabulary = the sorted distinct bytes of `corpus`.
    static CharTokenizer from_corpus(std::string_view corpus);
    /// Vocabulary given as sorted distinct bytes; std::invalid_argument otherwise.
    explicit CharTokenizer(std::vector<unsigned char> bytes);

    static CharTokenizer load(const std::filesystem::path& path);
    /// Written whole or not at all (io/atomic_file.hpp).
    void save(const std::filesystem::path& path) const;

    std::string_view kind() const override { return "char"; }
    int vocab_size() const override { return static_cast<int>(bytes_.size()); }
    std::vector<int> encode(std::string_view text) const override;
    std::string decode(std::span<const int> tokens) const override;
    const std::vector<unsigned char>& bytes() const { return bytes_; }

private:
    std::vector<unsigned char> bytes_;  // id -> byte
    std::array<int, 256> id_{};         // byte -> id, -1 when absent
};

}  // namespace kirchhoff::tokenizers
