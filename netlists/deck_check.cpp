// Deck pre-check: analysis lines, .control sections, bounded .include/.lib resolution.
#include "netlists/deck_check.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::netlists {

namespace fs = std::filesystem;

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The dot-command that starts `line` after blanks ("op" for "  .OP"), or "" when the line
// does not start with '.' followed by a letter.
std::string dot_command(std::string_view line, std::size_t& end) {
    std::size_t i = 0;
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size() || line[i] != '.') return {};
    std::size_t j = ++i;
    while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_'))
        ++j;
    end = j;
    return lower(line.substr(i, j - i));
}

// The file operand after the command name: quoted ('...' or "...") or up to the next blank.
// `end` is set to where the operand stops.
std::string file_operand(std::string_view line, std::size_t from, std::size_t& end) {
    std::size_t i = from;
    while (i < line.size() && is_blank(line[i])) ++i;
    end = line.size();
    if (i >= line.size()) return {};
    if (line[i] == '"' || line[i] == '\'') {
        const std::size_t close = line.find(line[i], i + 1);
        if (close == std::string_view::npos) return std::string(line.substr(i + 1));
        end = close + 1;
        return std::string(line.substr(i + 1, close - i - 1));
    }
    std::size_t j = i;
    while (j < line.size() && !is_blank(line[j])) ++j;
    end = j;
    return std::string(line.substr(i, j - i));
}

bool is_analysis(const std::string& cmd) {
    static const char* const names[] = {"op", "dc", "tran", "ac", "noise", "tf", "sens", "pz",
                                        "disto"};
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return cmd == n; });
}

// One file being read: the whole file (.include), or one of its sections (.lib FILE SECTION).
struct Frame {
    fs::path file;
    std::string section;  // lower case; "" for the whole file
    bool operator==(const Frame&) const = default;
};

struct Walker {
    const DeckCheckOptions& options;
    DeckCheck result;
    std::vector<Frame> chain;  // the files (and sections) being read, outermost first
    std::size_t files_read = 0;

    static std::string frame_text(const Frame& f) {
        return f.section.empty() ? f.file.string() : fmt::format("{} [section {}]", f.file.string(), f.section);
    }

    std::string chain_text() const {
        std::string out;
        for (const Frame& f : chain) out += (out.empty() ? "" : " -> ") + frame_text(f);
        return out;
    }

    fs::path resolve(const std::string& name, const fs::path& including) const {
        const fs::path p(name);
        if (p.is_absolute()) return p;
        const fs::path beside = including.parent_path() / p;
        std::error_code ec;
        if (fs::exists(beside, ec)) return beside;
        return p;  // relative to the working directory
    }

    // `.include NAME` (section "") or `.lib NAME SECTION`, met at including:line_no.
    void include(const std::string& name, const std::string& section, const fs::path& including,
                 std::size_t line_no, int depth) {
        const std::string where = fmt::format("{}:{}", including.string(), line_no);
        const fs::path path = resolve(name, including);
        std::error_code ec;
        const fs::file_status status = fs::status(path, ec);
        if (ec || !fs::exists(status)) return;  // ngspice reports a missing file itself
        if (!fs::is_regular_file(status))
            throw InputError(fmt::format(
                "{}: included \"{}\" is not a regular file (a directory or special file)", where,
                name));
        const fs::path canonical = fs::weakly_canonical(path, ec);
        const Frame frame{ec ? fs::absolute(path).lexically_normal() : canonical, lower(section)};
        // A cycle is the same file and section again (the whole file counts as one section):
        // the sections of one library file may call each other (`.lib models.lib tt` ->
        // `.lib models.lib mos`), and a file may call its own sections; neither is a cycle.
        // Any endless chain repeats some (file, section), so this finds every cycle.
        if (std::find(chain.begin(), chain.end(), frame) != chain.end())
            throw InputError(fmt::format("{}: \"{}\"{} includes itself ({} -> {}); refused", where, name,
                                         section.empty() ? "" : fmt::format(" section {}", section),
                                         chain_text(), frame_text(frame)));
        if (depth > options.max_include_depth)
            throw InputError(fmt::format(
                "{}: .include/.lib nested deeper than {} files ({} -> {}); refused", where,
                options.max_include_depth, chain_text(), frame_text(frame)));
        if (++files_read > options.max_include_files)
            throw InputError(fmt::format("{}: more than {} included files in all; refused", where,
                                         options.max_include_files));
        std::ifstream in(frame.file, std::ios::binary);
        if (!in) return;  // unreadable: ngspice says so
        std::ostringstream text;
        text << in.rdbuf();
        result.includes.push_back(frame.file);
        chain.push_back(frame);
        scan(text.str(), frame.file, depth, false, frame.section);
        chain.pop_back();
    }

    // Scans `text` of `file`: every line outside `.lib NAME` ... `.endl` definitions when
    // `section` is "", else only the lines of the definition of `section` (what ngspice
    // reads of it). A section called but not defined is left for ngspice to report.
    void scan(std::string_view text, const fs::path& file, int depth, bool has_title,
              const std::string& section = {}) {
        bool in_control = false;
        std::string defining;  // the section whose definition the line is in, or ""
        bool in_definition = false;
        std::size_t line_no = 0;
        for (std::size_t start = 0; start <= text.size();) {
            std::size_t stop = text.find('\n', start);
            if (stop == std::string_view::npos) stop = text.size();
            const std::string_view line = text.substr(start, stop - start);
            ++line_no;
            start = stop + 1;
            const bool last = stop == text.size();
            std::size_t end = 0;
            const bool title = line_no == 1 && has_title;  // never a command, whatever it says
            const std::string cmd = dot_command(line, end);
            if (cmd.empty()) {
                if (last) break;
                continue;
            }
            // Section definitions: `.lib NAME` (one operand) opens one, `.endl` closes it.
            if (!in_control && !title && cmd == "lib") {
                std::size_t after = 0;
                const std::string first = file_operand(line, end, after);
                const std::string second = file_operand(line, after, after);
                if (!first.empty() && second.empty()) {
                    in_definition = true;
                    defining = lower(first);
                    if (last) break;
                    continue;
                }
            }
            if (!in_control && !title && cmd == "endl") {
                in_definition = false;
                defining.clear();
                if (last) break;
                continue;
            }
            const bool active = section.empty() ? !in_definition : (in_definition && defining == section);
            if (!active) {
                if (last) break;
                continue;
            }
            if (is_analysis(cmd)) result.has_analysis_line = true;
            if (cmd == "control") {
                in_control = true;
                if (!result.has_control)
                    result.control_at = fmt::format("{}:{}", file.string(), line_no);
                result.has_control = true;
            } else if (cmd == "endc") {
                in_control = false;
            } else if (!in_control && !title && options.follow_includes &&
                       (cmd == "include" || cmd == "inc" || cmd == "lib")) {
                // ".include FILE"; ".lib FILE SECTION" includes that section of FILE.
                std::size_t after = 0;
                const std::string name = file_operand(line, end, after);
                const std::string called = cmd == "lib" ? file_operand(line, after, after) : std::string();
                if (!name.empty()) include(name, called, file, line_no, depth + 1);
            }
            if (last) break;
        }
    }
};

}  // namespace

DeckCheck check_deck(std::string_view text, const fs::path& deck_path,
                     const DeckCheckOptions& options) {
    Walker w{options, {}, {}, 0};
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(deck_path, ec);
    w.chain.push_back({ec ? fs::absolute(deck_path).lexically_normal() : canonical, ""});
    w.scan(text, deck_path, 0, true);
    return std::move(w.result);
}

}  // namespace kirchhoff::netlists
