// Whole-or-absent output files: temporary file, checked writes, fsync, rename.
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::io {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t buffer_bytes = 1 << 16;

std::string reason(int error) { return std::strerror(error); }

// ".NAME.<pid>-<n>-<random>.tmp" beside the target (NAME cut so the whole stays under NAME_MAX).
fs::path temporary_name(const fs::path& target) {
    static std::atomic<unsigned> counter{0};
    std::uint64_t random = 0;
    if (::getrandom(&random, sizeof random, 0) != sizeof random) random = std::uint64_t(::time(nullptr)) * 2654435761u;
    const std::string name = target.filename().string().substr(0, 200);
    return target.parent_path() / fmt::format(".{}.{}-{}-{:016x}.tmp", name, ::getpid(), counter++, random);
}

fs::path folder_of(const fs::path& target) {
    return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

}  // namespace

void check_replaceable(const fs::path& path, std::string_view flag) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;  // absent: created
        const int e = errno;
        throw InputError(fmt::format("{}{}: cannot inspect the output file: {}", flag.empty() ? "" : std::string(flag) + " ",
                                     path.string(), reason(e)));
    }
    if (S_ISREG(st.st_mode)) return;
    const char* kind = S_ISLNK(st.st_mode)    ? "a symbolic link"
                       : S_ISDIR(st.st_mode)  ? "a folder"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    throw InputError(fmt::format("{}{}: is {}; Kirchhoff replaces only regular files (give the path of a new or "
                                 "regular file)",
                                 flag.empty() ? "" : std::string(flag) + " ", path.string(), kind));
}

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)) {
    check_replaceable(path_);
    struct stat old{};
    const bool replacing = ::lstat(path_.c_str(), &old) == 0;
    for (int attempt = 0; fd_ < 0; ++attempt) {
        tmp_ = temporary_name(path_);
        fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd_ < 0 && (errno != EEXIST || attempt > 100)) {
            const int e = errno;
            tmp_.clear();
            throw std::runtime_error(fmt::format("{}: cannot create a file in {}: {}", path_.string(),
                                                 folder_of(path_).string(), reason(e)));
        }
    }
    if (replacing) (void)::fchmod(fd_, old.st_mode & 07777);  // keep the permissions the user gave it
    buffer_.reserve(buffer_bytes);
}

AtomicFile::~AtomicFile() {
    if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
    tmp_.clear();
}

void AtomicFile::flush_buffer() {
    std::string_view data = buffer_;
    while (!data.empty()) {
        const ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int e = n < 0 ? errno : EIO;
            discard();
            throw std::runtime_error(fmt::format("{}: write failed: {}; nothing was written", path_.string(), reason(e)));
        }
        data.remove_prefix(std::size_t(n));
    }
    buffer_.clear();
}

void AtomicFile::write(std::string_view bytes) {
    if (committed_ || fd_ < 0) throw std::logic_error(fmt::format("{}: write after commit or failure", path_.string()));
    if (buffer_.size() + bytes.size() > buffer_bytes) flush_buffer();
    if (bytes.size() >= buffer_bytes) {
        buffer_.assign(bytes);
        flush_buffer();
    } else {
        buffer_.append(bytes);
    }
}

void AtomicFile::commit() {
    if (committed_ || fd_ < 0) throw std::logic_error(fmt::format("{}: commit after commit or failure", path_.string()));
    flush_buffer();
    const auto fail = [&](const char* what, int e) {
        discard();
        throw std::runtime_error(fmt::format("{}: {} failed: {}; nothing was written", path_.string(), what, reason(e)));
    };
    if (::fsync(fd_) != 0) fail("fsync", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close", errno);
    // The target may have become a folder or a device since the constructor looked.
    check_replaceable(path_);
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("rename into place", errno);
    committed_ = true;
    tmp_.clear();
    // Make the rename durable. Some file systems cannot fsync a folder (EINVAL): the data is
    // already on disk there.
    const int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        const int rc = ::fsync(dir);
        const int e = errno;
        ::close(dir);
        if (rc != 0 && e != EINVAL && e != EROFS)
            throw std::runtime_error(fmt::format("{}: fsync of its folder failed: {}", path_.string(), reason(e)));
    }
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

}  // namespace kirchhoff::io
