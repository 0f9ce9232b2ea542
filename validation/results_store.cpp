// Sweep results on disk: append-only part files, CSV lines, and the merged results.csv.
#include "validation/results_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::validation {

namespace {

namespace fs = std::filesystem;

std::string system_error(std::string_view what, const fs::path& path) {
    return fmt::format("{}: {}: {}", path.string(), what, std::strerror(errno));
}

void write_all(int fd, std::string_view data, const fs::path& path) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(system_error("cannot write", path));
        data.remove_prefix(std::size_t(n));
    }
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Closes a file descriptor on scope exit.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

const std::vector<std::string>& metric_columns() {
    static const std::vector<std::string> columns{
        "ppl_digital", "ppl_analog",   "bits_per_token_analog", "validation_nmse", "max_rel_err",
        "validated",   "validation_failed", "ppl_circuit_substituted", "kl_mean_nats", "logit_nmse",   "tokens_per_s",
        "seconds",     "energy_per_token_j",      "latency_per_token_s",
        "ppl_circuit", "ppl_analog_window", "ppl_digital_window", "engine_error_share"};
    return columns;
}

std::vector<std::string> result_columns(const std::vector<std::string>& swept_keys) {
    std::vector<std::string> out{"point", "index", "status"};
    out.insert(out.end(), swept_keys.begin(), swept_keys.end());
    out.insert(out.end(), metric_columns().begin(), metric_columns().end());
    for (const char* c : {"kirchhoff_version", "ngspice_version", "error"}) out.emplace_back(c);
    return out;
}

std::size_t column_index(const std::vector<std::string>& columns, std::string_view name) {
    const auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) throw std::out_of_range(fmt::format("no result column '{}'", name));
    return std::size_t(it - columns.begin());
}

std::string csv_line(const ResultRow& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out += ',';
        std::string cell;
        for (std::size_t k = 0; k < cells[i].size(); ++k) {
            const char c = cells[i][k];
            if (c == '\r' || c == '\n') {
                if (!cell.ends_with(" | ")) cell += " | ";
            } else {
                cell += c;
            }
        }
        if (cell.find_first_of(",\"") != std::string::npos) {
            std::string quoted = "\"";
            for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
            cell = quoted + "\"";
        }
        out += cell;
    }
    return out + "\n";
}

ResultRow parse_csv_line(std::string_view line) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    ResultRow cells(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cells.back() += '"', ++i;
            else if (c == '"') quoted = false;
            else cells.back() += c;
        } else if (c == '"' && cells.back().empty()) {
            quoted = true;
        } else if (c == ',') {
            cells.emplace_back();
        } else {
            cells.back() += c;
        }
    }
    if (quoted) throw InputError(fmt::format("unterminated quoted CSV cell in: {}", line));
    return cells;
}

std::vector<ResultRow> read_results(const fs::path& path, const std::vector<std::string>& columns) {
    if (!fs::exists(path)) return {};
    const std::string text = read_file(path);
    std::vector<ResultRow> rows;
    std::size_t begin = 0, line_no = 0;
    for (std::size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
        ++line_no;
        const std::string_view line(text.data() + begin, end - begin);
        ResultRow cells = parse_csv_line(line);
        if (line_no == 1) {
            if (cells != columns)
                throw InputError(fmt::format("{}: its columns ({}) are not this study's ({}); it was written by "
                                             "another study: use another --out folder",
                                             path.string(), line, csv_line(columns).substr(0, csv_line(columns).size() - 1)));
            continue;
        }
        if (cells.size() != columns.size())
            throw InputError(fmt::format("{}:{}: {} cells, expected {}", path.string(), line_no, cells.size(),
                                         columns.size()));
        rows.push_back(std::move(cells));
    }
    if (line_no == 0 && !text.empty())
        throw InputError(fmt::format("{}: no complete header line", path.string()));
    return rows;
}

ResultsAppender::ResultsAppender(fs::path path, std::vector<std::string> columns)
    : path_(std::move(path)), columns_(std::move(columns)) {
    if (!path_.parent_path().empty()) fs::create_directories(path_.parent_path());
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(system_error("cannot open for appending", path_));
    std::string text = read_file(path_);
    const std::size_t whole = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    if (whole < text.size()) {  // a torn last line: cut it off
        fmt::print(stderr, "kirchhoff: {}: dropping an incomplete last line ({} bytes)\n", path_.string(),
                   text.size() - whole);
        if (::ftruncate(fd_, off_t(whole)) != 0) throw std::runtime_error(system_error("cannot truncate", path_));
        text.resize(whole);
    }
    if (text.empty()) {
        write_all(fd_, csv_line(columns_), path_);
        if (::fsync(fd_) != 0) throw std::runtime_error(system_error("cannot fsync", path_));
    } else {
        read_results(path_, columns_);  // checks the header and every row
    }
}

ResultsAppender::~ResultsAppender() {
    if (fd_ >= 0) ::close(fd_);
}

void ResultsAppender::append(const ResultRow& row) {
    if (row.size() != columns_.size())
        throw std::logic_error(fmt::format("results row with {} cells for {} columns", row.size(), columns_.size()));
    const std::string line = csv_line(row);
    const off_t before = ::lseek(fd_, 0, SEEK_END);
    ssize_t n;
    while ((n = ::write(fd_, line.data(), line.size())) < 0 && errno == EINTR) {
    }
    if (n != ssize_t(line.size()) || ::fsync(fd_) != 0) {
        // One write of the whole row; a short one (disk full) is cut off again so that the
        // file stays whole rows, and the sweep stops with the reason.
        const int e = n < 0 || n == ssize_t(line.size()) ? errno : ENOSPC;
        if (before >= 0) (void)::ftruncate(fd_, before);
        errno = e;
        throw std::runtime_error(system_error("cannot append a row", path_));
    }
}

std::vector<fs::path> part_files(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / "parts", ec))
        if (e.is_regular_file() && e.path().extension() == ".csv") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<ResultRow> collect_results(const fs::path& dir, const std::vector<std::string>& columns) {
    const std::size_t point = column_index(columns, "point"), status = column_index(columns, "status");
    std::map<std::string, ResultRow> by_id;
    std::vector<fs::path> files{dir / "results.csv"};
    for (const auto& p : part_files(dir)) files.push_back(p);
    for (const auto& f : files)
        for (ResultRow& row : read_results(f, columns)) {
            auto [it, fresh] = by_id.emplace(row[point], row);
            if (!fresh && it->second[status] != "ok" && row[status] == "ok") it->second = std::move(row);
        }
    std::vector<ResultRow> out;
    for (auto& [id, row] : by_id) out.push_back(std::move(row));
    return out;
}

std::vector<ResultRow> merge_results(const fs::path& dir, const std::vector<std::string>& columns) {
    fs::create_directories(dir);
    const Fd lock{::open((dir / ".merge.lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)};
    if (lock.fd < 0 || ::flock(lock.fd, LOCK_EX) != 0)
        throw std::runtime_error(system_error("cannot lock", dir / ".merge.lock"));
    std::vector<ResultRow> rows = collect_results(dir, columns);
    const std::size_t index = column_index(columns, "index");
    std::sort(rows.begin(), rows.end(), [&](const ResultRow& a, const ResultRow& b) {
        return std::stoull(a[index]) < std::stoull(b[index]);
    });
    std::string text = csv_line(columns);
    for (const ResultRow& r : rows) text += csv_line(r);
    io::write_file_atomic(dir / "results.csv", text);
    return rows;  // the lock is released when `lock` closes
}

}  // namespace kirchhoff::validation
