// Per-worker flock files in DIR/.locks/, checked against each other under a registration lock.
#include "validation/sweep_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::validation {

namespace fs = std::filesystem;

namespace {

// A file descriptor closed on scope exit (closing it drops its flock).
struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

int open_lock_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error(fmt::format("{}: cannot open the sweep lock file: {}", path.string(), std::strerror(errno)));
    return fd;
}

// flock that retries after a signal; false when LOCK_NB found it held.
bool lock(int fd, int how, const fs::path& path) {
    while (::flock(fd, how) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) return false;
        throw std::runtime_error(fmt::format("{}: flock failed: {}", path.string(), std::strerror(errno)));
    }
    return true;
}

// part-<p>-of-<n>.lock -> (p, n); nullopt for other names.
std::optional<std::pair<std::size_t, std::size_t>> parse_name(const std::string& name) {
    unsigned long p = 0, n = 0;
    int used = 0;
    if (std::sscanf(name.c_str(), "part-%lu-of-%lu.lock%n", &p, &n, &used) != 2 || std::size_t(used) != name.size())
        return std::nullopt;
    return std::pair<std::size_t, std::size_t>{p, n};
}

bool held_by_another_process(const fs::path& path) {
    const Fd probe{::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC)};
    if (probe.fd < 0) return false;  // vanished: nobody holds it
    return !lock(probe.fd, LOCK_EX | LOCK_NB, path);  // released when `probe` closes
}

}  // namespace

SweepLock::SweepLock(const fs::path& dir, std::size_t part, std::size_t parts) {
    if (parts == 0 || part >= parts) throw std::logic_error(fmt::format("SweepLock: part {} of {}", part, parts));
    const fs::path locks = dir / ".locks";
    std::error_code ec;
    fs::create_directories(locks, ec);
    if (ec) throw InputError(fmt::format("--out {}: cannot create {}: {}", dir.string(), locks.string(), ec.message()));
    const Fd registration{open_lock_file(locks / "register")};
    lock(registration.fd, LOCK_EX, locks / "register");  // released when `registration` closes

    const std::string own = fmt::format("part-{}-of-{}.lock", part, parts);
    const auto busy = [&](const fs::path& held) {
        return InputError(fmt::format(
            "--out {}: another sweep is running in this folder and holds {} (its points overlap this worker's: "
            "part {} of {}); wait for it to finish, or use another --out folder",
            dir.string(), held.string(), part + 1, parts));
    };
    for (const auto& entry : fs::directory_iterator(locks, ec)) {
        const auto other = parse_name(entry.path().filename().string());
        if (!other || entry.path().filename() == own) continue;
        if (other->second != parts && held_by_another_process(entry.path())) throw busy(entry.path());
    }
    if (ec) throw std::runtime_error(fmt::format("{}: cannot list: {}", locks.string(), ec.message()));
    path_ = locks / own;
    Fd mine{open_lock_file(path_)};
    if (!lock(mine.fd, LOCK_EX | LOCK_NB, path_)) throw busy(path_);
    fd_ = mine.release();
}

SweepLock::~SweepLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace kirchhoff::validation
