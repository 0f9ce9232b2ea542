// GPT-2's pre-tokenizer and byte-to-unicode map (Radford et al. 2019, encoder.py).
//
// The pattern, as GPT-2 and Hugging Face's ByteLevel pre-tokenizer write it:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// is implemented here as a hand-written scanner over code points (std::regex has no \p{..});
// the letter/number classes come from the generated Unicode tables.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::tokenizers {

/// Splits `text` into GPT-2 pre-tokens (views into `text`, covering it exactly, in order).
std::vector<std::string_view> gpt2_pretokenize(std::string_view text);

/// GPT-2's reversible map from bytes to printable code points: printable Latin-1 bytes
/// ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) map to themselves, the other 68 bytes to
/// U+0100 onwards in byte order (so ' ' becomes U+0120 'Ġ').
const std::array<char32_t, 256>& gpt2_byte_to_unicode();

}  // namespace kirchhoff::tokenizers
