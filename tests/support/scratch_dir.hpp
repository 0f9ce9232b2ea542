// Scratch folders for tests: one root per test process under the system's temporary folder,
// removed when the process exits.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace kirchhoff::test {

/// The test process's scratch root (created on first use, removed at exit).
inline const std::filesystem::path& scratch_root() {
    namespace fs = std::filesystem;
    struct Root {
        fs::path dir = fs::temp_directory_path() / ("kirchhoff_test_" + std::to_string(::getpid()));
        Root() { fs::create_directories(dir); }
        ~Root() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    };
    static const Root root;
    return root.dir;
}

/// An empty folder `name` under the scratch root (emptied if it existed).
inline std::filesystem::path scratch_dir(const std::string& name) {
    const std::filesystem::path dir = scratch_root() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace kirchhoff::test
