// Plots through gnuplot (Debian's gnuplot-nox): a script and its data files go into the
// output folder next to the PNG, so every plot can be re-rendered or restyled by hand.
//
// No shell is involved: gnuplot is started with an argument vector (io/child_process.hpp) in
// the script's folder. Every piece of text that reaches a script (titles, labels, file names,
// study names and descriptions) must go through gnuplot_quote(), which makes it a string
// expression gnuplot cannot read as a command (single quotes, which gnuplot never expands
// backquotes or macros in, with quotes and line breaks spliced in as "'" and "\n", and control
// characters dropped); numbers are formatted by Kirchhoff, never copied from a file into a
// script.
#pragma once

#include <filesystem>
#include <string>

namespace kirchhoff::io {

/// Path of the gnuplot program found at build time, or "" when there was none.
std::string gnuplot_program();

/// Writes `script` to `script_path` (atomically, io/atomic_file.hpp; a failed write throws)
/// and runs gnuplot on it in the script's folder, gnuplot's output going to our stderr. Returns
/// false, after printing a one-line warning to stderr, when gnuplot is missing or fails, or
/// leaves `image_path` missing or empty (an empty one is removed): a missing plot never loses
/// the data it was drawn from.
bool run_gnuplot(const std::filesystem::path& script_path, const std::string& script,
                 const std::filesystem::path& image_path);

/// `text` as a gnuplot string expression that evaluates to it: '...', or when it holds quotes
/// or line breaks ('a'."'".'b'."\n".'c'), in parentheses; other control characters are dropped.
std::string gnuplot_quote(const std::string& text);

/// `text` for a double-quoted string column of a gnuplot data file (e.g. a tic label read with
/// xtic()): double quotes become single ones, line breaks and other control characters spaces.
std::string gnuplot_data_label(const std::string& text);

}  // namespace kirchhoff::io
