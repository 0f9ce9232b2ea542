// Hugging Face BPE: construction, tokenizer.json / vocab.json + merges.txt loading, encode,
// decode.
#include "tokenizers/bpe_tokenizer.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/input_file.hpp"
#include "params/error.hpp"
#include "tokenizers/pretokenizer.hpp"
#include "tokenizers/unicode_classes.hpp"

namespace kirchhoff::tokenizers {

namespace {

using nlohmann::json;

const std::string metaspace = "\xE2\x96\x81";  // U+2581 '▁'

json read_json(const std::filesystem::path& path) { return io::read_json_file(path, "tokenizer"); }

// A token id from a file: an integer in [0, max_bpe_vocab_size). `where` names file and field.
int token_id(const json& id, const std::string& where, const std::string& token) {
    const bool integer = id.is_number_integer();
    const long long v = integer && id.is_number_unsigned() && id.get<unsigned long long>() > LLONG_MAX
                            ? LLONG_MAX
                            : (integer ? id.get<long long>() : -1);
    if (!integer || v < 0 || v >= BpeTokenizer::max_vocab_size)
        throw InputError(fmt::format("{}: token \"{}\" has id {}, expected an integer in [0, {})",
                                     where, token, id.dump(), BpeTokenizer::max_vocab_size));
    return static_cast<int>(v);
}

// Typed optional fields: a present value of the wrong type is an InputError naming the field.
std::string string_field(const json& obj, const char* key, const std::string& fallback,
                         const std::string& where) {
    if (!obj.contains(key) || obj.at(key).is_null()) return fallback;
    if (!obj.at(key).is_string())
        throw InputError(fmt::format("{}: field \"{}\" is {} ({}), expected a string", where, key,
                                     obj.at(key).dump().substr(0, 80), obj.at(key).type_name()));
    return obj.at(key).get<std::string>();
}
bool bool_field(const json& obj, const char* key, bool fallback, const std::string& where) {
    if (!obj.contains(key) || obj.at(key).is_null()) return fallback;
    if (!obj.at(key).is_boolean())
        throw InputError(fmt::format("{}: field \"{}\" is {} ({}), expected true or false", where,
                                     key, obj.at(key).dump().substr(0, 80),
                                     obj.at(key).type_name()));
    return obj.at(key).get<bool>();
}
const json& array_field(const json& obj, const char* key, const std::string& where) {
    static const json empty = json::array();
    if (!obj.contains(key) || obj.at(key).is_null()) return empty;
    if (!obj.at(key).is_array())
        throw InputError(fmt::format("{}: field \"{}\" is a {}, expected an array", where, key,
                                     obj.at(key).type_name()));
    return obj.at(key);
}

// Splits a UTF-8 string into code point strings.
std::vector<std::string> code_points(std::string_view s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        unicode::decode_utf8(s, i, n);
        out.emplace_back(s.substr(i, n));
        i += n;
    }
    return out;
}

std::optional<int> find_id(const std::unordered_map<std::string, int>& vocab,
                           std::initializer_list<const char*> candidates) {
    for (const char* c : candidates)
        if (const auto it = vocab.find(c); it != vocab.end()) return it->second;
    return std::nullopt;
}

std::unordered_map<std::string, int> vocab_from_json(const json& j, const std::string& where) {
    if (!j.is_object()) throw InputError(fmt::format("{}: vocab must be an object", where));
    std::unordered_map<std::string, int> vocab;
    for (const auto& [tok, id] : j.items()) vocab[tok] = token_id(id, where, tok);
    return vocab;
}

std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& where,
                                                std::size_t index) {
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 >= line.size())
        throw InputError(fmt::format("{}: merge {} \"{}\" is not two tokens separated by a space",
                                     where, index, line));
    return {line.substr(0, space), line.substr(space + 1)};
}

}  // namespace

BpeTokenizer::BpeTokenizer(std::unordered_map<std::string, int> vocab,
                           std::vector<std::pair<std::string, std::string>> merges,
                           std::vector<int> special, Options options)
    : options_(options), vocab_(std::move(vocab)) {
    int max_id = -1;
    for (const auto& [tok, id] : vocab_) {
        if (id < 0 || id >= max_vocab_size)
            throw InputError(fmt::format("BPE tokenizer: token \"{}\" has id {}, expected [0, {})",
                                         tok, id, max_vocab_size));
        max_id = std::max(max_id, id);
    }
    pieces_.resize(static_cast<std::size_t>(max_id + 1));
    special_.assign(pieces_.size(), false);
    for (const auto& [tok, id] : vocab_) pieces_[id] = tok;
    for (int id : special)
        if (id >= 0 && id < vocab_size()) special_[id] = true;
    for (std::size_t r = 0; r < merges.size(); ++r)
        ranks_.emplace(merges[r].first + '\0' + merges[r].second, static_cast<int>(r));
}

int BpeTokenizer::rank(const std::string& a, const std::string& b) const {
    const auto it = ranks_.find(a + '\0' + b);
    return it == ranks_.end() ? INT_MAX : it->second;
}

void BpeTokenizer::merge(std::vector<std::string>& s) const {
    while (s.size() > 1) {
        int best = INT_MAX;
        std::size_t at = 0;
        for (std::size_t i = 0; i + 1 < s.size(); ++i) {
            const int r = rank(s[i], s[i + 1]);
            if (r < best) best = r, at = i;
        }
        if (best == INT_MAX) return;
        s[at] += s[at + 1];
        s.erase(s.begin() + static_cast<long>(at) + 1);
    }
}

void BpeTokenizer::encode_word(const std::vector<std::string>& symbols,
                               std::vector<int>& out) const {
    std::vector<std::string> s = symbols;
    merge(s);
    for (const std::string& sym : s) {
        if (const auto it = vocab_.find(sym); it != vocab_.end()) {
            out.push_back(it->second);
            continue;
        }
        if (options_.mode == Mode::sentencepiece && options_.byte_fallback) {
            bool all = true;
            std::vector<int> ids;
            for (unsigned char b : sym) {
                const auto it = vocab_.find(fmt::format("<0x{:02X}>", b));
                if (it == vocab_.end()) {
                    all = false;
                    break;
                }
                ids.push_back(it->second);
            }
            if (all) {
                out.insert(out.end(), ids.begin(), ids.end());
                continue;
            }
        }
        if (options_.unk) {
            out.push_back(*options_.unk);
            continue;
        }
        throw InputError(fmt::format("BPE tokenizer: no token for \"{}\" and no unknown-token or "
                                     "byte fallback",
                                     sym));
    }
}

std::vector<int> BpeTokenizer::encode(std::string_view text) const {
    std::vector<int> out;
    if (text.empty()) return out;
    if (options_.mode == Mode::byte_level) {
        std::string prefixed;
        if (options_.add_prefix_space && text.front() != ' ') {
            prefixed.reserve(text.size() + 1);
            prefixed.push_back(' ');
            prefixed.append(text);
            text = prefixed;
        }
        const auto& map = gpt2_byte_to_unicode();
        for (std::string_view word : gpt2_pretokenize(text)) {
            std::vector<std::string> symbols;
            for (unsigned char b : word) {
                std::string sym;
                unicode::append_utf8(sym, map[b]);
                symbols.push_back(std::move(sym));
            }
            encode_word(symbols, out);
        }
        return out;
    }
    // sentencepiece: "▁" + text with spaces as "▁", split before each "▁" run that follows
    // another character.
    std::string normalized = metaspace;
    for (char ch : text) {
        if (ch == ' ')
            normalized += metaspace;
        else
            normalized += ch;
    }
    const std::vector<std::string> cps = code_points(normalized);
    std::vector<std::string> word;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (cps[i] == metaspace && !word.empty() && word.back() != metaspace) {
            encode_word(word, out);
            word.clear();
        }
        word.push_back(cps[i]);
    }
    if (!word.empty()) encode_word(word, out);
    return out;
}

std::string BpeTokenizer::decode(std::span<const int> tokens) const {
    std::string joined;
    for (int t : tokens) {
        if (t < 0 || t >= vocab_size())
            throw std::out_of_range(
                fmt::format("BPE tokenizer: token id {} outside [0, {})", t, vocab_size()));
        if (special_[t]) continue;
        const std::string& piece = pieces_[t];
        unsigned int byte = 0;
        if (options_.mode == Mode::sentencepiece && piece.size() == 6 &&
            std::sscanf(piece.c_str(), "<0x%02X>", &byte) == 1)
            joined += static_cast<char>(byte);
        else
            joined += piece;
    }
    std::string out;
    if (options_.mode == Mode::byte_level) {
        std::array<int, 0x200> inverse;  // code point -> byte (all mapped code points < 0x200)
        inverse.fill(-1);
        const auto& map = gpt2_byte_to_unicode();
        for (int b = 0; b < 256; ++b) inverse[map[b]] = b;
        for (std::size_t i = 0; i < joined.size();) {
            std::size_t n = 1;
            const char32_t cp = unicode::decode_utf8(joined, i, n);
            if (cp < inverse.size() && inverse[cp] >= 0)
                out += static_cast<char>(inverse[cp]);
            else
                out.append(joined, i, n);  // not a mapped byte: keep as is
            i += n;
        }
        if (options_.add_prefix_space && !out.empty() && out.front() == ' ') out.erase(0, 1);
        return out;
    }
    for (std::size_t i = 0; i < joined.size();) {
        if (joined.compare(i, metaspace.size(), metaspace) == 0) {
            out += ' ';
            i += metaspace.size();
        } else {
            out += joined[i++];
        }
    }
    if (!out.empty() && out.front() == ' ') out.erase(0, 1);  // the prepended "▁"
    return out;
}

BpeTokenizer BpeTokenizer::from_vocab_merges(const std::filesystem::path& vocab_json,
                                             const std::filesystem::path& merges_txt) {
    auto vocab = vocab_from_json(read_json(vocab_json), vocab_json.string());
    std::ifstream in(merges_txt);
    if (!in) throw InputError(fmt::format("{}: cannot open", merges_txt.string()));
    std::vector<std::pair<std::string, std::string>> merges;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (line_no == 1 && line.starts_with("#version"))) continue;
        merges.push_back(split_merge(line, fmt::format("{}:{}", merges_txt.string(), line_no),
                                     merges.size()));
    }
    Options o;
    o.mode = Mode::byte_level;
    o.bos = o.eos = find_id(vocab, {"<|endoftext|>"});
    std::vector<int> special;
    if (o.eos) special.push_back(*o.eos);
    return BpeTokenizer(std::move(vocab), std::move(merges), special, o);
}

BpeTokenizer BpeTokenizer::from_tokenizer_json(const std::filesystem::path& path) {
    const std::string file = path.string();
    const json j = read_json(path);
    if (!j.is_object() || !j.contains("model") || !j.at("model").is_object())
        throw InputError(fmt::format("{}: no \"model\" object (not a Hugging Face "
                                     "tokenizer.json)",
                                     file));
    const json& model = j.at("model");
    const std::string type = string_field(model, "type", "", file + ": model");
    if (type != "BPE")
        throw InputError(fmt::format("{}: model type \"{}\" is not supported (allowed: BPE)",
                                     file, type));
    auto vocab = vocab_from_json(model.contains("vocab") ? model.at("vocab") : json::object(),
                                 file + ": model.vocab");
    std::vector<std::pair<std::string, std::string>> merges;
    for (const json& m : array_field(model, "merges", file + ": model")) {
        if (m.is_string())
            merges.push_back(split_merge(m.get<std::string>(), file, merges.size()));
        else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
            merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        else
            throw InputError(fmt::format("{}: merge {} is {}, expected \"a b\" or [\"a\", \"b\"]",
                                         file, merges.size(), m.dump()));
    }
    std::vector<int> special;
    const json& added = array_field(j, "added_tokens", file);
    for (std::size_t i = 0; i < added.size(); ++i) {
        const json& a = added[i];
        const std::string where = fmt::format("{}: added_tokens[{}]", file, i);
        if (!a.is_object() || !a.contains("id") || !a.contains("content"))
            throw InputError(fmt::format("{}: lacks \"id\" or \"content\" (expected an object "
                                         "with both)",
                                         where));
        const std::string content = string_field(a, "content", "", where);
        const int id = token_id(a.at("id"), where + ".id", content);
        vocab[content] = id;
        if (bool_field(a, "special", false, where)) special.push_back(id);
    }

    Options o;
    // Which flavour: look at the pre-tokenizer and normalizer.
    std::vector<json> pre;
    if (j.contains("pre_tokenizer") && j.at("pre_tokenizer").is_object()) {
        const json& p = j.at("pre_tokenizer");
        if (string_field(p, "type", "", file + ": pre_tokenizer") == "Sequence")
            for (const json& q : array_field(p, "pretokenizers", file + ": pre_tokenizer"))
                pre.push_back(q);
        else
            pre.push_back(p);
    }
    bool byte_level = false, metaspace_pre = false;
    for (const json& p : pre) {
        const std::string where = file + ": pre_tokenizer";
        if (!p.is_object())
            throw InputError(fmt::format("{}: entry {} is a {}, expected an object", where,
                                         p.dump().substr(0, 80), p.type_name()));
        const std::string t = string_field(p, "type", "", where);
        if (t == "ByteLevel") {
            byte_level = true;
            o.add_prefix_space = bool_field(p, "add_prefix_space", false, where);
            if (!bool_field(p, "use_regex", true, where))
                throw InputError(fmt::format(
                    "{}: ByteLevel pre-tokenizer without GPT-2's regex (use_regex false, as in "
                    "Llama 3) is not supported",
                    file));
        } else if (t == "Metaspace") {
            metaspace_pre = true;
        } else {
            throw InputError(fmt::format(
                "{}: pre-tokenizer \"{}\" is not supported (allowed: ByteLevel with GPT-2's "
                "pattern, Metaspace, or none with a sentencepiece normalizer)",
                file, t));
        }
    }
    bool sp_normalizer = false;
    if (j.contains("normalizer") && j.at("normalizer").is_object())
        sp_normalizer = j.at("normalizer").dump().find("\\u2581") != std::string::npos ||
                        j.at("normalizer").dump().find(metaspace) != std::string::npos;
    if (byte_level) {
        o.mode = Mode::byte_level;
    } else if (metaspace_pre || sp_normalizer) {
        o.mode = Mode::sentencepiece;
        o.byte_fallback = bool_field(model, "byte_fallback", false, file + ": model");
    } else {
        throw InputError(fmt::format(
            "{}: cannot tell the BPE flavour: neither a ByteLevel pre-tokenizer (GPT-2) nor a "
            "\"▁\" normalizer or Metaspace pre-tokenizer (Llama/sentencepiece)",
            file));
    }
    if (model.contains("unk_token") && model.at("unk_token").is_string())
        if (const auto it = vocab.find(model.at("unk_token").get<std::string>());
            it != vocab.end())
            o.unk = it->second;
    o.bos = find_id(vocab, {"<s>", "<|begin_of_text|>", "<|endoftext|>"});
    o.eos = find_id(vocab, {"</s>", "<|end_of_text|>", "<|endoftext|>"});
    return BpeTokenizer(std::move(vocab), std::move(merges), special, o);
}

}  // namespace kirchhoff::tokenizers
