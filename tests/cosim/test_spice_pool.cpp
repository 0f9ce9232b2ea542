// SpicePool: results in job order, independent of worker count and backend; failures and
// crashed workers are recorded results, not lost batches.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "cosim/spice_pool.hpp"

using namespace kirchhoff::cosim;
using Catch::Matchers::ContainsSubstring;

namespace {
// Divider k: V = k + 1 volts over 1k / (k + 1)k, so out = (k + 1)^2 / (k + 2).
std::vector<SpiceJob> divider_jobs(int n) {
    std::vector<SpiceJob> jobs;
    for (int k = 0; k < n; ++k)
        jobs.push_back({fmt::format("divider {}\nV1 in 0 DC {}\nR1 in out 1k\nR2 out 0 {}k\n.end\n", k,
                                    k + 1, k + 1),
                        "op", {"v(out)", "i(v1)"}, std::nullopt});
    return jobs;
}
}  // namespace

TEST_CASE("pool results do not depend on workers or backend", "[cosim][ngspice]") {
    const auto jobs = divider_jobs(12);
    SpicePool reference(1, PoolBackend::threads);
    const auto expected = reference.solve(jobs);
    for (std::size_t k = 0; k < jobs.size(); ++k) {
        REQUIRE(expected[k].ok());
        const double x = double(k + 1);
        CHECK(std::abs(expected[k].vectors[0][0] - x * x / (x + 1)) < 1e-12 * x);
    }
    const auto backend = GENERATE(PoolBackend::threads, PoolBackend::processes);
    const int workers = GENERATE(1, 2, 3);
    SpicePool pool(workers, backend);
    CHECK(pool.workers() == workers);
    std::size_t last_done = 0;
    const auto got = pool.solve(jobs, [&](std::size_t done, std::size_t total) {
        CHECK(done == last_done + 1);
        CHECK(total == jobs.size());
        last_done = done;
    });
    CHECK(last_done == jobs.size());
    for (std::size_t k = 0; k < jobs.size(); ++k) {
        INFO(to_string(backend) << " x" << workers << " job " << k);
        REQUIRE(got[k].ok());
        CHECK(got[k].vectors == expected[k].vectors);  // bit for bit
    }
}

TEST_CASE("a failed job is recorded and the others still solve", "[cosim][ngspice]") {
    const auto backend = GENERATE(PoolBackend::threads, PoolBackend::processes);
    auto jobs = divider_jobs(4);
    jobs[1].deck = "bad one\nV1 in 0 1\nQ1 a b\n.end\n";
    jobs[2].timeout_s = 0.2;
    jobs[2].deck = "slow one\nV1 in 0 SIN(0 1 1e6)\nR1 in out 1k\nC1 out 0 1n\n.end\n";
    jobs[2].analysis = "tran 1n 100m";
    SpicePool pool(2, backend);
    const auto got = pool.solve(jobs);
    CHECK(got[0].ok());
    CHECK_FALSE(got[1].ok());
    CHECK_THAT(got[1].error, ContainsSubstring("bad one"));
    CHECK(got[2].timed_out);
    CHECK(got[3].ok());
    CHECK(std::abs(got[3].vectors[0][0] - 16.0 / 5.0) < 1e-12);  // x^2 / (x + 1), x = 4
}

TEST_CASE("a crashed worker process is restarted and its job reported", "[cosim][ngspice]") {
    auto jobs = divider_jobs(5);
    // ngspice expands $$ to its own process id: the worker kills itself mid-job.
    jobs[2].deck = "crasher\nV1 in 0 1\nR1 in 0 1k\n.control\nshell kill -SEGV $$\n.endc\n.end\n";
    SpicePool pool(2, PoolBackend::processes);
    const auto got = pool.solve(jobs);
    CHECK(got[0].ok());
    CHECK(got[1].ok());
    REQUIRE_FALSE(got[2].ok());
    CHECK_THAT(got[2].error, ContainsSubstring("signal") && ContainsSubstring("crasher"));
    CHECK(got[3].ok());
    CHECK(got[4].ok());
    const auto again = pool.solve(divider_jobs(2));  // the pool is whole again
    CHECK(again[0].ok());
    CHECK(again[1].ok());
}

TEST_CASE("a worker past its job's time limit is killed and replaced while the other jobs solve",
          "[cosim][ngspice]") {
    // A `.control` loop that never ends: ngspice cannot be halted inside it (no analysis is
    // running), so only killing the worker stops it. Before the deadline this batch hung.
    auto jobs = divider_jobs(4);
    jobs[1].deck = "endless\nV1 in 0 1\nR1 in 0 1k\n.control\nlet i = 0\nwhile i < 1\nlet j = 1\nend\n.endc\n.end\n";
    jobs[1].timeout_s = 0.5;
    jobs[3].timeout_s = 30.0;  // a limit the divider meets: solved as usual
    SpicePool pool(1, PoolBackend::processes);
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = pool.solve(jobs);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(got[0].ok());
    REQUIRE_FALSE(got[1].ok());
    CHECK(got[1].timed_out);
    CHECK_THAT(got[1].error, ContainsSubstring("endless") && ContainsSubstring("time limit of 0.5 s") &&
                                 ContainsSubstring("killed") && ContainsSubstring("restarted"));
    CHECK(got[2].ok());
    CHECK(got[3].ok());
    CHECK(std::abs(got[3].vectors[0][0] - 16.0 / 5.0) < 1e-12);
    CHECK(took < 15.0);  // 0.5 s + 1 s grace + worker restarts; it never ended before
    const auto again = pool.solve(divider_jobs(1));  // the pool is whole again
    CHECK(again[0].ok());
}

TEST_CASE("a worker that stops answering a job without a time limit is killed at the pool's ceiling",
          "[cosim][ngspice]") {
    // The worker stops itself (SIGSTOP, as a deadlocked worker would: alive, silent, no CPU) on
    // a job with no timeout_s. Before the ceiling the parent waited on it for ever.
    auto jobs = divider_jobs(4);
    jobs[1].deck = "frozen\nV1 in 0 1\nR1 in 0 1k\n.control\nshell kill -STOP $$\n.endc\n.end\n";
    SpicePool pool(2, PoolBackend::processes, {}, 1.0);
    CHECK(pool.job_ceiling_s() == 1.0);
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = pool.solve(jobs);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE_FALSE(got[1].ok());
    CHECK(got[1].timed_out);
    CHECK_THAT(got[1].error, ContainsSubstring("frozen") && ContainsSubstring("job ceiling of 1 s") &&
                                 ContainsSubstring("job_ceiling_s") && ContainsSubstring("killed and restarted"));
    for (std::size_t k : {0, 2, 3}) {  // solved by the other worker meanwhile, and kept
        INFO("job " << k);
        REQUIRE(got[k].ok());
        const double x = double(k + 1);
        CHECK(std::abs(got[k].vectors[0][0] - x * x / (x + 1)) < 1e-12 * x);
    }
    CHECK(took < 15.0);  // 1 s ceiling + worker restarts
    const auto again = pool.solve(divider_jobs(3));  // the pool is whole again
    for (const auto& r : again) CHECK(r.ok());
}

TEST_CASE("with threads the pool's ceiling halts the analysis of a job without a time limit",
          "[cosim][ngspice]") {
    auto jobs = divider_jobs(3);
    jobs[1].deck = "slow one\nV1 in 0 SIN(0 1 1e6)\nR1 in out 1k\nC1 out 0 1n\n.end\n";
    jobs[1].analysis = "tran 1n 100m";
    SpicePool pool(1, PoolBackend::threads, {}, 0.3);
    const auto got = pool.solve(jobs);
    REQUIRE_FALSE(got[1].ok());
    CHECK(got[1].timed_out);
    CHECK_THAT(got[1].error, ContainsSubstring("slow one") && ContainsSubstring("job ceiling of 0.3 s") &&
                                 ContainsSubstring("halted"));
    CHECK(got[0].ok());
    CHECK(got[2].ok());
    CHECK(std::abs(got[2].vectors[0][0] - 9.0 / 4.0) < 1e-12);  // x^2 / (x + 1), x = 3
}

TEST_CASE("a pool job ceiling that is not positive or above 1e6 s is refused naming the key", "[cosim]") {
    for (double bad : {0.0, -1.0, 2e6, std::nan("")})
        CHECK_THROWS_WITH(SpicePool(1, PoolBackend::threads, {}, bad),
                          ContainsSubstring("job_ceiling_s") && ContainsSubstring("(0, 1e6]"));
}
