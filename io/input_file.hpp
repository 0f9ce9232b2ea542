// Reading untrusted input files: only regular files, within a size bound, JSON with a bounded
// nesting depth. Every refusal is an InputError naming the file and what was wrong with it.
//
// Not for outputs (see the writers) and not for memory-mapped binaries (MappedFile).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "params/regular_file.hpp"

namespace kirchhoff::io {

using params::max_text_input_bytes;
/// Deepest JSON nesting accepted from a file (tokenizers nest 3-4 levels deep).
inline constexpr std::size_t max_json_depth = 64;

/// The whole file as bytes, after params::require_regular_file (regular files only: not a
/// directory, device, FIFO or /proc entry; at most `max_bytes`).
std::string read_text_file(const std::filesystem::path& path, std::string_view what,
                           std::uintmax_t max_bytes = max_text_input_bytes);

/// Parses JSON text, refusing nesting deeper than `max_depth` before anything is built (so a
/// hostile file cannot exhaust the stack while it is printed or walked). `where` names the
/// source in the InputError ("FILE", "FILE: header").
nlohmann::json parse_json_bounded(std::string_view text, std::string_view where,
                                  std::size_t max_depth = max_json_depth);

/// read_text_file + parse_json_bounded.
nlohmann::json read_json_file(const std::filesystem::path& path, std::string_view what,
                              std::size_t max_depth = max_json_depth);

}  // namespace kirchhoff::io
