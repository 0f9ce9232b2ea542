// netlists::check_deck: the linear pre-scan of user decks (analysis lines, .control,
// bounded .include/.lib resolution).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "netlists/deck_check.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {
fs::path dir() {
    const fs::path d = fs::temp_directory_path() / ("kirchhoff_deck_check_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}
fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir() / name, std::ios::binary) << text;
    return dir() / name;
}
}  // namespace

TEST_CASE("analysis lines are found after any run of blanks, case-insensitively, and only as words",
          "[netlists][deck]") {
    CHECK(netlists::check_deck("t\n" + std::string(100000, ' ') + ".op\n", "d.cir").has_analysis_line);
    CHECK(netlists::check_deck("t\n\t .TRAN 1n 1u\n", "d.cir").has_analysis_line);
    CHECK(netlists::check_deck(".dc v1 0 1 0.1\n", "d.cir").has_analysis_line);  // as the old regex did
    CHECK_FALSE(netlists::check_deck("t\n.options klu\n.opt x\nr1 a 0 1\n", "d.cir").has_analysis_line);
    CHECK_FALSE(netlists::check_deck("t\n* .op in a comment\n.operating\n", "d.cir").has_analysis_line);
    CHECK_FALSE(netlists::check_deck("", "d.cir").has_analysis_line);
}

TEST_CASE(".control sections are reported with file and line, also from included files", "[netlists][deck]") {
    const auto plain = netlists::check_deck("t\nr1 a 0 1\n.CONTROL\nshell true\n.endc\n", "d.cir");
    CHECK(plain.has_control);
    CHECK(plain.control_at == "d.cir:3");
    const fs::path inc = write("with_control.inc", "* lib\n.control\necho hi\n.endc\n");
    const auto via = netlists::check_deck("t\n.include " + inc.string() + "\n", dir() / "top.cir");
    CHECK(via.has_control);
    CHECK_THAT(via.control_at, ContainsSubstring("with_control.inc:2"));
    REQUIRE(via.includes.size() == 1);
}

TEST_CASE("include cycles and chains deeper than the limit are refused with the chain", "[netlists][deck]") {
    const fs::path self = write("self.cir", "self\n.include \"self.cir\"\n");
    CHECK_THROWS_WITH(netlists::check_deck("self\n.include \"self.cir\"\n", self),
                      ContainsSubstring("self.cir:2") && ContainsSubstring("includes itself"));
    // a.inc -> b.inc -> a.inc, reached through .lib FILE SECTION.
    write("a.inc", ".lib b.inc sec\n");
    write("b.inc", ".lib sec\n.inc a.inc\n.endl sec\n");
    CHECK_THROWS_WITH(netlists::check_deck("t\n.include a.inc\n", dir() / "top.cir"),
                      ContainsSubstring("includes itself") && ContainsSubstring("a.inc -> "));
    // A chain of 20 distinct files: refused past depth 16, accepted with a limit of 32.
    for (int k = 0; k < 20; ++k) write("chain" + std::to_string(k) + ".inc", ".include chain" + std::to_string(k + 1) + ".inc\n");
    write("chain20.inc", "r1 a 0 1\n");
    CHECK_THROWS_WITH(netlists::check_deck("t\n.include chain0.inc\n", dir() / "top.cir"),
                      ContainsSubstring("nested deeper than 16"));
    netlists::DeckCheckOptions deep;
    deep.max_include_depth = 32;
    CHECK(netlists::check_deck("t\n.include chain0.inc\n", dir() / "top.cir", deep).includes.size() == 21);
}

TEST_CASE("includes of directories and devices are refused; missing files are left to ngspice", "[netlists][deck]") {
    CHECK_THROWS_WITH(netlists::check_deck("t\n.include /dev/zero\n", "d.cir"),
                      ContainsSubstring("d.cir:2") && ContainsSubstring("not a regular file"));
    CHECK_THROWS_WITH(netlists::check_deck("t\n.include " + dir().string() + "\n", "d.cir"),
                      ContainsSubstring("not a regular file"));
    CHECK(netlists::check_deck("t\n.include /no/such/file.inc\n", "d.cir").includes.empty());
    // A .lib section header (one operand) is no include; the title line is never one.
    CHECK(netlists::check_deck(".include self.cir\n.lib models\n.endl\n", dir() / "x.cir").includes.empty());
    netlists::DeckCheckOptions off;
    off.follow_includes = false;
    CHECK(netlists::check_deck("t\n.include /dev/zero\n", "d.cir", off).includes.empty());
}

TEST_CASE(".lib FILE SECTION reads that section only and checks cycles and depth per section", "[netlists][deck]") {
    // A model library whose sections call each other in the same file (as PDK libraries do):
    // no cycle. The line outside every section and the include in the uncalled section are
    // not read by ngspice, so not followed (an include of /dev/zero there is harmless).
    write("models.lib", "* models\n.include /dev/zero\n.lib tt\n.lib 'models.lib' res\n.endl tt\n"
                        ".lib ff\n.include /dev/zero\n.endl ff\n.lib res\nr1 a 0 1k\n.endl res\n");
    const auto ok = netlists::check_deck("t\nv1 a 0 1\n.lib models.lib tt\n.op\n", dir() / "top.cir");
    CHECK(ok.includes.size() == 2);  // models.lib [tt], models.lib [res]
    CHECK(ok.has_analysis_line);
    // Calling the uncalled section reaches its include.
    CHECK_THROWS_WITH(netlists::check_deck("t\n.lib models.lib ff\n", dir() / "top.cir"),
                      ContainsSubstring("models.lib:7") && ContainsSubstring("not a regular file"));
    // A section that calls itself, directly or through another section, is a cycle, named
    // with the sections of the chain.
    write("loop.lib", ".lib a\n.lib loop.lib b\n.endl\n.lib b\n.lib \"loop.lib\" A\n.endl\n");
    CHECK_THROWS_WITH(netlists::check_deck("t\n.lib loop.lib a\n", dir() / "top.cir"),
                      ContainsSubstring("loop.lib:5") && ContainsSubstring("section A includes itself") &&
                          ContainsSubstring("[section a] -> ") && ContainsSubstring("[section b] -> "));
    // A file that calls a section of itself is no cycle; its section including the whole file is.
    const fs::path own = write("own.cir", "own\n.lib own.cir s\n.lib s\nr1 a 0 1\n.endl\n");
    CHECK(netlists::check_deck("own\n.lib own.cir s\n.lib s\nr1 a 0 1\n.endl\n", own).includes.size() == 1);
    const fs::path back = write("back.cir", "back\n.lib back.cir s\n.lib s\n.include back.cir\n.endl\n");
    CHECK_THROWS_WITH(netlists::check_deck("back\n.lib back.cir s\n.lib s\n.include back.cir\n.endl\n", back),
                      ContainsSubstring("back.cir:4") && ContainsSubstring("includes itself"));
    // Depth counts sections: 20 sections of one file, each calling the next.
    std::string chain;
    for (int k = 0; k < 20; ++k) chain += fmt::format(".lib s{}\n.lib sections.lib s{}\n.endl\n", k, k + 1);
    chain += ".lib s20\nr1 a 0 1\n.endl\n";
    write("sections.lib", chain);
    CHECK_THROWS_WITH(netlists::check_deck("t\n.lib sections.lib s0\n", dir() / "top.cir"),
                      ContainsSubstring("nested deeper than 16") && ContainsSubstring("[section s16]"));
    netlists::DeckCheckOptions deep;
    deep.max_include_depth = 32;
    CHECK(netlists::check_deck("t\n.lib sections.lib s0\n", dir() / "top.cir", deep).includes.size() == 21);
}
