// Where Kirchhoff's shipped data is read from: one folder laid out as the source tree (models/,
// data/), the source tree the library was built from unless set_data_dir() named another. The
// shipped model (evaluation/) and the training corpus (training/) both resolve through it.
#pragma once

#include <filesystem>

namespace kirchhoff::io {

/// The folder the shipped model (models/) and corpus (data/) are read from: the source tree the
/// library was built from, unless set_data_dir() named another. The Python package names its
/// installed copy (python/README.md), so that an installed module does not read the source tree;
/// the CLI never calls set_data_dir().
std::filesystem::path data_dir();

/// Sets data_dir() for the process; an empty path returns to the source tree. Call it before
/// anything reads the data (it is not synchronised with running readers).
void set_data_dir(const std::filesystem::path& dir);

}  // namespace kirchhoff::io
