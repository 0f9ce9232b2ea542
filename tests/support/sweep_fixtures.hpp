// What the sweep tests share: a small configuration schema and scratch folders (scratch_dir.hpp).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "params/config.hpp"
#include "support/scratch_dir.hpp"

namespace kirchhoff::test {

/// A few keys of each type, named like evaluation_schema()'s.
inline params::Schema sweep_test_schema() {
    using namespace params;
    Schema s;
    s.add(integer_key("seed", 1, Range::closed(0, 1e9), "seed"));
    s.add(integer_key("adc.bits", 8, Range::closed(2, 24), "ADC bits"));
    s.add(real_key("array.r_wire_row_ohm", 1.0, "ohm", Range::closed(0, 1e6), "wire"));
    s.add(choice_key("device.preset", "linear", {"linear", "pcm_gst", "stanford_rram_aimc"}, "cell"));
    s.add(real_key("device.g_min_siemens", 1e-6, "S", Range{0, 1, true, false}, "g_min"));
    s.add(integer_key("run.tokens", 256, Range::closed(0, 1 << 30), "tokens"));
    s.add(text_key("run.model", "", "model"));
    return s;
}

/// The lines of a text file (none when it is missing).
inline std::vector<std::string> lines_of(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace kirchhoff::test
