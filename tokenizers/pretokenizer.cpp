// GPT-2 pre-tokenizer scanner and byte-to-unicode map.
#include "tokenizers/pretokenizer.hpp"

#include "tokenizers/unicode_classes.hpp"

namespace kirchhoff::tokenizers {

namespace {

enum class Class { letter, number, space, other };

Class classify(char32_t cp) {
    if (unicode::is_whitespace(cp)) return Class::space;
    if (unicode::is_letter(cp)) return Class::letter;
    if (unicode::is_number(cp)) return Class::number;
    return Class::other;
}

// Code points of the text with their byte offsets (offsets has one extra entry: the end).
struct Decoded {
    std::vector<char32_t> cps;
    std::vector<std::size_t> offsets;
};

Decoded decode_all(std::string_view text) {
    Decoded d;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = 1;
        d.cps.push_back(unicode::decode_utf8(text, i, n));
        d.offsets.push_back(i);
        i += n;
    }
    d.offsets.push_back(text.size());
    return d;
}

// Length in code points of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
std::size_t contraction(const std::vector<char32_t>& c, std::size_t i) {
    if (c[i] != U'\'' || i + 1 >= c.size()) return 0;
    const char32_t a = c[i + 1];
    if (a == U's' || a == U't' || a == U'm' || a == U'd') return 2;
    if (i + 2 < c.size()) {
        const char32_t b = c[i + 2];
        if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l'))
            return 3;
    }
    return 0;
}

}  // namespace

std::vector<std::string_view> gpt2_pretokenize(std::string_view text) {
    const Decoded d = decode_all(text);
    const std::vector<char32_t>& c = d.cps;
    const std::size_t n = c.size();
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < n) {
        std::size_t end = i;
        if (const std::size_t k = contraction(c, i)) {
            end = i + k;
        } else {
            // " ?X+" for X in letter, number, other: an optional single ' ' then a run.
            const std::size_t start = (c[i] == U' ' && i + 1 < n) ? i + 1 : i;
            const Class cls = classify(c[start]);
            if (cls != Class::space) {
                end = start;
                while (end < n && classify(c[end]) == cls) ++end;
            } else {
                // Whitespace: \s+(?!\S) takes the run but leaves its last character when a
                // non-space follows (and the run is longer than one); else \s+ takes it all.
                end = i;
                while (end < n && classify(c[end]) == Class::space) ++end;
                if (end < n && end - i > 1) --end;
            }
        }
        out.push_back(text.substr(d.offsets[i], d.offsets[end] - d.offsets[i]));
        i = end;
    }
    return out;
}

const std::array<char32_t, 256>& gpt2_byte_to_unicode() {
    static const std::array<char32_t, 256> map = [] {
        std::array<char32_t, 256> m{};
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
                                   (b >= 0xAE && b <= 0xFF);
            m[b] = printable ? static_cast<char32_t>(b) : next++;
        }
        return m;
    }();
    return map;
}

}  // namespace kirchhoff::tokenizers
