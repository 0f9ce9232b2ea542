// llama2.c tokenizer.bin: load, save, encode, decode.
#include "tokenizers/llama2c_tokenizer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/mapped_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::tokenizers {

Llama2cTokenizer::Llama2cTokenizer(std::vector<std::string> pieces, std::vector<float> scores)
    : pieces_(std::move(pieces)), scores_(std::move(scores)) {
    if (pieces_.size() != scores_.size())
        throw std::invalid_argument("llama2.c tokenizer: pieces and scores differ in count");
    for (std::size_t i = 0; i < pieces_.size(); ++i)
        index_.emplace(pieces_[i], static_cast<int>(i));  // keeps the first id of duplicates
}

Llama2cTokenizer Llama2cTokenizer::load(const std::filesystem::path& path, int vocab_size) {
    const std::string file = path.string();
    if (vocab_size <= 0)
        throw InputError(fmt::format("{}: vocab_size = {} must be positive (it comes from the "
                                     "model)",
                                     file, vocab_size));
    const io::MappedFile mapped(path);
    const auto bytes = mapped.bytes();
    std::size_t at = 0;
    // Checks that n more bytes are there before anything is allocated for them.
    const auto need = [&](std::size_t n, int token, const char* what) {
        if (n > bytes.size() - at)
            throw InputError(fmt::format(
                "{}: truncated in {} of token {} (the model's vocab_size is {}; the file has {} "
                "bytes)",
                file, what, token, vocab_size, bytes.size()));
    };
    const auto read = [&](void* dst, std::size_t n, int token, const char* what) {
        need(n, token, what);
        std::memcpy(dst, bytes.data() + at, n);
        at += n;
    };
    std::int32_t max_len = 0;
    read(&max_len, 4, -1, "the max_token_length header");
    if (max_len <= 0)
        throw InputError(fmt::format("{}: max_token_length = {} must be positive (not a "
                                     "llama2.c tokenizer.bin?)",
                                     file, max_len));
    // Each token takes at least 8 bytes (score, length): check before allocating.
    if (static_cast<std::uint64_t>(vocab_size) * 8 > bytes.size() - at)
        throw InputError(fmt::format(
            "{}: {} bytes cannot hold the model's vocab_size = {} tokens (8 bytes each at "
            "least): truncated, or a tokenizer for another model",
            file, bytes.size(), vocab_size));
    std::vector<std::string> pieces(vocab_size);
    std::vector<float> scores(vocab_size);
    for (int i = 0; i < vocab_size; ++i) {
        std::int32_t len = 0;
        read(&scores[i], 4, i, "the score");
        read(&len, 4, i, "the length");
        if (len < 0 || len > max_len)
            throw InputError(fmt::format(
                "{}: token {} has length {}, outside [0, max_token_length = {}]: corrupt file",
                file, i, len, max_len));
        // A length is checked against the bytes left before the piece is allocated: a corrupt
        // length up to max_token_length (2^31 - 1) would otherwise allocate gigabytes.
        need(static_cast<std::size_t>(len), i, "the bytes");
        pieces[i].assign(reinterpret_cast<const char*>(bytes.data() + at), static_cast<std::size_t>(len));
        at += static_cast<std::size_t>(len);
    }
    if (at != bytes.size())
        throw InputError(fmt::format(
            "{}: {} bytes left after token {}: the tokenizer has more tokens than the model's "
            "vocab_size {} (a tokenizer for another model?)",
            file, bytes.size() - at, vocab_size - 1, vocab_size));
    return Llama2cTokenizer(std::move(pieces), std::move(scores));
}

void Llama2cTokenizer::save(const std::filesystem::path& path) const {
    std::string out;
    const auto put = [&](const void* data, std::size_t n) { out.append(static_cast<const char*>(data), n); };
    std::int32_t max_len = 1;
    for (const std::string& p : pieces_) max_len = std::max<std::int32_t>(max_len, p.size());
    put(&max_len, 4);
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
        const auto len = static_cast<std::int32_t>(pieces_[i].size());
        put(&scores_[i], 4);
        put(&len, 4);
        out += pieces_[i];
    }
    io::write_file_atomic(path, out);
}

int Llama2cTokenizer::lookup(const std::string& s) const {
    const auto it = index_.find(s);
    return it == index_.end() ? -1 : it->second;
}

std::optional<int> Llama2cTokenizer::bos() const {
    return vocab_size() > 1 ? std::optional<int>(1) : std::nullopt;
}
std::optional<int> Llama2cTokenizer::eos() const {
    return vocab_size() > 2 ? std::optional<int>(2) : std::nullopt;
}

std::vector<int> Llama2cTokenizer::encode(std::string_view text) const {
    std::vector<int> tokens;
    if (text.empty()) return tokens;
    const auto push_piece = [&](const std::string& s) {
        if (const int id = lookup(s); id >= 0) {
            tokens.push_back(id);
            return;
        }
        for (unsigned char b : s) {  // byte fallback
            const int id = lookup(fmt::format("<0x{:02X}>", b));
            if (id < 0)
                throw InputError(fmt::format(
                    "llama2.c tokenizer: no token for '{}' and no byte-fallback token <0x{:02X}>",
                    s, b));
            tokens.push_back(id);
        }
    };
    push_piece(" ");  // the dummy prefix sentencepiece adds
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = 1;  // one UTF-8 code point: a lead byte and up to 3 continuations
        while (i + n < text.size() && n < 4 &&
               (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
            ++n;
        push_piece(std::string(text.substr(i, n)));
        i += n;
    }
    // Merge the adjacent pair whose concatenation scores highest, until none is in the vocab.
    while (true) {
        float best_score = -1e10f;
        int best_id = -1;
        std::size_t best_at = 0;
        for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
            const int id = lookup(pieces_[tokens[i]] + pieces_[tokens[i + 1]]);
            if (id >= 0 && scores_[id] > best_score) {
                best_score = scores_[id];
                best_id = id;
                best_at = i;
            }
        }
        if (best_id < 0) break;
        tokens[best_at] = best_id;
        tokens.erase(tokens.begin() + static_cast<long>(best_at) + 1);
    }
    return tokens;
}

std::string Llama2cTokenizer::decode(std::span<const int> tokens) const {
    std::string out;
    bool first = true;
    for (int t : tokens) {
        if (t < 0 || t >= vocab_size())
            throw std::out_of_range(fmt::format("llama2.c tokenizer: token id {} outside [0, {})",
                                                t, vocab_size()));
        if (t <= 2 && vocab_size() > 2) continue;  // <unk>, <s>, </s>
        std::string_view piece = pieces_[t];
        if (first && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
        first = false;
        unsigned int byte = 0;
        if (piece.size() == 6 && std::sscanf(std::string(piece).c_str(), "<0x%02X>", &byte) == 1)
            out += static_cast<char>(byte);
        else
            out += piece;
    }
    return out;
}

}  // namespace kirchhoff::tokenizers
