// A forked child with a time limit (child_watchdog.hpp).
#include "cli/child_watchdog.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/exit_status.hpp"
#include "cosim/ngspice_session.hpp"

namespace kirchhoff::cli {

int run_in_watched_child(double limit_s, double grace_s, const std::string& what,
                         const std::function<void()>& work) {
    if (!(limit_s > 0)) throw std::invalid_argument(fmt::format("watchdog limit {} s must be > 0", limit_s));
    std::fflush(nullptr);  // else the child flushes a copy of our buffered output again
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(fmt::format("fork failed: {}", std::strerror(errno)));
    if (pid == 0) {
        int status = 0;
        try {
            work();
        } catch (...) {
            status = report_error(std::current_exception());
        }
        std::fflush(nullptr);
        ::_exit(status);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s + grace_s);
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            const int sig = WTERMSIG(status);
            fmt::print(stderr, "kirchhoff: error: {}: the solving process was killed by signal {} ({})\n", what,
                       sig, strsignal(sig));
            return 128 + sig;
        }
        if (done < 0 && errno != EINTR)
            throw std::runtime_error(fmt::format("waitpid failed: {}", std::strerror(errno)));
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            throw cosim::SpiceTimeout(what, "load and run",
                                      fmt::format("time limit of {} s ran out (deck loading and .control "
                                                  "included); the ngspice process was killed after {} s",
                                                  limit_s, limit_s + grace_s));
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

}  // namespace kirchhoff::cli
