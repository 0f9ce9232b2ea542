// Checks on the paths a command will write to, made before any work is done, so that a run
// that could not save its results fails at once (exit 2, naming the flag and the path) instead
// of after hours of computing.
#pragma once

#include <filesystem>
#include <string_view>

namespace kirchhoff::io {

/// For a flag naming an output folder (e.g. "--out DIR"): creates the folder and its parents,
/// then proves it writable by creating and removing a probe file. InputError naming `flag`,
/// the path and the system's reason when either fails.
void prepare_output_dir(const std::filesystem::path& dir, std::string_view flag);

/// For a flag naming one output file: prepare_output_dir() on its folder, and the file must be
/// absent or a regular file (check_replaceable: a device, FIFO, folder or link is refused).
void prepare_output_file(const std::filesystem::path& file, std::string_view flag);

}  // namespace kirchhoff::io
