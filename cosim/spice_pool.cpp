// SpicePool backends: threads with private library copies, or forked worker processes.
#include "cosim/spice_pool.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

namespace kirchhoff::cosim {

const char* to_string(PoolBackend backend) {
    return backend == PoolBackend::threads ? "threads" : "processes";
}

namespace {

std::string deck_title(const SpiceJob& job) { return job.deck.substr(0, job.deck.find('\n')); }

// The report of a job without a time limit of its own that ran into the pool's ceiling; `what`
// says what happened then.
std::string ceiling_report(const SpiceJob& job, double ceiling_s, std::string_view what) {
    return fmt::format("ngspice failed on deck '{}' during {}: the job had no time limit of its own "
                       "(SpiceJob::timeout_s, solver.timeout_s = 0) and ran into the pool's job ceiling "
                       "of {} s (SpicePool job_ceiling_s); {}",
                       deck_title(job), job.analysis, ceiling_s, what);
}

}  // namespace

class SpicePool::Backend {
public:
    virtual ~Backend() = default;
    virtual std::vector<SpiceResult> solve(const std::vector<SpiceJob>& jobs,
                                           const Progress& progress) = 0;
    virtual int workers() const = 0;
};

namespace {

// --- threads ---------------------------------------------------------------------------

class ThreadBackend final : public SpicePool::Backend {
public:
    ThreadBackend(int workers, const SessionOptions& options, double job_ceiling_s)
        : job_ceiling_s_(job_ceiling_s) {
        for (int i = 0; i < workers; ++i)
            sessions_.push_back(std::make_unique<NgspiceSession>(options));
    }

    std::vector<SpiceResult> solve(const std::vector<SpiceJob>& jobs,
                                   const SpicePool::Progress& progress) override {
        std::vector<SpiceResult> results(jobs.size());
        std::atomic<std::size_t> next{0};
        std::size_t done = 0;
        std::mutex progress_mutex;
        auto work = [&](NgspiceSession& session) {
            for (std::size_t i = next++; i < jobs.size(); i = next++) {
                results[i] = solve(session, jobs[i]);
                if (progress) {
                    std::lock_guard lock(progress_mutex);
                    progress(++done, jobs.size());
                }
            }
        };
        std::vector<std::thread> threads;
        for (auto& s : sessions_) threads.emplace_back(work, std::ref(*s));
        for (auto& t : threads) t.join();
        return results;
    }

    int workers() const override { return int(sessions_.size()); }

private:
    // A job without a limit of its own is solved with the ceiling as its limit: only its
    // analysis can be halted (a thread cannot be killed).
    SpiceResult solve(NgspiceSession& session, const SpiceJob& job) const {
        if (job.timeout_s) return solve_job(session, job);
        SpiceJob bounded = job;
        bounded.timeout_s = job_ceiling_s_;
        SpiceResult r = solve_job(session, bounded);
        if (r.timed_out) r.error = ceiling_report(job, job_ceiling_s_, "the analysis was halted");
        return r;
    }

    double job_ceiling_s_;
    std::vector<std::unique_ptr<NgspiceSession>> sessions_;
};

// --- processes -------------------------------------------------------------------------
// Wire format on a UNIX stream socket, native byte order (both ends are this program):
//   job:    u8 1, str deck, str analysis, u32 n, n x str vector, u8 has_timeout, f64 timeout
//   stop:   u8 0 (or the socket closing)
//   result: u8 ok, u8 timed_out, f64 seconds, str error, u32 n, n x (u64 len, len x f64)
// where str is u64 length + bytes.

bool write_all(int fd, const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

bool read_all(int fd, void* data, std::size_t n) {
    char* p = static_cast<char*>(data);
    while (n > 0) {
        const ssize_t r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= std::size_t(r);
    }
    return true;
}

class Writer {
public:
    template <class T>
    void pod(const T& x) {
        const char* p = reinterpret_cast<const char*>(&x);
        bytes_.insert(bytes_.end(), p, p + sizeof x);
    }
    void str(const std::string& s) {
        pod(std::uint64_t(s.size()));
        bytes_.insert(bytes_.end(), s.begin(), s.end());
    }
    void doubles(const std::vector<double>& v) {
        pod(std::uint64_t(v.size()));
        const char* p = reinterpret_cast<const char*>(v.data());
        bytes_.insert(bytes_.end(), p, p + v.size() * sizeof(double));
    }
    bool send(int fd) const { return write_all(fd, bytes_.data(), bytes_.size()); }

private:
    std::vector<char> bytes_;
};

class Reader {
public:
    explicit Reader(int fd) : fd_(fd) {}
    template <class T>
    T pod() {
        T x{};
        if (!read_all(fd_, &x, sizeof x)) throw std::runtime_error("worker socket closed");
        return x;
    }
    std::string str() {
        std::string s(pod<std::uint64_t>(), '\0');
        if (!read_all(fd_, s.data(), s.size())) throw std::runtime_error("worker socket closed");
        return s;
    }
    std::vector<double> doubles() {
        std::vector<double> v(pod<std::uint64_t>());
        if (!read_all(fd_, v.data(), v.size() * sizeof(double)))
            throw std::runtime_error("worker socket closed");
        return v;
    }

private:
    int fd_;
};

[[noreturn]] void worker_main(int fd, const SessionOptions& options) {
    // The parent's crash handlers (a test framework's, say) must not run in a worker: a worker
    // that crashes just dies, and the parent reports it.
    for (int sig : {SIGSEGV, SIGABRT, SIGFPE, SIGILL, SIGBUS, SIGTERM, SIGINT}) std::signal(sig, SIG_DFL);
    std::unique_ptr<NgspiceSession> session;
    std::string start_error;
    try {
        session = std::make_unique<NgspiceSession>(options);
    } catch (const std::exception& e) {
        start_error = e.what();
    }
    Reader in(fd);
    try {
        while (in.pod<std::uint8_t>() == 1) {
            SpiceJob job;
            job.deck = in.str();
            job.analysis = in.str();
            job.vectors.resize(in.pod<std::uint32_t>());
            for (auto& v : job.vectors) v = in.str();
            const bool has_timeout = in.pod<std::uint8_t>();
            const double timeout = in.pod<double>();
            if (has_timeout) job.timeout_s = timeout;

            SpiceResult r;
            if (session) r = solve_job(*session, job);
            else r.error = "ngspice worker could not start: " + start_error;
            Writer out;
            out.pod(std::uint8_t(r.ok()));
            out.pod(std::uint8_t(r.timed_out));
            out.pod(r.seconds);
            out.str(r.error);
            out.pod(std::uint32_t(r.vectors.size()));
            for (const auto& v : r.vectors) out.doubles(v);
            if (!out.send(fd)) break;
        }
    } catch (...) {
        // The parent went away: nothing left to do.
    }
    ::_exit(0);
}

class ProcessBackend final : public SpicePool::Backend {
public:
    ProcessBackend(int workers, SessionOptions options, double job_ceiling_s)
        : options_(std::move(options)), job_ceiling_s_(job_ceiling_s) {
        workers_.resize(std::size_t(workers));
        for (std::size_t i = 0; i < workers_.size(); ++i) spawn(i);
    }

    ~ProcessBackend() override {
        for (Worker& w : workers_) stop(w);
    }

    int workers() const override { return int(workers_.size()); }

    std::vector<SpiceResult> solve(const std::vector<SpiceJob>& jobs,
                                   const SpicePool::Progress& progress) override {
        std::vector<SpiceResult> results(jobs.size());
        std::size_t next = 0, done = 0;
        auto dispatch = [&](std::size_t w) {
            if (next >= jobs.size()) return;
            workers_[w].job = std::ptrdiff_t(next);
            workers_[w].deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                      std::chrono::duration<double>(kill_after_s(jobs[next])));
            if (!send_job(workers_[w], jobs[next])) {
                results[next] = died(w, jobs[next]);
                workers_[w].job = -1;
                ++done;
                if (progress) progress(done, jobs.size());
            }
            ++next;
        };
        for (std::size_t w = 0; w < workers_.size(); ++w) dispatch(w);
        while (done < jobs.size()) {
            // A worker past its job's hard deadline (a deck that loads for ever, a `.control`
            // loop: ngspice cannot be halted there; a worker that stopped answering) is killed,
            // replaced, and its job failed.
            const auto now = Clock::now();
            for (std::size_t w = 0; w < workers_.size(); ++w) {
                Worker& worker = workers_[w];
                if (worker.job < 0 || !worker.deadline || now < *worker.deadline) continue;
                const auto j = std::size_t(worker.job);
                worker.job = -1;
                results[j] = killed_at_deadline(w, jobs[j]);
                ++done;
                if (progress) progress(done, jobs.size());
                dispatch(w);
            }
            std::vector<pollfd> fds;
            std::vector<std::size_t> owner;
            for (std::size_t w = 0; w < workers_.size(); ++w)
                if (workers_[w].job >= 0) {
                    fds.push_back({workers_[w].fd, POLLIN, 0});
                    owner.push_back(w);
                }
            if (fds.empty()) {  // every busy worker died at dispatch; hand out the rest
                for (std::size_t w = 0; w < workers_.size() && next < jobs.size(); ++w) dispatch(w);
                continue;
            }
            if (::poll(fds.data(), fds.size(), poll_wait_ms(owner)) < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(fmt::format("SpicePool: poll failed: {}", std::strerror(errno)));
            }
            for (std::size_t k = 0; k < fds.size(); ++k) {
                if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const std::size_t w = owner[k];
                const auto j = std::size_t(workers_[w].job);
                workers_[w].job = -1;
                try {
                    results[j] = receive(workers_[w]);
                } catch (const std::exception&) {
                    results[j] = died(w, jobs[j]);
                }
                ++done;
                if (progress) progress(done, jobs.size());
                dispatch(w);
            }
        }
        return results;
    }

private:
    using Clock = std::chrono::steady_clock;

    struct Worker {
        pid_t pid = -1;
        int fd = -1;
        std::ptrdiff_t job = -1;  // index of the job it is solving, -1 when idle
        std::optional<Clock::time_point> deadline;  // while busy: kill after this (kill_after_s)
    };

    // Seconds after a job is handed out before its worker is killed: the job's limit plus the
    // grace, or the pool's ceiling for a job without a limit.
    double kill_after_s(const SpiceJob& job) const {
        return job.timeout_s ? *job.timeout_s + kill_grace_s : job_ceiling_s_;
    }

    // How long poll() may wait: until the nearest deadline of a busy worker (-1: none).
    int poll_wait_ms(const std::vector<std::size_t>& busy) const {
        std::optional<Clock::time_point> nearest;
        for (std::size_t w : busy)
            if (workers_[w].deadline && (!nearest || *workers_[w].deadline < *nearest)) nearest = workers_[w].deadline;
        if (!nearest) return -1;
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*nearest - Clock::now()).count();
        return int(std::clamp<long long>(ms, 0, 60'000));
    }

    void spawn(std::size_t i) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            throw std::runtime_error(fmt::format("SpicePool: socketpair failed: {}", std::strerror(errno)));
        std::fflush(nullptr);  // else the child may flush a copy of our buffered output again
        const pid_t pid = ::fork();
        if (pid < 0) {
            ::close(sv[0]);
            ::close(sv[1]);
            throw std::runtime_error(fmt::format("SpicePool: fork failed: {}", std::strerror(errno)));
        }
        if (pid == 0) {
            // Keep only this worker's end: a sibling's socket held open here would hide
            // that sibling's death from the parent.
            for (const Worker& w : workers_)
                if (w.fd >= 0) ::close(w.fd);
            ::close(sv[0]);
            worker_main(sv[1], options_);
        }
        ::close(sv[1]);
        workers_[i] = Worker{pid, sv[0], -1, std::nullopt};
    }

    void stop(Worker& w) {
        if (w.fd >= 0) {
            const std::uint8_t quit = 0;
            write_all(w.fd, &quit, 1);
            ::close(w.fd);
        }
        if (w.pid > 0) {
            int status = 0;
            ::waitpid(w.pid, &status, 0);
        }
        w = Worker{};
    }

    bool send_job(Worker& w, const SpiceJob& job) {
        Writer out;
        out.pod(std::uint8_t(1));
        out.str(job.deck);
        out.str(job.analysis);
        out.pod(std::uint32_t(job.vectors.size()));
        for (const auto& v : job.vectors) out.str(v);
        out.pod(std::uint8_t(job.timeout_s.has_value()));
        out.pod(job.timeout_s.value_or(0.0));
        return out.send(w.fd);
    }

    SpiceResult receive(Worker& w) {
        Reader in(w.fd);
        SpiceResult r;
        in.pod<std::uint8_t>();  // ok flag: implied by the error text
        r.timed_out = in.pod<std::uint8_t>();
        r.seconds = in.pod<double>();
        r.error = in.str();
        r.vectors.resize(in.pod<std::uint32_t>());
        for (auto& v : r.vectors) v = in.doubles();
        return r;
    }

    // The worker solving `job` ran past kill_after_s: kill it (SIGKILL: ngspice may be deep in
    // its parser or a `.control` loop, or the worker stopped answering), start a new one in
    // its place.
    SpiceResult killed_at_deadline(std::size_t w, const SpiceJob& job) {
        Worker& worker = workers_[w];
        ::kill(worker.pid, SIGKILL);
        ::close(worker.fd);
        int status = 0;
        ::waitpid(worker.pid, &status, 0);
        worker = Worker{};
        spawn(w);
        SpiceResult r;
        r.timed_out = true;
        r.seconds = kill_after_s(job);
        if (!job.timeout_s) {
            r.error = ceiling_report(job, job_ceiling_s_,
                                     "its worker process had not answered by then and was killed and restarted");
            return r;
        }
        const std::string title = deck_title(job);
        r.error = fmt::format("ngspice failed on deck '{}' during {}: time limit of {} s (solver.timeout_s) ran out "
                              "for loading, .control and analysis together, and ngspice had not stopped {} s later "
                              "(it cannot be halted while it loads a deck or runs .control); the worker process was "
                              "killed and restarted",
                              title, job.analysis, *job.timeout_s, kill_grace_s);
        return r;
    }

    // The worker solving `job` is gone: record why, and start a new one in its place.
    SpiceResult died(std::size_t w, const SpiceJob& job) {
        Worker& worker = workers_[w];
        ::close(worker.fd);
        int status = 0;
        ::waitpid(worker.pid, &status, 0);
        const std::string how = WIFSIGNALED(status)
                                    ? fmt::format("killed by signal {} ({})", WTERMSIG(status),
                                                  strsignal(WTERMSIG(status)))
                                    : fmt::format("exited with status {}", WEXITSTATUS(status));
        worker = Worker{};
        spawn(w);
        SpiceResult r;
        r.error = fmt::format("ngspice worker process {} while solving deck '{}' ({}); it was restarted",
                              how, deck_title(job), job.analysis);
        return r;
    }

    // Seconds after a job's time limit before its worker is killed: the analysis itself is
    // halted at the limit inside the worker (NgspiceSession::run) and reported as usual.
    static constexpr double kill_grace_s = 1.0;

    SessionOptions options_;
    double job_ceiling_s_;
    std::vector<Worker> workers_;
};

}  // namespace

SpicePool::SpicePool(int workers, PoolBackend backend, SessionOptions options, double job_ceiling_s)
    : backend_(backend), job_ceiling_s_(job_ceiling_s) {
    if (workers < 1)
        throw std::invalid_argument(fmt::format("SpicePool: workers = {} must be >= 1", workers));
    if (!(job_ceiling_s > 0 && job_ceiling_s <= 1e6))
        throw std::invalid_argument(fmt::format(
            "SpicePool: job_ceiling_s = {} s is outside (0, 1e6]: it bounds every job without a time limit "
            "of its own (default {} s)",
            job_ceiling_s, default_job_ceiling_s));
    if (backend == PoolBackend::threads)
        impl_ = std::make_unique<ThreadBackend>(workers, options, job_ceiling_s);
    else
        impl_ = std::make_unique<ProcessBackend>(workers, std::move(options), job_ceiling_s);
}

SpicePool::~SpicePool() = default;

std::vector<SpiceResult> SpicePool::solve(const std::vector<SpiceJob>& jobs,
                                          const Progress& progress) {
    return impl_->solve(jobs, progress);
}

int SpicePool::workers() const { return impl_->workers(); }

}  // namespace kirchhoff::cosim
