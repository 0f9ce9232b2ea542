// Reading untrusted input files: regular files only, bounded size, bounded JSON depth.
#include "io/input_file.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::io {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& path, std::string_view what, std::uintmax_t max_bytes) {
    params::require_regular_file(path, what, max_bytes);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open the {} file", path.string(), what));
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof())
        throw InputError(fmt::format("{}: cannot read the {} file", path.string(), what));
    return std::move(text).str();
}

nlohmann::json parse_json_bounded(std::string_view text, std::string_view where,
                                  std::size_t max_depth) {
    // The callback sees each value's depth as the parser reaches it, before the value is built.
    const auto limit = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            static_cast<std::size_t>(depth) >= max_depth)
            throw InputError(fmt::format("{}: JSON nested deeper than {} levels (refused)", where,
                                         max_depth));
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), limit);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: not valid JSON: {}", where, e.what()));
    }
}

nlohmann::json read_json_file(const fs::path& path, std::string_view what, std::size_t max_depth) {
    return parse_json_bounded(read_text_file(path, what), path.string(), max_depth);
}

}  // namespace kirchhoff::io
