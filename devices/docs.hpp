// Text generated from the parameter tables: the README's tables and the Verilog-A parameter
// declarations, so that neither can drift from the C++ (tests/devices/test_docs.cpp compares
// them with the files, and the devices_docgen tool rewrites the files).
//
// Generated regions are delimited in the files by
//   README.md:  <!-- BEGIN GENERATED KEY --> ... <!-- END GENERATED KEY -->
//   *.va:       // BEGIN GENERATED PARAMETERS ... // END GENERATED PARAMETERS
// Not here: reading or writing files (the test and the tool do that).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "devices/device.hpp"
#include "params/fields.hpp"

namespace kirchhoff::devices {

/// One model's documentation inputs: its name, Verilog-A file and parameter rows at defaults.
struct ModelDoc {
    std::string model;         // "stanford_rram"
    std::string va_file;       // "va/stanford_rram.va" (relative to devices/), "" for none
    std::string memory_parameter;  // the instance parameter for x[0] ("gap_m"), "" for none
    std::vector<ParameterView> parameters;
};

/// Rows of a Field table with the values of `p`.
template <class P>
std::vector<ParameterView> field_rows(std::span<const params::Field<P>> fields, const P& p) {
    std::vector<ParameterView> rows;
    for (const auto& f : fields) rows.push_back({f.name, f.unit, f.range, f.meaning, p.*(f.member)});
    return rows;
}

/// Every model, with its default parameters, in README order.
std::vector<ModelDoc> model_docs();

/// | name | default | unit | range | meaning | table.
std::string markdown_parameter_table(const std::vector<ParameterView>& rows);
/// | preset | model | source | summary | table over presets().
std::string markdown_preset_table();
/// "from [0:inf)" etc.; "" for an unbounded range.
std::string verilog_a_range(const params::Range& r);
/// One `(* desc=..., units=... *) parameter real NAME = DEFAULT from RANGE;` line per row.
std::string verilog_a_parameters(const std::vector<ParameterView>& rows);

/// Replaces the text between the BEGIN/END markers `begin` and `end` in `text` with
/// `replacement` (markers kept). Returns false when a marker is missing.
bool replace_generated(std::string& text, std::string_view begin, std::string_view end,
                       std::string_view replacement);
/// The text between the markers, or "" with found = false.
std::string generated_region(std::string_view text, std::string_view begin, std::string_view end,
                             bool& found);

}  // namespace kirchhoff::devices
