// The sweep folder lock: workers of one split share a folder, a second copy of a worker or a
// worker of another split is refused while the first runs, and the lock goes with its holder
// (a killed process included).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_exception.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "params/error.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/sweep_lock.hpp"

using namespace kirchhoff;
using kirchhoff::validation::SweepLock;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

TEST_CASE("a sweep lock refuses overlapping workers and admits the other parts of the same split",
          "[validation][sweep]") {
    const fs::path dir = test::scratch_dir("lock") / "out";
    {
        const SweepLock single(dir, 0, 1);
        CHECK(single.path() == dir / ".locks" / "part-0-of-1.lock");
        // A second plain run, any shard, any rank: all overlap the plain run's points.
        CHECK_THROWS_MATCHES(SweepLock(dir, 0, 1), InputError,
                             Catch::Matchers::MessageMatches(ContainsSubstring(dir.string()) &&
                                                             ContainsSubstring("another sweep") &&
                                                             ContainsSubstring("part-0-of-1.lock")));
        CHECK_THROWS_AS(SweepLock(dir, 1, 2), InputError);
    }
    {
        // Shards 1/2 and 2/2 (or the two ranks of one mpirun) run side by side.
        const SweepLock a(dir, 0, 2);
        const SweepLock b(dir, 1, 2);
        CHECK_THROWS_AS(SweepLock(dir, 1, 2), InputError);  // the same shard twice
        CHECK_THROWS_AS(SweepLock(dir, 0, 3), InputError);  // another split overlaps
        CHECK_THROWS_AS(SweepLock(dir, 0, 1), InputError);
    }
    // Released with its holders.
    const SweepLock again(dir, 0, 1);
}

TEST_CASE("a killed sweep leaves its folder unlocked", "[validation][sweep]") {
    const fs::path dir = test::scratch_dir("lock_killed") / "out";
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        try {
            const SweepLock lock(dir, 0, 1);
            (void)!::write(ready[1], "x", 1);
            ::pause();
        } catch (...) {
        }
        ::_exit(1);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    CHECK_THROWS_AS(SweepLock(dir, 0, 1), InputError);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::optional<SweepLock> after;
    CHECK_NOTHROW(after.emplace(dir, 0, 1));
    ::close(ready[0]), ::close(ready[1]);
}
