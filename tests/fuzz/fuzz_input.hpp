// Shared by the libFuzzer harnesses: the input bytes as a file, for APIs that take a path, and
// the one rule for what an input may do. A harness returns normally when the code under test
// accepts the input or rejects it with the project's error for bad input (InputError); any other
// exception escapes to libFuzzer, which reports it as a crash, as it does sanitizer reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "params/error.hpp"

namespace kirchhoff::fuzz {

/// Writes `size` bytes to `name` inside a directory private to this process (made once under
/// $TMPDIR or /tmp, removed at exit) and returns the file's path. A real file rather than a
/// memfd so that paths inside an input (a study's [base] config) resolve next to it.
inline std::filesystem::path input_file(const std::uint8_t* data, std::size_t size,
                                        std::string_view name) {
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kirchhoff-fuzz-XXXXXX";
        if (!mkdtemp(pattern.data())) std::abort();
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        });
        return std::filesystem::path(pattern);
    }();
    const std::filesystem::path path = dir / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();  // the harness itself failed, not the code under test
    return path;
}

/// Runs `body`; an InputError (bad input, rejected with a message) is an expected outcome.
template <class Body>
void expect_input_error_only(Body&& body) {
    try {
        body();
    } catch (const InputError&) {
    }
}

}  // namespace kirchhoff::fuzz
