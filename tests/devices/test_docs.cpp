// devices/README.md and devices/va/*.va carry text generated from the parameter tables; this
// fails when they drift. Fix with: build devices_docgen and run it (it rewrites the files).
#include <catch2/catch_test_macros.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "devices/docs.hpp"
#include "io/child_process.hpp"

using namespace kirchhoff::devices;

namespace {
std::string read(const std::string& relative) {
    std::ifstream in(std::string(KIRCHHOFF_SOURCE_DIR) + "/devices/" + relative);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("README parameter and preset tables match the C++ tables", "[devices][docs]") {
    const std::string readme = read("README.md");
    for (const ModelDoc& m : model_docs()) {
        INFO(m.model << " (regenerate with devices_docgen)");
        bool found = false;
        const std::string region = generated_region(readme, "<!-- BEGIN GENERATED parameters " + m.model + " -->",
                                                    "<!-- END GENERATED", found);
        REQUIRE(found);
        CHECK(region == markdown_parameter_table(m.parameters));
    }
    bool found = false;
    CHECK(generated_region(readme, "<!-- BEGIN GENERATED presets -->", "<!-- END GENERATED", found) ==
          markdown_preset_table());
    CHECK(found);
}

TEST_CASE("Verilog-A files declare the C++ parameters with the same defaults, units and ranges",
          "[devices][docs]") {
    for (const ModelDoc& m : model_docs()) {
        if (m.va_file.empty()) continue;
        INFO(m.va_file << " (regenerate with devices_docgen)");
        const std::string va = read(m.va_file);
        bool found = false;
        CHECK(generated_region(va, "// BEGIN GENERATED PARAMETERS", "// END GENERATED PARAMETERS", found) ==
              verilog_a_parameters(m.parameters));
        REQUIRE(found);
        // Every declared parameter is a C++ parameter and is used in the model body.
        const std::regex decl(R"(parameter real (\w+))");
        std::set<std::string> declared;
        for (auto it = std::sregex_iterator(va.begin(), va.end(), decl); it != std::sregex_iterator(); ++it)
            declared.insert((*it)[1]);
        // ... plus the instance parameter that sets the memory variable's initial value.
        CHECK(declared.size() == m.parameters.size() + 1);
        CHECK(declared.count(m.memory_parameter) == 1);
        const std::string body = va.substr(va.find("// END GENERATED PARAMETERS"));
        for (const auto& row : m.parameters) {
            INFO(row.name);
            CHECK(declared.count(row.name) == 1);
            // cycle-to-cycle noise acts between pulses (program.hpp), not in the model body
            if (row.name.find("c2c") != std::string::npos) continue;
            CHECK(std::regex_search(body, std::regex("\\b" + row.name + "\\b")));
        }
        CHECK(va.find("module " + m.model) != std::string::npos);
    }
}

TEST_CASE("Verilog-A ranges are written the Verilog-A way", "[devices][docs]") {
    using kirchhoff::params::Range;
    CHECK(verilog_a_range(Range::positive()) == "from (0:inf)");
    CHECK(verilog_a_range(Range::closed(0, 0.5)) == "from [0:0.5]");
    CHECK(verilog_a_range(Range::any()).empty());
}

TEST_CASE("Verilog-A files parse and declare every identifier (ADMS)", "[devices][docs]") {
    const std::string adms = KIRCHHOFF_ADMSXML_PROGRAM;
    if (adms.empty()) SKIP("admsXml not found at configure time (Debian package adms)");
    for (const ModelDoc& m : model_docs()) {
        if (m.va_file.empty()) continue;
        INFO(m.va_file);
        const std::string path = std::string(KIRCHHOFF_SOURCE_DIR) + "/devices/" + m.va_file;
        // admsXml writes nothing without -e scripts; it reports parse and identifier errors as
        // [fatal..] lines (and still exits 0), so the test reads its output.
        kirchhoff::io::ChildOptions o;
        o.working_dir = std::filesystem::temp_directory_path();
        o.out = o.err = kirchhoff::io::ChildStream::capture;
        const kirchhoff::io::ChildResult r = kirchhoff::io::run_child({adms, path}, o);
        const std::string out = r.out + r.err;
        INFO(out);
        CHECK(out.find("admsXml") != std::string::npos);
        CHECK(out.find("[fatal") == std::string::npos);
        CHECK(out.find("[error") == std::string::npos);
    }
}
