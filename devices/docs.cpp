// Markdown and Verilog-A text from the parameter tables.
#include "devices/docs.hpp"

#include <cmath>

#include <fmt/format.h>

#include "devices/pcm_electrical.hpp"
#include "devices/pcm_statistical.hpp"
#include "devices/presets.hpp"
#include "devices/stanford_rram.hpp"
#include "devices/vteam.hpp"

namespace kirchhoff::devices {

std::vector<ModelDoc> model_docs() {
    return {
        {"stanford_rram", "va/stanford_rram.va", StanfordRram::variables()[0].name,
         field_rows(stanford_rram_fields(), StanfordRramParams{})},
        {"vteam", "va/vteam.va", Vteam::variables()[0].name, field_rows(vteam_fields(), VteamParams{})},
        {"pcm_electrical", "va/pcm_electrical.va", PcmElectrical::variables()[0].name,
         field_rows(pcm_electrical_fields(), PcmElectricalParams{})},
        {"pcm_statistical", "", "", field_rows(pcm_statistical_fields(), PcmStatisticalParams{})},
    };
}

std::string markdown_parameter_table(const std::vector<ParameterView>& rows) {
    std::string out = "| parameter | default | unit | range | meaning |\n|---|---|---|---|---|\n";
    for (const auto& r : rows)
        out += fmt::format("| `{}` | {} | {} | {} | {} |\n", r.name, params::format_number(r.value),
                           r.unit, r.range.str(), r.meaning);
    return out;
}

std::string markdown_preset_table() {
    std::string out = "| preset | model | source | summary |\n|---|---|---|---|\n";
    for (const Preset& p : presets())
        out += fmt::format("| `{}` | `{}` | {} | {} |\n", p.name, p.model, p.citation, p.summary);
    return out;
}

std::string verilog_a_range(const params::Range& r) {
    if (std::isinf(r.lo) && std::isinf(r.hi)) return "";
    return fmt::format("from {}{}:{}{}", r.lo_open ? "(" : "[", params::format_number(r.lo),
                       params::format_number(r.hi), r.hi_open ? ")" : "]");
}

std::string verilog_a_parameters(const std::vector<ParameterView>& rows) {
    std::string out;
    for (const auto& r : rows) {
        const std::string range = verilog_a_range(r.range);
        out += fmt::format("    (* desc=\"{}\", units=\"{}\" *) parameter real {} = {}{};\n",
                           r.meaning, r.unit, r.name, params::format_number(r.value),
                           range.empty() ? "" : " " + range);
    }
    return out;
}

namespace {
struct Span {
    std::size_t from, to;  // the region between the end of the begin line and the end marker
};
bool locate(std::string_view text, std::string_view begin, std::string_view end, Span& s) {
    const auto b = text.find(begin);
    if (b == std::string_view::npos) return false;
    const auto line_end = text.find('\n', b);
    if (line_end == std::string_view::npos) return false;
    const auto e = text.find(end, line_end);
    if (e == std::string_view::npos) return false;
    const auto e_line = text.rfind('\n', e);  // the end marker's line starts after this
    s = {line_end + 1, e_line + 1};
    return s.to >= s.from;
}
}  // namespace

bool replace_generated(std::string& text, std::string_view begin, std::string_view end,
                       std::string_view replacement) {
    Span s{};
    if (!locate(text, begin, end, s)) return false;
    text.replace(s.from, s.to - s.from, replacement);
    return true;
}

std::string generated_region(std::string_view text, std::string_view begin, std::string_view end,
                             bool& found) {
    Span s{};
    found = locate(text, begin, end, s);
    return found ? std::string(text.substr(s.from, s.to - s.from)) : std::string();
}

}  // namespace kirchhoff::devices
