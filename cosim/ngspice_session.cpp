// ngspice session: deck loading, background analyses with time limits, vector access, and
// the translation of ngspice's printed complaints into SpiceError.
#include "cosim/ngspice_session.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "cosim/ngspice_library.hpp"

namespace kirchhoff::cosim {

namespace {

}  // namespace

// ngspice hands every callback the `void*` given to ngSpice_Init. That pointer is a relay,
// not the session: a library copy outlives its session (it is never unloaded), and a late
// callback from one of its threads must find "nobody home" rather than a freed session. One
// relay per loaded copy, leaked along with the copy.
struct CallbackRelay {
    std::mutex mutex;
    NgspiceSession* session = nullptr;
};

namespace {

template <class F>
int relay(void* user, F&& f) {
    auto* r = static_cast<CallbackRelay*>(user);
    std::lock_guard lock(r->mutex);
    if (r->session) f(*r->session);
    return 0;
}

int send_char(char* text, int, void* user) {
    return relay(user, [&](NgspiceSession& s) { s.on_output(text ? text : ""); });
}
int send_stat(char*, int, void*) { return 0; }
int controlled_exit(int status, NG_BOOL, NG_BOOL quit, int, void* user) {
    return relay(user, [&](NgspiceSession& s) { s.on_exit(status, quit); });
}
int background_running(NG_BOOL finished, int, void* user) {
    return relay(user, [&](NgspiceSession& s) { s.on_background(finished); });
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// ngspice prefixes every line with the stream it would have gone to.
std::string_view strip_channel(std::string_view line) {
    for (std::string_view prefix : {"stdout ", "stderr "})
        if (line.substr(0, prefix.size()) == prefix) return line.substr(prefix.size());
    return line;
}

bool is_stderr(std::string_view line) { return line.substr(0, 7) == "stderr "; }

// What ngspice prints when a load or analysis has failed. ngspice's commands return 0 even
// then, so its words are the only signal.
bool is_failure_line(std::string_view raw) {
    const std::string line = lowercase(strip_channel(raw));
    return line.rfind("error", 0) == 0 || line.find("error on line") != std::string::npos ||
           line.find("circuit not parsed") != std::string::npos ||
           line.find("simulation(s) aborted") != std::string::npos ||
           line.find("could not be simulated") != std::string::npos ||
           line.find("timestep too small") != std::string::npos ||
           line.find("dc solution failed") != std::string::npos ||
           (line.find("ignored") != std::string::npos && line.find("not a valid") != std::string::npos);
}

// "v(out)" -> "out", "i(v1)" -> "v1#branch"; ngspice stores names in lower case.
std::string ngspice_vector_name(std::string_view name) {
    std::string n = lowercase(trim(name));
    if (n.size() > 3 && n.back() == ')' && n[1] == '(') {
        const std::string inner = n.substr(2, n.size() - 3);
        if (n[0] == 'v') return inner;
        if (n[0] == 'i') return inner + "#branch";
    }
    return n;
}

}  // namespace

SpiceError::SpiceError(std::string title, std::string analysis, std::string ngspice_message)
    : std::runtime_error(fmt::format("ngspice failed on deck '{}' during {}: {}", title, analysis,
                                     ngspice_message)),
      title_(std::move(title)),
      analysis_(std::move(analysis)),
      ngspice_message_(std::move(ngspice_message)) {}

SpiceError::SpiceError(Reported, std::string title, std::string analysis, std::string report)
    : std::runtime_error(report),
      title_(std::move(title)),
      analysis_(std::move(analysis)),
      ngspice_message_(std::move(report)) {}

NgspiceSession::NgspiceSession(SessionOptions options) : options_(std::move(options)) {
    if (options_.library.empty()) options_.library = NgspiceLibrary::default_path();
    start_library();
}

NgspiceSession::~NgspiceSession() {
    if (!library_) return;
    if (library_->running()) {
        command("bg_halt");
        std::unique_lock lock(mutex_);
        background_changed_.wait_for(lock, std::chrono::seconds(10),
                                     [&] { return !background_running_; });
    }
    if (loaded_) command("remcirc");
    command("destroy all");
    detach_relay();
}

void NgspiceSession::detach_relay() {
    if (!relay_) return;
    std::lock_guard lock(relay_->mutex);
    relay_->session = nullptr;
    relay_ = nullptr;  // leaked with its library copy (see CallbackRelay)
}

const std::filesystem::path& NgspiceSession::library_path() const {
    return library_->source_path();
}

void NgspiceSession::start_library() {
    detach_relay();
    library_.reset();
    library_ = std::make_unique<NgspiceLibrary>(options_.library);
    relay_ = new CallbackRelay;
    relay_->session = this;
    {
        std::lock_guard lock(mutex_);
        log_.clear();
        exited_ = false;
        background_running_ = false;
    }
    library_->init(send_char, send_stat, controlled_exit, nullptr, nullptr, background_running,
                   relay_);
    command("version -f");
    static const std::regex version_re(R"(ngspice-([0-9][0-9.]*))");
    std::lock_guard lock(mutex_);
    for (const std::string& line : log_) {
        std::smatch m;
        if (version_.empty() && std::regex_search(line, m, version_re)) version_ = m[1];
        if (line.find("Compiled with KLU") != std::string::npos) klu_compiled_ = true;
    }
    log_.clear();
    loaded_ = false;
}

void NgspiceSession::command(std::string_view text) {
    std::string buffer(text);
    library_->command(buffer.data());
}

void NgspiceSession::on_output(std::string_view line) {
    std::lock_guard lock(mutex_);
    log_.emplace_back(line);
}

void NgspiceSession::on_exit(int status, bool quit) {
    std::lock_guard lock(mutex_);
    exited_ = true;
    exit_status_ = status;
    log_.push_back(fmt::format("stderr ngspice exited (status {}, {})", status,
                               quit ? "'quit' was executed" : "fatal error"));
}

void NgspiceSession::on_background(bool finished) {
    {
        std::lock_guard lock(mutex_);
        background_running_ = !finished;
        // Called from inside ngspice's background thread, at its start and at its end.
        if (!finished) background_tid_ = int(::syscall(SYS_gettid));
    }
    background_changed_.notify_all();
}

std::vector<std::string> NgspiceSession::log() const {
    std::lock_guard lock(mutex_);
    return log_;
}

std::string NgspiceSession::error_report(std::size_t from) const {
    std::vector<std::string> lines;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = from; i < log_.size(); ++i)
            if (is_stderr(log_[i]) || is_failure_line(log_[i]))
                lines.emplace_back(trim(strip_channel(log_[i])));
    }
    // Keep the report readable: repeated warnings once, at most 30 lines.
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    if (lines.size() > 30) {
        const std::size_t dropped = lines.size() - 30;
        lines.resize(30);
        lines.push_back(fmt::format("... ({} more lines)", dropped));
    }
    std::string message;
    for (const std::string& l : lines) message += (message.empty() ? "" : "\n  ") + l;
    return message.empty() ? "(ngspice printed no message)" : message;
}

bool NgspiceSession::has_failure(std::size_t from) const {
    std::lock_guard lock(mutex_);
    return std::any_of(log_.begin() + std::ptrdiff_t(std::min(from, log_.size())), log_.end(),
                       [](const std::string& l) { return is_failure_line(l); });
}

void NgspiceSession::check_exit(std::string_view analysis, std::size_t log_from) {
    {
        std::lock_guard lock(mutex_);
        if (!exited_) return;
    }
    // Take the report before the reload clears the log, then start over with a fresh copy.
    const std::string message = error_report(log_from);
    const std::string title = title_;
    start_library();
    title_ = "(no deck)";
    throw SpiceError(title, std::string(analysis), message);
}

void NgspiceSession::load(std::string_view deck) {
    if (loaded_) {
        command("remcirc");
        loaded_ = false;
    }
    command("destroy all");  // free the previous plots: long runs load thousands of decks
    {
        std::lock_guard lock(mutex_);
        log_.clear();
    }
    // One line per entry, as ngSpice_Circ wants; the first line is the title.
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= deck.size()) {
        std::size_t end = deck.find('\n', start);
        if (end == std::string_view::npos) end = deck.size();
        std::string_view line = deck.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.emplace_back(line);
        start = end + 1;
    }
    while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
    if (lines.empty()) throw SpiceError("(empty deck)", "load", "the deck has no lines");
    title_ = std::string(trim(lines.front()));
    const bool has_end = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return lowercase(trim(l)) == ".end";
    });
    if (!has_end) lines.emplace_back(".end");

    std::vector<char*> pointers;
    pointers.reserve(lines.size() + 1);
    for (std::string& l : lines) pointers.push_back(l.data());
    pointers.push_back(nullptr);
    const int status = library_->circ(pointers.data());
    check_exit("load", 0);
    if (status != 0 || has_failure(0)) {  // warnings alone are not failures
        const std::string message = error_report(0);
        command("remcirc");
        throw SpiceError(title_, "load", message);
    }
    if (options_.force_klu) command("option klu");
    loaded_ = true;
}

void NgspiceSession::run(std::string_view analysis, std::optional<double> timeout_s) {
    // ngspice matches device names in commands case-sensitively against its lower-cased deck.
    const std::string what = lowercase(trim(analysis));
    if (!loaded_) throw SpiceError(title_, what, "no deck is loaded");
    if (timeout_s && !(*timeout_s > 0))
        throw std::invalid_argument(fmt::format("time limit must be > 0 s, got {}", *timeout_s));
    std::size_t from;
    {
        std::lock_guard lock(mutex_);
        from = log_.size();
        background_running_ = true;
    }
    last_solver_.clear();
    command("bg_" + what);

    bool timed_out = false;
    {
        std::unique_lock lock(mutex_);
        auto done = [&] { return !background_running_ || exited_; };
        if (timeout_s) {
            const auto limit = std::chrono::duration<double>(*timeout_s);
            timed_out = !background_changed_.wait_for(lock, limit, done);
        } else {
            background_changed_.wait(lock, done);
        }
    }
    if (timed_out) {
        command("bg_halt");
        std::unique_lock lock(mutex_);
        background_changed_.wait(lock, [&] { return !background_running_ || exited_; });
    }
    wait_background_exit();
    check_exit(what, from);
    if (timed_out) {
        command("remcirc");
        loaded_ = false;
        throw SpiceTimeout(title_, what,
                           fmt::format("time limit of {} s ran out; the analysis was halted",
                                       *timeout_s));
    }
    if (has_failure(from)) throw SpiceError(title_, what, error_report(from));
    static const std::regex solver_re(R"(Using (.+) as Direct Linear Solver)");
    const std::vector<std::string> lines = log();
    for (std::size_t i = from; i < lines.size(); ++i) {
        std::smatch m;
        if (std::regex_search(lines[i], m, solver_re)) last_solver_ = m[1];
    }
}

// ngspice 46 runs a bg_ analysis on a detached thread and reports its end from inside that
// thread, which then still runs its exit: the C library's and, under AddressSanitizer, the
// allocator's per-thread teardown, which takes allocator locks. A fork in that window
// (SpicePool spawning a worker) copies a lock that no thread of the child will ever release,
// and the child hangs in its first allocation of that size: seen under Clang 16's ASan, whose
// allocator takes no lock around fork (glibc's malloc does). A detached thread cannot be
// joined, so wait until the kernel no longer knows it (tgkill with signal 0 fails with ESRCH
// once the thread has exited and been reaped); this takes microseconds. Bounded at 10 s, past
// which the thread is left to itself (it had already reported its end).
void NgspiceSession::wait_background_exit() {
    int tid = 0;
    {
        std::lock_guard lock(mutex_);
        std::swap(tid, background_tid_);
    }
    if (tid <= 0 || tid == int(::syscall(SYS_gettid))) return;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::syscall(SYS_tgkill, ::getpid(), tid, 0) == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
}

std::vector<double> NgspiceSession::vector(std::string_view name) const {
    const std::string ng = ngspice_vector_name(name);
    std::string buffer = ng;
    const pvector_info info = library_->vector_info(buffer.data());
    if (!info) {
        std::string known;
        for (const std::string& n : vector_names()) known += (known.empty() ? "" : ", ") + n;
        throw SpiceError(title_, "vector read",
                         fmt::format("no vector '{}' in the current plot; it has: {}", name,
                                     known.empty() ? "(none)" : known));
    }
    if (!info->v_realdata)
        throw SpiceError(title_, "vector read",
                         fmt::format("vector '{}' is complex; only real vectors are read", name));
    return std::vector<double>(info->v_realdata, info->v_realdata + info->v_length);
}

std::vector<std::string> NgspiceSession::vector_names() const {
    std::vector<std::string> out;
    char* plot = library_->current_plot();
    if (!plot) return out;
    char** names = library_->all_vectors(plot);
    for (; names && *names; ++names) out.emplace_back(*names);
    return out;
}

}  // namespace kirchhoff::cosim
