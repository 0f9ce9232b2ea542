// Configuration: defaults, TOML files, --set overrides, and the errors for each bad input.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "params/config.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using namespace kirchhoff::params;
using Catch::Matchers::ContainsSubstring;

namespace {
Schema test_schema() {
    Schema s;
    s.add(integer_key("seed", 1, Range::non_negative(), "random seed"));
    s.add(integer_key("array.rows", 64, Range::closed(1, 4096), "word lines per tile"));
    s.add(real_key("array.r_wire_row_ohm", 1.0, "ohm", Range::non_negative(), "word-line segment"));
    s.add(choice_key("array.cell", "1R", {"1R", "1T1R", "1S1R"}, "cell kind"));
    s.add(boolean_key("input.signed", false, "signed inputs"));
    s.add(text_key("device.preset", "linear", "device preset name"));
    return s;
}
}  // namespace

TEST_CASE("defaults apply until a file or --set changes them", "[params]") {
    Config c(test_schema());
    CHECK(c.integer("array.rows") == 64);
    CHECK(c.source("array.rows") == "default");
    c.load_string("seed = 7\n[array]\nrows = 128\nr_wire_row_ohm = 2\ncell = \"1T1R\"\n", "study.toml");
    CHECK(c.integer("seed") == 7);
    CHECK(c.integer("array.rows") == 128);
    CHECK(c.real("array.r_wire_row_ohm") == 2.0);  // a TOML integer is accepted as a real
    CHECK(c.text("array.cell") == "1T1R");
    CHECK(c.source("array.rows") == "study.toml:3");
    c.set_override("array.rows=32");
    c.set_override("input.signed=true");
    c.set_override("device.preset=\"stanford_pku\"");
    CHECK(c.integer("array.rows") == 32);
    CHECK(c.boolean("input.signed"));
    CHECK(c.text("device.preset") == "stanford_pku");
    CHECK(c.source("array.rows") == "--set");
}

TEST_CASE("bad configuration values name the file key value and range", "[params]") {
    Config c(test_schema());
    CHECK_THROWS_WITH(c.load_string("[array]\nrows = 0\n", "a.toml"),
                      ContainsSubstring("a.toml:2") && ContainsSubstring("array.rows") &&
                          ContainsSubstring("= 0") && ContainsSubstring("[1, 4096]"));
    CHECK_THROWS_WITH(c.load_string("[array]\nrowz = 3\n", "a.toml"),
                      ContainsSubstring("unknown configuration key 'array.rowz'") &&
                          ContainsSubstring("did you mean 'array.rows'"));
    CHECK_THROWS_WITH(c.load_string("[array]\nrows = \"many\"\n", "a.toml"),
                      ContainsSubstring("array.rows expects an integer") &&
                          ContainsSubstring("many"));
    CHECK_THROWS_WITH(c.load_string("[array]\nrows = 2.5\n", "a.toml"),
                      ContainsSubstring("expects an integer"));
    CHECK_THROWS_WITH(c.load_string("[array\n", "b.toml"), ContainsSubstring("b.toml:1") &&
                                                               ContainsSubstring("TOML syntax"));
    CHECK_THROWS_WITH(c.set_override("array.cell=2R"),
                      ContainsSubstring("--set: array.cell = \"2R\"") && ContainsSubstring("one of: 1R 1T1R 1S1R"));
    CHECK_THROWS_WITH(c.set_override("array.r_wire_row_ohm=-1"),
                      ContainsSubstring("-1 ohm") && ContainsSubstring("[0, inf) ohm"));
    CHECK_THROWS_WITH(c.set_override("array.r_wire_row_ohm=abc"), ContainsSubstring("expects a number"));
    CHECK_THROWS_WITH(c.set_override("input.signed=yes"), ContainsSubstring("true or false"));
    CHECK_THROWS_WITH(c.set_override("noequals"), ContainsSubstring("section.key=value"));
    CHECK_THROWS_AS(c.set_override("nosuch.key=1"), InputError);
    CHECK_THROWS_WITH(c.load_file("/nonexistent/x.toml"), ContainsSubstring("/nonexistent/x.toml"));
    // Nothing above changed a value.
    CHECK(c.integer("array.rows") == 64);
    CHECK(c.text("array.cell") == "1R");
}

TEST_CASE("the effective configuration round-trips through its TOML text", "[params]") {
    Config c(test_schema());
    c.set_override("array.rows=100");
    c.set_override("device.preset=pcm_joshi");
    const std::string text = c.to_toml();
    CHECK_THAT(text, ContainsSubstring("[array]") && ContainsSubstring("rows = 100  # --set") &&
                         ContainsSubstring("r_wire_row_ohm = 1.0  # ohm, default"));
    Config again(test_schema());
    again.load_string(text, "printed");
    CHECK(again.to_json() == c.to_json());
    CHECK(c.to_json()["array.rows"] == 100);
}

TEST_CASE("schema help lists every key with default, unit and range", "[params]") {
    const std::string help = test_schema().help();
    CHECK_THAT(help, ContainsSubstring("array.r_wire_row_ohm") && ContainsSubstring("1.0 ohm") &&
                         ContainsSubstring("[0, inf)") && ContainsSubstring("word-line segment"));
    Schema s = test_schema();
    CHECK_THROWS_AS(s.add(integer_key("seed", 0, Range::any(), "again")), std::logic_error);
}

TEST_CASE("a key copied from another configuration keeps its value and origin", "[params]") {
    Config a(test_schema());
    a.load_string("[array]\nrows = 100\n", "a.toml");
    Schema narrow;
    narrow.add(integer_key("array.rows", 64, Range::closed(1, 4096), "word lines per tile"));
    Config b(narrow);
    b.copy_from(a, "array.rows");
    CHECK(b.integer("array.rows") == 100);
    CHECK(b.source("array.rows") == "a.toml:2");
    Schema tight;
    tight.add(integer_key("array.rows", 64, Range::closed(1, 64), "word lines per tile"));
    Config c(tight);
    CHECK_THROWS_WITH(c.copy_from(a, "array.rows"), ContainsSubstring("a.toml:2") && ContainsSubstring("[1, 64]"));
}

TEST_CASE("a typed value set from elsewhere is checked like a file's", "[params]") {
    Config c(test_schema());
    c.set("array.r_wire_row_ohm", std::int64_t(2), "study.toml:4");  // an integer for a real key
    CHECK(c.real("array.r_wire_row_ohm") == 2.0);
    CHECK(c.source("array.r_wire_row_ohm") == "study.toml:4");
    c.set("array.cell", std::string("1T1R"), "here");
    CHECK(c.text("array.cell") == "1T1R");
    CHECK_THROWS_WITH(c.set("array.rows", std::int64_t(5000), "study.toml:5"),
                      ContainsSubstring("study.toml:5") && ContainsSubstring("array.rows") &&
                          ContainsSubstring("5000") && ContainsSubstring("[1, 4096]"));
    CHECK_THROWS_WITH(c.set("array.rows", 2.5, "study.toml:6"), ContainsSubstring("expects an integer"));
    CHECK_THROWS_WITH(c.set("array.cel", std::string("1R"), "x"), ContainsSubstring("did you mean 'array.cell'"));
    CHECK_THROWS_WITH(c.set("array.cell", std::string("2R"), "x"), ContainsSubstring("one of: 1R 1T1R 1S1R"));
}

TEST_CASE("integer ends beyond 2^53 are compared as integers, not as rounded doubles", "[params]") {
    Schema s;
    s.add(integer_key("seed", 1, Range::closed(0, 9.0e18), "random seed"));
    s.add(integer_key("count", 1, Range{-1, 1e17, true, true}, "open ends"));
    Config c(s);
    c.set_override("seed=9000000000000000000");
    CHECK(c.integer("seed") == 9000000000000000000LL);
    // 9e18 + 1 is 9e18 as a double: still refused.
    CHECK_THROWS_WITH(c.set_override("seed=9000000000000000001"),
                      ContainsSubstring("seed = 9000000000000000001 is outside the allowed range [0, 9e+18]"));
    c.set_override("count=99999999999999999");
    CHECK_THROWS_WITH(c.set_override("count=100000000000000000"), ContainsSubstring("count = 100000000000000000"));
    c.set_override("count=0");
    CHECK_THROWS_WITH(c.set_override("count=-1"), ContainsSubstring("count = -1 is outside"));
}
