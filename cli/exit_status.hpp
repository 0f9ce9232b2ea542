// How the `kirchhoff` program turns an exception into a one-line message and an exit status:
// 2 for bad input (InputError), 3 for a circuit solve that failed or ran out of time
// (SpiceError, NodalError), 1 for anything else. main() and the watchdog's child share it.
#pragma once

#include <exception>

namespace kirchhoff::cli {

/// A command whose work ran in a child process that already reported its error: exit with
/// `status` and print nothing more.
struct ChildFailed : std::exception {
    explicit ChildFailed(int s) : status(s) {}
    const char* what() const noexcept override { return "the child process failed"; }
    int status;
};

/// Prints the message for `error` to stderr and returns the exit status.
int report_error(std::exception_ptr error);

}  // namespace kirchhoff::cli
