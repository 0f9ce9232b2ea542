// Study files: grid order (first axis slowest), zipped axes, stable point ids, and every bad
// key or value refused before anything runs, naming the file, line, key, value and range.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "params/error.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/results_store.hpp"
#include "validation/study.hpp"

using namespace kirchhoff;
using namespace kirchhoff::validation;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

fs::path write_study(const std::string& name, const std::string& text) {
    static const fs::path dir = test::scratch_dir("study");
    std::ofstream(dir / name) << text;
    return dir / name;
}

Study load(const std::string& text) { return load_study(write_study("s.toml", text), test::sweep_test_schema(), metric_columns()); }

}  // namespace

TEST_CASE("a study expands to the Cartesian product of its axes, the first axis slowest", "[validation][sweep]") {
    const Study s = load(
        "[study]\nname = \"demo\"\nmetrics = [\"ppl_analog\", \"validation_nmse\"]\n"
        "[base]\nrun.tokens = 16\n[base.adc]\nbits = 6\n"
        "[axes]\n\"array.r_wire_row_ohm\" = [0, 2.5]\nseed = [1, 2, 3]\n");
    CHECK(s.name == "demo");
    REQUIRE(s.axes.size() == 2);
    CHECK(s.axes[0].name == "array.r_wire_row_ohm");
    CHECK(s.axes[1].replicate());
    CHECK_FALSE(s.axes[0].replicate());
    CHECK(s.base.integer("run.tokens") == 16);
    CHECK(s.base.integer("adc.bits") == 6);
    CHECK(s.base.source("adc.bits").ends_with("s.toml:7"));
    const auto points = expand(s);
    REQUIRE(points.size() == 6);
    const std::vector<std::vector<std::string>> expected{{"0", "1"},   {"0", "2"},   {"0", "3"},
                                                         {"2.5", "1"}, {"2.5", "2"}, {"2.5", "3"}};
    for (std::size_t i = 0; i < points.size(); ++i) {
        CHECK(points[i].index == i);
        CHECK(points[i].swept_values(s) == expected[i]);
        CHECK(points[i].id.size() == 16);
    }
    CHECK(points[4].config.real("array.r_wire_row_ohm") == 2.5);  // an integer 0 became a real too
    CHECK(points[4].config.integer("seed") == 2);
    CHECK(points[4].config.integer("run.tokens") == 16);
    CHECK(points[4].describe(s) == "array.r_wire_row_ohm=2.5 seed=2");
    CHECK(s.swept_keys() == std::vector<std::string>{"array.r_wire_row_ohm", "seed"});
}

TEST_CASE("point ids depend on the whole configuration, not on the grid around the point", "[validation][sweep]") {
    const auto a = expand(load("[axes]\n\"adc.bits\" = [4, 8]\n"));
    const auto b = expand(load("[axes]\n\"adc.bits\" = [2, 4, 6, 8]\n"));
    CHECK(a[0].id == b[1].id);
    CHECK(a[1].id == b[3].id);
    CHECK(a[0].id != a[1].id);
    const auto c = expand(load("[base]\nrun.tokens = 32\n[axes]\n\"adc.bits\" = [4, 8]\n"));
    CHECK(c[0].id != a[0].id);  // another base configuration: other points
    const auto none = expand(load("[base]\nrun.tokens = 32\n"));
    REQUIRE(none.size() == 1);  // no axes: the base alone
    CHECK(none[0].id != c[0].id);
}

TEST_CASE("zipped keys change together as one axis", "[validation][sweep]") {
    const Study s = load(
        "[axes]\nseed = [1, 2]\n"
        "[zip.device]\n\"device.preset\" = [\"linear\", \"pcm_gst\"]\n\"device.g_min_siemens\" = [2e-6, 1e-7]\n");
    REQUIRE(s.axes.size() == 2);
    CHECK(s.axes[1].name == "zip.device");
    CHECK(s.axes[1].label(1) == "device.preset=pcm_gst, device.g_min_siemens=1e-07");
    const auto points = expand(s);
    REQUIRE(points.size() == 4);
    CHECK(points[1].config.text("device.preset") == "pcm_gst");
    CHECK(points[1].config.real("device.g_min_siemens") == 1e-7);
    CHECK(points[2].config.text("device.preset") == "linear");
    CHECK(points[2].config.integer("seed") == 2);
    CHECK(s.swept_keys() == std::vector<std::string>{"seed", "device.preset", "device.g_min_siemens"});
    const Study named = load("[zip.device]\n\"device.preset\" = [\"linear\", \"pcm_gst\"]\nlabel = [\"ohmic\", \"GST\"]\n");
    CHECK(named.axes[0].label(1) == "GST");
    CHECK(named.swept_keys() == std::vector<std::string>{"device.preset"});
    CHECK_THROWS_WITH(load("[zip.d]\n\"adc.bits\" = [4, 6]\nlabel = [\"four\"]\n"),
                      ContainsSubstring("label has 1 entries for 2 values"));
}

TEST_CASE("bad study keys and values are refused with the file, line, key, value and range", "[validation][sweep]") {
    auto error_of = [](const std::string& text) {
        try {
            load(text);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(error_of("[axes]\n\"adc.bits\" = [4, 99]\n"),
               ContainsSubstring("s.toml:2") && ContainsSubstring("adc.bits") && ContainsSubstring("99") &&
                   ContainsSubstring("[2, 24]"));
    CHECK_THAT(error_of("[axes]\n\"adc.bitz\" = [4]\n"),
               ContainsSubstring("unknown configuration key 'adc.bitz'") && ContainsSubstring("adc.bits"));
    CHECK_THAT(error_of("[axes]\n\"device.preset\" = [\"linear\", \"nope\"]\n"),
               ContainsSubstring("device.preset") && ContainsSubstring("nope") && ContainsSubstring("one of"));
    CHECK_THAT(error_of("[axes]\n\"adc.bits\" = [4.5]\n"), ContainsSubstring("adc.bits expects an integer"));
    CHECK_THAT(error_of("[axes]\n\"adc.bits\" = 4\n"), ContainsSubstring("non-empty list"));
    CHECK_THAT(error_of("[base]\nrun.tokens = -1\n"), ContainsSubstring("s.toml:2") && ContainsSubstring("run.tokens"));
    CHECK_THAT(error_of("[study]\nmetrics = [\"perplexity\"]\n"),
               ContainsSubstring("perplexity") && ContainsSubstring("ppl_analog"));
    CHECK_THAT(error_of("[study]\nx = \"adc.bits\"\n"), ContainsSubstring("not an axis"));
    CHECK_THAT(error_of("[axis]\nseed = [1]\n"), ContainsSubstring("unexpected 'axis'"));
    CHECK_THAT(error_of("axes = 3\n"), ContainsSubstring("s.toml:1: unexpected 'axes'"));
    CHECK_THAT(error_of("[zip.d]\n\"adc.bits\" = [4, 6]\nseed = [1]\n"), ContainsSubstring("equally long"));
    CHECK_THAT(error_of("[axes]\nseed = [1]\n[zip.d]\nseed = [2]\n"), ContainsSubstring("swept twice"));
    CHECK_THAT(error_of("[base]\nconfig = \"missing.toml\"\n"), ContainsSubstring("missing.toml"));
    // Repeated values make two identical points.
    CHECK_THROWS_WITH(expand(load("[axes]\nseed = [1, 1]\n")), ContainsSubstring("same configuration"));
    // A cross-key check run on every point names the point.
    CHECK_THROWS_WITH(expand(load("[axes]\n\"adc.bits\" = [4, 6]\n"),
                             [](const params::Config& c) {
                                 if (c.integer("adc.bits") == 6) throw InputError("six is refused");
                             }),
                      ContainsSubstring("point 2 (adc.bits=6)") && ContainsSubstring("six is refused"));
}

TEST_CASE("a base configuration file is read relative to the study", "[validation][sweep]") {
    write_study("base.toml", "[adc]\nbits = 5\n");
    const Study s = load("[base]\nconfig = \"base.toml\"\nrun.tokens = 8\n[axes]\nseed = [1]\n");
    CHECK(s.base.integer("adc.bits") == 5);
    CHECK(s.base.integer("run.tokens") == 8);
}

TEST_CASE("a key joining the schema with its default leaves the point ids alone", "[validation][sweep]") {
    const auto before = expand(load("[base]\nrun.tokens = 32\n[axes]\n\"adc.bits\" = [4, 8]\n"));
    params::Schema wider = test::sweep_test_schema();
    wider.add(params::boolean_key("attention.on_crossbars", false, "a newer key"));
    const auto after = expand(load_study(write_study("s.toml", "[base]\nrun.tokens = 32\n[axes]\n\"adc.bits\" = [4, 8]\n"),
                                         wider, metric_columns()));
    REQUIRE(after.size() == 2);
    CHECK(after[0].id == before[0].id);
    CHECK(after[1].id == before[1].id);
    // A value equal to the default is the default: the same point.
    CHECK(expand(load("[axes]\n\"adc.bits\" = [8, 4]\n"))[0].id == expand(load("[base]\nseed = 1\n"))[0].id);
}

TEST_CASE("a grid beyond max_study_points is refused with the file and the count, overflow included",
          "[validation][sweep][hardening]") {
    params::Schema wide = test::sweep_test_schema();
    std::string axes = "[axes]\n";
    std::string values = "[";
    for (int v = 0; v < 16; ++v) values += (v ? ", " : "") + std::to_string(v);
    values += "]\n";
    for (int k = 0; k < 16; ++k) {
        wide.add(params::integer_key("k" + std::to_string(k), 0, params::Range::closed(0, 100), "test axis"));
        axes += "k" + std::to_string(k) + " = " + values;
    }
    // 16 axes of 16 values: 2^64 points, which wrapped to 0 in a 64-bit product.
    const fs::path file = write_study("huge.toml", axes);
    CHECK_THROWS_WITH(load_study(file, wide, metric_columns()),
                      ContainsSubstring(file.string()) && ContainsSubstring("18446744073709551616 points") &&
                          ContainsSubstring("max_study_points"));
    // 3.2 million points: refused too (it ran out of memory expanding the grid).
    std::string smaller = "[axes]\n";
    for (int k = 0; k < 5; ++k) smaller += "k" + std::to_string(k) + " = " + values;  // 16^5 = 1,048,576
    CHECK_THROWS_WITH(load_study(write_study("big.toml", smaller), wide, metric_columns()),
                      ContainsSubstring("1048576 points"));
    std::string fits = "[axes]\n";
    for (int k = 0; k < 4; ++k) fits += "k" + std::to_string(k) + " = " + values;  // 65,536
    CHECK(load_study(write_study("fits.toml", fits), wide, metric_columns()).size() == 65536);
}

TEST_CASE("a base config that is a directory is bad input", "[validation][sweep][hardening]") {
    CHECK_THROWS_WITH(load("[base]\nconfig = \".\"\n[axes]\nseed = [1]\n"), ContainsSubstring("is a directory"));
}
