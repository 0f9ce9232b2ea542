// The background job thread (background_worker.hpp).
#include "analog/background_worker.hpp"

#include <chrono>
#include <stdexcept>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace kirchhoff::analog {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
}  // namespace

BackgroundWorker::BackgroundWorker(std::size_t capacity, ErrorHandler on_error)
    : capacity_(capacity), on_error_(std::move(on_error)) {
#ifdef _OPENMP
    team_ = omp_get_max_threads();
#endif
    if (capacity_ < 1) throw std::invalid_argument("BackgroundWorker: capacity must be at least 1");
    thread_ = std::thread([this] { loop(); });
}

BackgroundWorker::~BackgroundWorker() {
    drain();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void BackgroundWorker::post(Job job) {
    const auto t0 = Clock::now();
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.wait(lock, [&] { return queue_.size() < capacity_; });
    --waiting_;
    blocked_s_ += since(t0);
    queue_.push_back(std::move(job));
    lock.unlock();
    changed_.notify_all();
}

void BackgroundWorker::drain() {
    const auto t0 = Clock::now();
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.wait(lock, [&] { return queue_.empty() && !running_job_; });
    --waiting_;
    blocked_s_ += since(t0);
}

double BackgroundWorker::busy_seconds() const {
    std::lock_guard lock(mutex_);
    return busy_s_;
}

bool BackgroundWorker::foreground_waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_ > 0;
}

double BackgroundWorker::blocked_seconds() const {
    std::lock_guard lock(mutex_);
    return blocked_s_;
}

void BackgroundWorker::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        Job job = std::move(queue_.front());
        queue_.pop_front();
        running_job_ = true;
        const int threads = waiting_ > 0 ? team_ : 1;
        lock.unlock();
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        changed_.notify_all();  // a slot is free for post()
        const auto t0 = Clock::now();
        try {
            job();
        } catch (...) {
            on_error_(std::current_exception());
        }
        const double s = since(t0);
        lock.lock();
        busy_s_ += s;
        running_job_ = false;
        changed_.notify_all();  // drain() may be waiting
    }
}

}  // namespace kirchhoff::analog
