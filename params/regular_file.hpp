// Refusing input paths that are not regular files: directories, devices (/dev/zero), FIFOs,
// /proc entries (/proc/self/mem), and files above a size bound. Used by every reader of
// untrusted input (configurations, studies, decks, tokenizers: io/input_file.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace kirchhoff::params {

/// Largest text input read whole (decks, tokenizer JSON, configuration): 1 GiB.
inline constexpr std::uintmax_t max_text_input_bytes = std::uintmax_t{1} << 30;

/// InputError unless `path` names an existing regular file of at most `max_bytes`. `what`
/// says what the file was meant to be ("deck", "configuration") and goes into the message.
void require_regular_file(const std::filesystem::path& path, std::string_view what,
                          std::uintmax_t max_bytes = max_text_input_bytes);

}  // namespace kirchhoff::params
