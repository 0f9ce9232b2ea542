// One background thread that runs jobs in the order they were posted: the sampled circuit
// validation runs here while inference goes on (AnalogBackend).
//
// Jobs run one at a time, first in first out, so whatever they accumulate (validation
// statistics) is summed in the same order as an inline run and the results do not depend on
// timing. post() blocks while `capacity` jobs are waiting (back-pressure: a validation that is
// slower than inference cannot grow memory without bound); drain() waits until every posted
// job has finished. A job that throws does not stop the worker: its exception is passed to
// the `on_error` handler given to the constructor (on the worker thread).
// Threads: a job runs its OpenMP regions on one thread while the posting side goes on (inference
// owns the cores: a second team beside inference's oversubscribes them, and OpenMP teams whose
// threads wait at barriers for a descheduled member slow down many times over), and on the
// constructing thread's team size (omp_get_max_threads()) when it starts while the posting side
// waits for it in post() or drain() (then the worker is all that runs). Decided per job, so a
// job's results must not depend on its thread count (the backend's do not).
// Time accounting: busy_seconds() is the worker's time inside jobs; blocked_seconds() is the
// posting thread's time spent waiting in post() and drain(), i.e. what the background work
// cost the foreground beyond sharing the cores.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace kirchhoff::analog {

class BackgroundWorker {
public:
    using Job = std::function<void()>;
    using ErrorHandler = std::function<void(std::exception_ptr)>;

    /// capacity >= 1: jobs that may wait before post() blocks.
    BackgroundWorker(std::size_t capacity, ErrorHandler on_error);
    /// Drains, then stops the thread.
    ~BackgroundWorker();
    BackgroundWorker(const BackgroundWorker&) = delete;
    BackgroundWorker& operator=(const BackgroundWorker&) = delete;

    void post(Job job);
    void drain();

    /// Whether a thread waits in post() or drain() now.
    bool foreground_waiting() const;
    double busy_seconds() const;
    double blocked_seconds() const;

private:
    void loop();

    const std::size_t capacity_;
    ErrorHandler on_error_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Job> queue_;
    bool running_job_ = false, stopping_ = false;
    int waiting_ = 0;  // threads in post() or drain()
    int team_ = 1;     // OpenMP threads for a job started while the foreground waits
    double busy_s_ = 0, blocked_s_ = 0;
    std::thread thread_;  // last: starts after the members it uses
};

}  // namespace kirchhoff::analog
