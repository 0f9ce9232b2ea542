// Running gnuplot on a script file, without a shell; quoting text for scripts and data files.
#include "io/gnuplot.hpp"

#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/child_process.hpp"

namespace kirchhoff::io {

namespace fs = std::filesystem;

std::string gnuplot_program() { return KIRCHHOFF_GNUPLOT_PROGRAM; }

std::string gnuplot_quote(const std::string& text) {
    // Plain characters go into '...' (gnuplot expands neither backquotes nor macros there); a
    // quote or a line break becomes a double-quoted constant holding only it ("'" and "\n", in
    // which there is nothing to expand), joined with the concatenation operator. Not the ''
    // escape: gnuplot 5.4 misreads two of them in a row.
    std::vector<std::string> parts;
    bool open = false;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '\'' || ch == '\n') {
            parts.push_back(ch == '\'' ? "\"'\"" : "\"\\n\"");
            open = false;
        } else if (c >= 0x20 && c != 0x7f) {  // control characters (\r, \t, NUL, escapes) are dropped
            if (!open) parts.emplace_back("'");
            parts.back() += ch;
            open = true;
        }
    }
    if (parts.empty()) return "''";
    std::string out;
    for (std::string& p : parts) {
        if (p.front() == '\'') p += '\'';
        out += (out.empty() ? "" : ".") + p;
    }
    return parts.size() == 1 ? out : "(" + out + ")";
}

std::string gnuplot_data_label(const std::string& text) {
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        out += ch == '"' ? '\'' : (c < 0x20 || c == 0x7f) ? ' ' : ch;
    }
    return out;
}

bool run_gnuplot(const fs::path& script_path, const std::string& script, const fs::path& image_path) {
    io::write_file_atomic(script_path, script);
    const std::string program = gnuplot_program();
    if (program.empty()) {
        fmt::print(stderr, "kirchhoff: warning: gnuplot not found; wrote {} but no plot\n", script_path.string());
        return false;
    }
    const fs::path dir = script_path.parent_path().empty() ? fs::path(".") : script_path.parent_path();
    io::ChildOptions options;
    options.working_dir = dir;
    options.out = io::ChildStream::to_stderr;  // keep gnuplot's chatter off stdout (--json)
    std::string why;
    try {
        const io::ChildResult r = io::run_child({program, script_path.filename().string()}, options);
        if (r.exit_status != 0)
            why = r.signal ? fmt::format("killed by signal {}", r.signal) : fmt::format("exit status {}", r.exit_status);
    } catch (const std::runtime_error& e) {
        why = e.what();
    }
    std::error_code ec;
    if (why.empty() && (!fs::is_regular_file(image_path, ec) || fs::file_size(image_path, ec) == 0 || ec)) {
        why = fmt::format("{} is missing or empty (disk full?)", image_path.string());
        fs::remove(image_path, ec);
    }
    if (!why.empty()) {
        fmt::print(stderr, "kirchhoff: warning: gnuplot failed on {} ({}); no plot\n", script_path.string(), why);
        return false;
    }
    return true;
}

}  // namespace kirchhoff::io
