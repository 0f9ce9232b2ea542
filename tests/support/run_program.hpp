// Runs a program (the `kirchhoff` CLI, ngspice) for end-to-end tests and captures its output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace kirchhoff::test {

struct Run {
    int status = -1;          // exit status (-1 when killed by a signal)
    std::string out;          // stdout then stderr
    std::string stdout_only;  // what the program printed to stdout
};

/// `command` through /bin/sh (quote arguments that need it). stderr goes to a file of its
/// own per call, so parallel test processes never mix their output.
inline Run run_program(const std::string& command) {
    static int calls = 0;
    const auto err = std::filesystem::temp_directory_path() /
                     ("kirchhoff_test_" + std::to_string(::getpid()) + "_" + std::to_string(calls++) + ".err");
    FILE* pipe = popen((command + " 2>" + err.string()).c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start: " + command);
    Run r;
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) r.stdout_only.append(buf.data(), n);
    const int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream e(err);
    r.out = r.stdout_only + std::string((std::istreambuf_iterator<char>(e)), {});
    e.close();
    std::filesystem::remove(err);
    return r;
}

}  // namespace kirchhoff::test
