// Running a helper program (gnuplot; ngspice and admsXml in the tests) with an argument vector:
// never through a shell, so no file name, title or path can be read as a command.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace kirchhoff::io {

/// Where a child's standard output or error goes.
enum class ChildStream {
    inherit,    // ours
    discard,    // /dev/null
    to_stderr,  // our standard error (keeps a helper's chatter off our stdout, e.g. --json)
    capture,    // into ChildResult::out / err
};

struct ChildOptions {
    std::filesystem::path working_dir;  // the child's working folder; empty: ours
    ChildStream out = ChildStream::inherit, err = ChildStream::inherit;
};

struct ChildResult {
    int exit_status = -1;  // the child's exit status; -1 when a signal ended it
    int signal = 0;        // that signal, else 0
    std::string out, err;  // captured streams (ChildStream::capture)
};

/// Starts argv[0] (a path, or a name looked up in PATH) with argv[1...] as its arguments and
/// standard input from /dev/null, and waits for it. std::runtime_error naming the program when
/// it cannot be started (missing, not executable, working folder missing).
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

}  // namespace kirchhoff::io
