// Character-level tokenizer.
#include "tokenizers/char_tokenizer.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/input_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::tokenizers {

CharTokenizer CharTokenizer::from_corpus(std::string_view corpus) {
    std::array<bool, 256> seen{};
    for (char c : corpus) seen[static_cast<unsigned char>(c)] = true;
    std::vector<unsigned char> bytes;
    for (int b = 0; b < 256; ++b)
        if (seen[b]) bytes.push_back(static_cast<unsigned char>(b));
    return CharTokenizer(std::move(bytes));
}

CharTokenizer::CharTokenizer(std::vector<unsigned char> bytes) : bytes_(std::move(bytes)) {
    if (bytes_.empty()) throw std::invalid_argument("character tokenizer: empty vocabulary");
    id_.fill(-1);
    for (std::size_t i = 0; i < bytes_.size(); ++i) {
        if (i > 0 && bytes_[i] <= bytes_[i - 1])
            throw std::invalid_argument(
                "character tokenizer: the vocabulary must be sorted distinct bytes");
        id_[bytes_[i]] = static_cast<int>(i);
    }
}

namespace {
std::string describe_byte(unsigned char b) {
    return std::isprint(b) ? fmt::format("0x{:02X} '{}'", b, static_cast<char>(b))
                           : fmt::format("0x{:02X}", b);
}
}  // namespace

std::vector<int> CharTokenizer::encode(std::string_view text) const {
    std::vector<int> out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (id_[b] < 0)
            throw InputError(fmt::format(
                "character tokenizer: byte {} at offset {} is not in the vocabulary of {} "
                "bytes (the model never saw it in training)",
                describe_byte(b), i, bytes_.size()));
        out.push_back(id_[b]);
    }
    return out;
}

std::string CharTokenizer::decode(std::span<const int> tokens) const {
    std::string out;
    out.reserve(tokens.size());
    for (int t : tokens) {
        if (t < 0 || t >= vocab_size())
            throw std::out_of_range(fmt::format("character tokenizer: token id {} outside [0, {})",
                                                t, vocab_size()));
        out += static_cast<char>(bytes_[t]);
    }
    return out;
}

CharTokenizer CharTokenizer::load(const std::filesystem::path& path) {
    const nlohmann::json j = io::read_json_file(path, "character tokenizer");
    if (!j.is_object() || !j.contains("kirchhoff_tokenizer") ||
        j.at("kirchhoff_tokenizer") != "char" || !j.contains("bytes") || !j.at("bytes").is_array())
        throw InputError(fmt::format(
            "{}: not a character tokenizer (expected {{\"kirchhoff_tokenizer\": \"char\", "
            "\"bytes\": [...]}})",
            path.string()));
    std::vector<unsigned char> bytes;
    const nlohmann::json& list = j.at("bytes");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& b = list[i];
        // Compare as unsigned 64-bit so a large value cannot wrap into range (4294967418 is
        // not 122).
        const bool in_range = b.is_number_unsigned() ? b.get<std::uint64_t>() <= 255
                              : b.is_number_integer() ? b.get<std::int64_t>() >= 0 &&
                                                            b.get<std::int64_t>() <= 255
                                                      : false;
        if (!in_range)
            throw InputError(fmt::format(
                "{}: \"bytes\"[{}] is {}, expected an integer byte value in [0, 255]",
                path.string(), i, b.is_structured() ? std::string(b.type_name()) : b.dump()));
        bytes.push_back(static_cast<unsigned char>(b.get<std::uint64_t>()));
    }
    try {
        return CharTokenizer(std::move(bytes));
    } catch (const std::invalid_argument& e) {
        throw InputError(fmt::format("{}: {}", path.string(), e.what()));
    }
}

void CharTokenizer::save(const std::filesystem::path& path) const {
    nlohmann::json j = {{"kirchhoff_tokenizer", "char"}, {"bytes", bytes_}};
    io::write_file_atomic(path, j.dump() + "\n");
}

}  // namespace kirchhoff::tokenizers
