// Unicode character classes for pre-tokenizers: letters (\p{L}), numbers (\p{N}) and white
// space (\s), plus UTF-8 decoding that never fails (invalid bytes become U+FFFD, one per
// byte, so that byte offsets stay exact).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kirchhoff::tokenizers::unicode {

bool is_letter(char32_t cp);  // general category L* (generated table, unicode_classes.cpp)
bool is_number(char32_t cp);  // general category N*

/// Unicode White_Space (what \s matches in the Rust/Python regex engines tokenizers use).
inline bool is_whitespace(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/// Decodes the code point starting at text[i]; returns it and sets `length` to its byte count
/// (1 for an invalid byte, which decodes as U+FFFD).
char32_t decode_utf8(std::string_view text, std::size_t i, std::size_t& length);

/// Appends the UTF-8 encoding of `cp`.
void append_utf8(std::string& out, char32_t cp);

}  // namespace kirchhoff::tokenizers::unicode
