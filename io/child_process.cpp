// posix_spawn with an argument vector, a working folder and redirected streams; no shell.
#include "io/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

extern char** environ;

namespace kirchhoff::io {

namespace {

// posix_spawn_file_actions_t with RAII.
struct FileActions {
    posix_spawn_file_actions_t a;
    FileActions() { posix_spawn_file_actions_init(&a); }
    ~FileActions() { posix_spawn_file_actions_destroy(&a); }
};

// A pipe whose ends close on scope exit (both ends close-on-exec in the parent).
struct Pipe {
    int fd[2] = {-1, -1};
    void open() {
        if (::pipe2(fd, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("pipe failed: {}", std::strerror(errno)));
    }
    void close_end(int k) {
        if (fd[k] >= 0) ::close(fd[k]);
        fd[k] = -1;
    }
    ~Pipe() { close_end(0), close_end(1); }
};

// Reads both capture pipes until both reach end of file.
void drain(Pipe& out, Pipe& err, ChildResult& r) {
    std::array<char, 65536> buf{};
    while (out.fd[0] >= 0 || err.fd[0] >= 0) {
        std::array<pollfd, 2> fds{pollfd{out.fd[0], POLLIN, 0}, pollfd{err.fd[0], POLLIN, 0}};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(fmt::format("poll failed: {}", std::strerror(errno)));
        }
        for (int k = 0; k < 2; ++k) {
            Pipe& p = k == 0 ? out : err;
            if (p.fd[0] < 0 || !(fds[std::size_t(k)].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(p.fd[0], buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) p.close_end(0);
            else (k == 0 ? r.out : r.err).append(buf.data(), std::size_t(n));
        }
    }
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options) {
    if (argv.empty() || argv[0].empty()) throw std::invalid_argument("run_child: no program");
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    FileActions fa;
    Pipe out, err;
    posix_spawn_file_actions_addopen(&fa.a, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const auto route = [&](ChildStream s, int target, Pipe& p) {
        switch (s) {
            case ChildStream::inherit: break;
            case ChildStream::discard: posix_spawn_file_actions_addopen(&fa.a, target, "/dev/null", O_WRONLY, 0); break;
            case ChildStream::to_stderr: posix_spawn_file_actions_adddup2(&fa.a, STDERR_FILENO, target); break;
            case ChildStream::capture:
                p.open();
                posix_spawn_file_actions_adddup2(&fa.a, p.fd[1], target);
                break;
        }
    };
    route(options.out, STDOUT_FILENO, out);
    route(options.err, STDERR_FILENO, err);
    if (!options.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&fa.a, options.working_dir.c_str());

    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &fa.a, nullptr, args.data(), environ);
    if (rc != 0)
        throw std::runtime_error(fmt::format("cannot start {}{}: {}", argv[0],
                                             options.working_dir.empty() ? "" : " in " + options.working_dir.string(),
                                             std::strerror(rc)));
    out.close_end(1), err.close_end(1);
    ChildResult r;
    drain(out, err, r);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw std::runtime_error(fmt::format("waitpid for {} failed: {}", argv[0], std::strerror(errno)));
    if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

}  // namespace kirchhoff::io
