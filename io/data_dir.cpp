// The shipped-data folder (data_dir.hpp).
#include "io/data_dir.hpp"

#ifndef KIRCHHOFF_SOURCE_DIR
#error "KIRCHHOFF_SOURCE_DIR must be set by io/CMakeLists.txt"
#endif

namespace kirchhoff::io {

namespace {

// The folder set_data_dir() chose; empty: the source tree. Set once, before anything reads data.
std::filesystem::path& data_dir_override() {
    static std::filesystem::path dir;
    return dir;
}

}  // namespace

void set_data_dir(const std::filesystem::path& dir) { data_dir_override() = dir; }

std::filesystem::path data_dir() {
    return data_dir_override().empty() ? std::filesystem::path(KIRCHHOFF_SOURCE_DIR) : data_dir_override();
}

}  // namespace kirchhoff::io
