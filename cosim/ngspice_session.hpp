// An ngspice simulator instance: load a deck from memory, run an analysis, read vectors.
//
// RAII over one private copy of libngspice (NgspiceLibrary). Every failure ngspice reports
// (parse errors, singular matrices, non-convergence, its exit callback, a time limit that ran
// out) becomes a SpiceError carrying the deck's title, the analysis and ngspice's own message;
// the session stays usable afterwards (after an exit callback it reloads a fresh copy of the
// library). Analyses run on ngspice's background thread so that a time limit can halt them.
//
// Concurrency: one session is one simulator. Use it from one thread at a time; solve in
// parallel with separate sessions (SpicePool). ngspice's own background thread only touches
// the message log, which is guarded by a mutex, and it has exited when run() returns: no
// thread of the session is left running between calls (a fork then copies no lock it holds:
// SpicePool's worker processes).
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::cosim {

class NgspiceLibrary;
struct CallbackRelay;

/// A failed load or analysis; what() is a complete, human-readable report.
class SpiceError : public std::runtime_error {
public:
    SpiceError(std::string title, std::string analysis, std::string ngspice_message);
    /// A report already made whole elsewhere (a SpicePool worker's): what() is `report` as is.
    struct Reported {};
    static constexpr Reported reported{};
    SpiceError(Reported, std::string title, std::string analysis, std::string report);
    const std::string& title() const { return title_; }
    const std::string& analysis() const { return analysis_; }
    const std::string& ngspice_message() const { return ngspice_message_; }

private:
    std::string title_, analysis_, ngspice_message_;
};

/// An analysis that ran past its time limit and was halted.
class SpiceTimeout : public SpiceError {
public:
    using SpiceError::SpiceError;
};

struct SessionOptions {
    std::filesystem::path library = {};  // empty: NgspiceLibrary::default_path()
    bool force_klu = true;               // issue `option klu` after every load
};

class NgspiceSession {
public:
    explicit NgspiceSession(SessionOptions options = {});
    ~NgspiceSession();
    NgspiceSession(const NgspiceSession&) = delete;
    NgspiceSession& operator=(const NgspiceSession&) = delete;

    /// Parses a deck given as text (first line: title; a missing `.end` is added).
    /// Replaces the previously loaded circuit. Throws SpiceError on any parse error.
    void load(std::string_view deck);

    /// Runs an analysis command on the loaded deck: "op", "dc V1 0 1 0.1", "tran 1n 1u", or
    /// "run" (the deck's own analysis lines). Throws SpiceError on failure and SpiceTimeout
    /// when `timeout_s` (seconds, > 0) runs out.
    void run(std::string_view analysis, std::optional<double> timeout_s = std::nullopt);

    /// A vector of the current plot at full double precision. Accepts ngspice names ("out",
    /// "v1#branch") and the V()/I() forms ("v(out)", "i(v1)"). Throws SpiceError when absent.
    std::vector<double> vector(std::string_view name) const;
    /// Names of all vectors in the current plot.
    std::vector<std::string> vector_names() const;

    /// Title of the loaded deck.
    const std::string& title() const { return title_; }
    /// ngspice's output (stdout and stderr lines) since the last load, in order.
    std::vector<std::string> log() const;
    /// The linear solver ngspice reported for the last analysis ("KLU", "SPARSE 1.3"), or "".
    const std::string& last_solver() const { return last_solver_; }

    /// ngspice's version as it reports it ("46").
    const std::string& ngspice_version() const { return version_; }
    /// True when the loaded library says it was compiled with KLU.
    bool klu_compiled() const { return klu_compiled_; }
    const std::filesystem::path& library_path() const;

    // ngspice callbacks (public so the C trampolines can reach them; not for callers).
    void on_output(std::string_view line);
    void on_exit(int status, bool quit);
    void on_background(bool finished);

private:
    void start_library();
    void detach_relay();
    /// ngspice's complaints since log line `from`, one per line, for a SpiceError.
    std::string error_report(std::size_t from) const;
    /// True when a line since `from` says the load or analysis failed.
    bool has_failure(std::size_t from) const;
    void command(std::string_view text);
    void check_exit(std::string_view analysis, std::size_t log_from);
    // Waits until ngspice's finished background thread has exited (see run()).
    void wait_background_exit();

    SessionOptions options_;
    std::unique_ptr<NgspiceLibrary> library_;
    CallbackRelay* relay_ = nullptr;  // owned by the loaded library copy, never freed
    std::string title_ = "(no deck)";
    std::string version_;
    std::string last_solver_;
    bool klu_compiled_ = false;
    bool loaded_ = false;

    mutable std::mutex mutex_;  // guards everything below: written by ngspice's threads
    std::condition_variable background_changed_;
    std::vector<std::string> log_;
    bool background_running_ = false;
    int background_tid_ = 0;  // kernel id of ngspice's current background thread, 0: none
    bool exited_ = false;
    int exit_status_ = 0;
};

}  // namespace kirchhoff::cosim
