// Output files that are either whole or absent: every file Kirchhoff writes for the user goes
// through here.
//
// The bytes go to a temporary file in the target's own folder (".NAME.XXXXXX.tmp", created
// with O_CREAT | O_EXCL | O_NOFOLLOW, so a planted file or symbolic link is never written
// through), every write and the close are checked, the file is fsync'd and renamed over the
// target, and the folder is fsync'd. On any failure (disk full, I/O error, a folder that
// vanished) the temporary file is removed and a std::runtime_error names the target and the
// system's reason: the target keeps its previous content, or stays absent. A target that
// exists and is not a regular file (a device such as /dev/full, a FIFO, a folder, a symbolic
// link) is refused with an InputError before anything is written: it is never replaced.
//
// Not for append-only files (the sweep's part files: validation/results_store.hpp), which
// keep their own checked write-and-fsync discipline.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace kirchhoff::io {

/// InputError naming `path` (and `flag` when not empty, e.g. "--out") unless `path` is absent
/// or a regular file. Symbolic links are not followed: a link is refused, whatever it points at.
void check_replaceable(const std::filesystem::path& path, std::string_view flag = {});

/// A file being written; the target appears only at commit(). Not thread-safe.
class AtomicFile {
public:
    /// check_replaceable(path), then creates the temporary file. std::runtime_error naming the
    /// folder when it cannot be created (e.g. the folder is missing or read-only).
    explicit AtomicFile(std::filesystem::path path);
    /// Removes the temporary file unless commit() succeeded.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Appends bytes (buffered). std::runtime_error naming the target on a failed write.
    void write(std::string_view bytes);
    /// Writes what is buffered, fsyncs, closes, renames over the target, fsyncs the folder.
    /// After a failure the temporary file is gone and the target is unchanged.
    void commit();

    const std::filesystem::path& path() const { return path_; }

private:
    void flush_buffer();
    void discard() noexcept;

    std::filesystem::path path_, tmp_;
    std::string buffer_;
    int fd_ = -1;
    bool committed_ = false;
};

/// The whole file in one call: AtomicFile(path), write(bytes), commit().
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace kirchhoff::io
