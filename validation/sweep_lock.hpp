// An advisory lock that keeps two sweeps from running the same points of one results folder.
//
// A sweep worker runs the points with index % parts == part (sweep.hpp): the single process is
// part 0 of 1, MPI rank r of K is part r of K, `--shard i/n` is part i-1 of n. Each worker
// holds, for as long as it runs, an flock on its own file DIR/.locks/part-<part>-of-<parts>.lock
// (per-worker lock files: the ranks of one mpirun, or the shards i/n of one n, share a folder
// legitimately and never wait for each other). A worker may not start while the folder's lock
// files show a running worker whose points can overlap its own: the same part of the same
// split (a second copy of the same command), or any worker of another split (a plain run
// beside shards, 2 ranks beside 3). It then fails with an InputError naming the folder and
// the lock file held. The check and the locking happen under an flock on DIR/.locks/register,
// so two workers starting together take turns. The kernel drops a dead process's locks, so a
// killed sweep never leaves the folder locked; lock files stay behind, empty.
//
// `kirchhoff sweep --merge` takes no sweep lock (merging has its own: results_store.hpp).
#pragma once

#include <cstddef>
#include <filesystem>

namespace kirchhoff::validation {

class SweepLock {
public:
    /// Takes the lock of worker `part` of `parts` on `dir` (created if needed). InputError
    /// naming `dir` and the lock file held when a running worker's points can overlap.
    SweepLock(const std::filesystem::path& dir, std::size_t part, std::size_t parts);
    ~SweepLock();
    SweepLock(const SweepLock&) = delete;
    SweepLock& operator=(const SweepLock&) = delete;

    /// The lock file this worker holds.
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace kirchhoff::validation
