// Runs a program (the `kirchhoff` CLI, ngspice) for end-to-end tests and captures its output,
// through io/child_process.hpp (posix_spawn, pipes; no popen, no std::system).
#pragma once

#include <string>
#include <vector>

#include "io/child_process.hpp"

namespace kirchhoff::test {

struct Run {
    int status = -1;          // exit status (-1 when killed by a signal)
    std::string out;          // stdout then stderr
    std::string stdout_only;  // what the program printed to stdout
};

/// argv[0] with the arguments argv[1...] exactly as given: no shell, nothing to quote.
inline Run run_args(const std::vector<std::string>& argv) {
    io::ChildOptions o;
    o.out = o.err = io::ChildStream::capture;
    const io::ChildResult c = io::run_child(argv, o);
    return Run{c.exit_status, c.out + c.err, c.out};
}

/// `command` through /bin/sh -c, for tests that want the shell's own features (environment
/// assignments, ulimit, trap); quote arguments that need it. Fixed test strings only.
inline Run run_program(const std::string& command) { return run_args({"/bin/sh", "-c", command}); }

}  // namespace kirchhoff::test
