// Runs a piece of a command in a forked child process that is killed when a time limit runs
// out: for work that cannot be interrupted in-process (libngspice loading a deck, or running
// a deck's .control section, does not return to its caller until it is done).
//
// The child runs `work`, maps an exception to a message and exit status as main() does
// (exit_status.hpp), and exits with that status; its stdout and stderr are the parent's.
// The parent waits at most `limit_s` + `grace_s` seconds (limit_s > 0; the grace lets an
// in-process limit inside `work` report first), then kills the child's process (SIGKILL)
// and throws cosim::SpiceTimeout naming `what` and the limit. Otherwise it returns the
// child's exit status (a child killed by a signal: 128 + the signal number, reported on
// stderr). Call it before anything in this process loaded libngspice or started threads.
#pragma once

#include <functional>
#include <string>

namespace kirchhoff::cli {

int run_in_watched_child(double limit_s, double grace_s, const std::string& what,
                         const std::function<void()>& work);

}  // namespace kirchhoff::cli
