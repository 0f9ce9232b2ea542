// Many ngspice solves at once, each on its own simulator instance.
//
// Two ways to run instances side by side, both behind this one class:
//  - threads:   one thread per worker, each with its own private copy of libngspice
//               loaded into this process (NgspiceLibrary);
//  - processes: one forked worker process per worker, each with its own session, talking
//               over pipes. A worker that crashes is restarted and its job is reported as
//               failed, so nothing can take the host process down. A job with a time limit
//               (SpiceJob::timeout_s) whose worker has not answered 1 s after it (a deck that
//               loads for ever, a `.control` loop: ngspice halts only analyses) has its worker
//               killed (SIGKILL) and restarted, and fails with timed_out set.
//  With threads, a time limit halts the analysis only: deck loading and `.control` run on.
//
// No job waits for ever: a job without a time limit of its own gets the pool's job ceiling
// (job_ceiling_s, default default_job_ceiling_s) instead. With processes, a worker that has
// not answered by then (a deadlocked or stopped worker, a deck that loads for ever) is
// killed and replaced and the job fails with timed_out set, naming the deck and the ceiling;
// with threads the ceiling halts the job's analysis, as a time limit would. Jobs that finish
// within it are solved exactly as without it.
// bench/spice_bench measures both; processes is the default because the isolation costs
// little next to a circuit solve (README: figures).
//
// Results come back in job order and do not depend on the number of workers: each job is
// solved from scratch on a freshly loaded deck.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "cosim/ngspice_session.hpp"
#include "cosim/spice_job.hpp"

namespace kirchhoff::cosim {

enum class PoolBackend { threads, processes };

const char* to_string(PoolBackend backend);

class SpicePool {
public:
    /// Longest a job without SpiceJob::timeout_s may take (s): far above any solve this
    /// program makes (a 256 x 256 tile solves in minutes), only there so that nothing hangs.
    static constexpr double default_job_ceiling_s = 3600.0;

    /// Starts `workers` (>= 1) simulator instances. `job_ceiling_s` in (0, 1e6] bounds every
    /// job without a time limit of its own (see above).
    explicit SpicePool(int workers, PoolBackend backend = PoolBackend::processes,
                       SessionOptions options = {}, double job_ceiling_s = default_job_ceiling_s);
    ~SpicePool();
    SpicePool(const SpicePool&) = delete;
    SpicePool& operator=(const SpicePool&) = delete;

    /// Called after each finished job with (jobs done, jobs in total).
    using Progress = std::function<void(std::size_t, std::size_t)>;

    /// Solves every job; result i belongs to job i. Failed solves are results with an error.
    std::vector<SpiceResult> solve(const std::vector<SpiceJob>& jobs, const Progress& progress = {});

    int workers() const;
    PoolBackend backend() const { return backend_; }
    double job_ceiling_s() const { return job_ceiling_s_; }

    class Backend;  // implementation detail (spice_pool.cpp)

private:
    PoolBackend backend_;
    double job_ceiling_s_;
    std::unique_ptr<Backend> impl_;
};

}  // namespace kirchhoff::cosim
