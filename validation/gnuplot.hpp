// Plots through gnuplot (Debian's gnuplot-nox): a script and its data files go into the
// output folder next to the PNG, so every plot can be re-rendered or restyled by hand.
#pragma once

#include <filesystem>
#include <string>

namespace kirchhoff::validation {

/// Path of the gnuplot program found at build time, or "" when there was none.
std::string gnuplot_program();

/// Writes `script` to `script_path` and runs gnuplot on it (working directory: the script's
/// folder). Returns false, after printing a one-line warning to stderr, when gnuplot is
/// missing or fails: a missing plot never loses the data it was drawn from.
bool run_gnuplot(const std::filesystem::path& script_path, const std::string& script);

/// Quotes a string for a gnuplot script ('...').
std::string gnuplot_quote(const std::string& text);

}  // namespace kirchhoff::validation
