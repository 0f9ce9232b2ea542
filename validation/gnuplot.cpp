// Running gnuplot on a script file.
#include "validation/gnuplot.hpp"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

namespace kirchhoff::validation {

std::string gnuplot_program() { return KIRCHHOFF_GNUPLOT_PROGRAM; }

std::string gnuplot_quote(const std::string& text) {
    std::string out = "'";
    for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
}

bool run_gnuplot(const std::filesystem::path& script_path, const std::string& script) {
    std::ofstream(script_path) << script;
    const std::string program = gnuplot_program();
    if (program.empty()) {
        fmt::print(stderr, "kirchhoff: warning: gnuplot not found; wrote {} but no plot\n", script_path.string());
        return false;
    }
    const auto dir = script_path.parent_path().empty() ? std::filesystem::path(".") : script_path.parent_path();
    const std::string cmd = fmt::format("cd '{}' && '{}' '{}' 2>&1", dir.string(), program,
                                        script_path.filename().string());
    if (std::system(cmd.c_str()) != 0) {
        fmt::print(stderr, "kirchhoff: warning: gnuplot failed on {}\n", script_path.string());
        return false;
    }
    return true;
}

}  // namespace kirchhoff::validation
