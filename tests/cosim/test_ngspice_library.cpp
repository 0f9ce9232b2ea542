// The private copy of libngspice: made in a folder of its own, never through a file or link
// planted in the shared temporary folder, and gone from disk once loaded.
#include <catch2/catch_test_macros.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cosim/ngspice_library.hpp"

using namespace kirchhoff;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Sets $TMPDIR for the scope (fs::temp_directory_path reads it on every call).
struct TmpdirScope {
    std::string old;
    bool had = false;
    explicit TmpdirScope(const fs::path& dir) {
        if (const char* v = std::getenv("TMPDIR")) old = v, had = true;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~TmpdirScope() {
        if (had) ::setenv("TMPDIR", old.c_str(), 1);
        else ::unsetenv("TMPDIR");
    }
};

}  // namespace

TEST_CASE("the ngspice library copy never writes through planted links and leaves nothing behind",
          "[cosim][ngspice]") {
    const fs::path root = fs::temp_directory_path() / ("kirchhoff_test_nglib_" + std::to_string(::getpid()));
    fs::remove_all(root);
    const fs::path tmp = root / "tmp", victim = root / "victim.txt";
    fs::create_directories(tmp);
    std::ofstream(victim) << "precious";
    // Links at every name the old predictable scheme (kirchhoff-ngspice-<pid>-<n>.so) would use
    // for this process's next copies, all pointing at the victim.
    for (int n = 0; n < 64; ++n)
        fs::create_symlink(victim, tmp / ("kirchhoff-ngspice-" + std::to_string(::getpid()) + "-" + std::to_string(n) + ".so"));
    std::size_t planted = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(tmp)) ++planted;
    {
        const TmpdirScope scope(tmp);
        const cosim::NgspiceLibrary first, second;
        CHECK(first.init != nullptr);
        CHECK(second.init != nullptr);
    }
    CHECK(slurp(victim) == "precious");
    std::size_t after = 0;
    for (const auto& e : fs::directory_iterator(tmp)) {
        ++after;
        CHECK(fs::is_symlink(e.symlink_status()));  // only the planted links: no copy, no folder left
    }
    CHECK(after == planted);
    fs::remove_all(root);
}
