// Hostile and malformed input to the `kirchhoff` program (issue 16, part B): each case is one
// that crashed, hung, or ran on with exit 0 before, and must now end with a clear message
// and the promised exit status (2 bad input, 3 a solve that failed or ran out of time).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "support/run_program.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {
namespace fs = std::filesystem;
using kirchhoff::test::Run;

Run run_kirchhoff(const std::string& args) {
    return kirchhoff::test::run_program(std::string(KIRCHHOFF_PROGRAM) + " " + args);
}

fs::path scratch() {
    const fs::path dir = fs::temp_directory_path() / ("kirchhoff_hardening_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = scratch() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

TEST_CASE("spice: 40,000 blanks before .op is scanned, not a stack overflow", "[cli][ngspice][hardening]") {
    const fs::path deck = write("blanks.cir", "blanks\n" + std::string(40000, ' ') + ".op\nv1 a 0 1\nr1 a 0 1k\n.end\n");
    const Run r = run_kirchhoff("spice " + deck.string() + " --vec 'i(v1)' --json");
    CHECK(r.status == 0);
    CHECK_THAT(r.stdout_only, ContainsSubstring("-0.001"));
}

TEST_CASE("spice: a deck that includes itself is refused before ngspice sees it", "[cli][hardening]") {
    const fs::path deck = write("self.cir", "self\n.include self.cir\nv1 a 0 1\nr1 a 0 1k\n.end\n");
    const Run r = run_kirchhoff("spice " + deck.string() + " --vec 'i(v1)'");
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("self.cir:2") && ContainsSubstring("includes itself"));
}

TEST_CASE("spice: devices, directories and empty decks are refused with what they are", "[cli][hardening]") {
    const Run zero = run_kirchhoff("spice /dev/zero --vec 'i(v1)'");
    CHECK(zero.status == 2);
    CHECK_THAT(zero.out, ContainsSubstring("/dev/zero") && ContainsSubstring("not a regular file"));
    const Run dir = run_kirchhoff("spice " + scratch().string() + " --vec 'i(v1)'");
    CHECK(dir.status == 2);
    CHECK_THAT(dir.out, ContainsSubstring("is a directory"));
}

TEST_CASE("spice --no-control refuses a .control section, and --timeout ends a .control loop", "[cli][ngspice][hardening]") {
    const fs::path deck = write("loop.cir", "loop\nv1 a 0 1\nr1 a 0 1k\n.control\nlet i = 0\nwhile i < 1\nlet j = 1\nend\n"
                                            ".endc\n.end\n");
    const Run refused = run_kirchhoff("spice " + deck.string() + " --vec 'i(v1)' --no-control");
    CHECK(refused.status == 2);
    CHECK_THAT(refused.out, ContainsSubstring("loop.cir:4") && ContainsSubstring("--no-control"));

    const auto t0 = std::chrono::steady_clock::now();
    const Run stopped = run_kirchhoff("spice " + deck.string() + " --vec 'i(v1)' --timeout 1");
    const double took = seconds_since(t0);
    CHECK(stopped.status == 3);
    CHECK_THAT(stopped.out, ContainsSubstring("time limit of 1 s"));
    CHECK(took < 10.0);  // limit 1 s + 1 s grace + start-up; it hung for good before
}

TEST_CASE("solve: a tile beyond the memory budget is refused up front, naming the key", "[cli][hardening]") {
    // The direct nodal solver and ngspice at 4096 x 4096; the iterative solver (auto there)
    // needs far less and is refused only by a smaller budget.
    for (const char* args : {"--engine nodal --set solver.method=direct", "--engine spice",
                             "--engine nodal --set solver.memory_budget_mib=1000"}) {
        const Run r = run_kirchhoff(std::string("solve ") + args + " --set array.rows=4096 --set array.cols=4096");
        INFO(args);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring("solver.memory_budget_mib") && ContainsSubstring("MiB"));
    }
    const Run small = run_kirchhoff("solve --engine nodal --set array.rows=8 --set array.cols=8 --set "
                                    "solver.memory_budget_mib=1");
    CHECK(small.status == 0);
}

TEST_CASE("run sweep fit sneak and netlist refuse work beyond the memory budget up front", "[cli][hardening]") {
    // Before: each built its tiles (or computed for minutes) and died of std::bad_alloc or the
    // OOM killer; only `solve` looked at solver.memory_budget_mib. A 64 MiB budget and 512 x 512
    // tiles (estimates 176 MiB to 4 GiB) keep the test independent of this machine's memory.
    const std::string model = std::string(KIRCHHOFF_SOURCE_DIR) + "/models/plain/model.bin";
    const std::string big = " --set array.rows=512 --set array.cols=512 --set solver.memory_budget_mib=64";
    const fs::path study = write("big_study.toml", "[study]\nname = \"big\"\nmetrics = [\"ppl_analog\"]\n"
                                                   "[base]\nrun.engine = \"nodal\"\nrun.validate_fraction = 0\n"
                                                   "array.cols = 512\nsolver.memory_budget_mib = 64\n"
                                                   "[axes]\n\"array.rows\" = [8, 512]\n");
    const std::string out = (scratch() / "budget_out").string();
    for (const std::string args :
         {"run --model " + model + " --engine nodal --validate-fraction 0" + big,
          "run --model " + model + " --engine ideal --validate-engine spice --validate-fraction 0.5" + big,
          "run --model " + model + " --engine ideal --validate-fraction 0 --reference-tokens 4" + big,
          "sweep " + study.string() + " --out " + out + " --dry-run", "fit --out " + out + "/t.safetensors" + big,
          "sneak --sizes 8,512 --out " + out + " --set solver.memory_budget_mib=64",
          "netlist --out " + out + "/d.cir" + big}) {
        INFO(args);
        const auto t0 = std::chrono::steady_clock::now();
        const Run r = run_kirchhoff(args);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring("solver.memory_budget_mib = 64 MiB") && ContainsSubstring("needs about"));
        CHECK(seconds_since(t0) < 20.0);  // refused before any tile is built
    }
    const Run sneak = run_kirchhoff("sneak --sizes 8,512 --out " + out + " --set solver.memory_budget_mib=64");
    CHECK_THAT(sneak.out, ContainsSubstring("512 x 512"));
    CHECK_FALSE(fs::exists(fs::path(out) / "sneak_margin.csv"));
    // A run whose engine builds no circuit is not refused for the array size alone.
    const Run ideal = run_kirchhoff("run --model " + model + " --engine ideal --validate-fraction 0 --tokens 8" + big);
    CHECK(ideal.status == 0);
}

TEST_CASE("run: the factorisations kept for validation count against the memory budget", "[cli][hardening]") {
    // 64 x 64 tiles: two nodal solves at once need about 20 MiB; 2048 MiB of kept factors
    // (run.validate_cache_mib's default, analog/check_cache.hpp) do not fit 1900 MiB.
    const std::string model = std::string(KIRCHHOFF_SOURCE_DIR) + "/models/plain/model.bin";
    const auto t0 = std::chrono::steady_clock::now();
    const Run r = run_kirchhoff("run --model " + model + " --tokens 8 --validate-fraction 0.5 --set "
                                "solver.memory_budget_mib=1900");
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("run.validate_cache_mib = 2048 MiB") &&
                          ContainsSubstring("solver.memory_budget_mib = 1900 MiB"));
    CHECK(seconds_since(t0) < 20.0);  // refused before any tile is built
    // With the iterative method nothing is kept (check_cache.hpp), so the same budget admits the run.
    const Run iterative = run_kirchhoff("run --model " + model + " --tokens 8 --validate-fraction 0.5 --set "
                                        "solver.memory_budget_mib=1900 --set solver.method=iterative");
    CHECK(iterative.status == 0);
    CHECK_THAT(iterative.out, !ContainsSubstring("run.validate_cache_mib"));
}

TEST_CASE("solve: nodal honours solver.timeout_s with exit 3", "[cli][hardening]") {
    const Run r = run_kirchhoff("solve --engine nodal --set array.rows=512 --set array.cols=512 --set "
                                "solver.timeout_s=0.001");
    CHECK(r.status == 3);
    CHECK_THAT(r.out, ContainsSubstring("solver.timeout_s"));
}

TEST_CASE("a --config naming a directory or a /proc entry is bad input", "[cli][hardening]") {
    const Run dir = run_kirchhoff("solve --engine nodal --config " + scratch().string());
    CHECK(dir.status == 2);
    CHECK_THAT(dir.out, ContainsSubstring("is a directory"));
    const Run mem = run_kirchhoff("solve --engine nodal --config /proc/self/mem");
    CHECK(mem.status == 2);
    CHECK_THAT(mem.out, ContainsSubstring("/proc"));
}

TEST_CASE("integer keys print their value as an integer", "[cli][hardening]") {
    const Run r = run_kirchhoff("solve --set array.rows=9223372036854775807");
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("array.rows = 9223372036854775807"));
}

TEST_CASE("generate with the digital engine still checks --config and --set", "[cli][hardening]") {
    const std::string model = std::string(KIRCHHOFF_SOURCE_DIR) + "/models/plain/model.bin";
    const Run missing = run_kirchhoff("generate --model " + model + " --steps 1 --config /nonexistent/x.toml");
    CHECK(missing.status == 2);
    const Run unknown = run_kirchhoff("generate --model " + model + " --steps 1 --set no.such_key=1");
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.out, ContainsSubstring("no.such_key"));
}

TEST_CASE("device flags: non-finite, out-of-window and non-positive values are bad input", "[cli][hardening]") {
    const std::string out = (scratch() / "device").string();
    for (const std::string args :
         {"iv --preset stanford_rram --memory -1", "iv --preset stanford_rram --memory nan",
          "iv --preset stanford_rram --memory 1e300", "read --preset stanford_rram --memory nan",
          "read --preset stanford_rram --g-siemens nan", "read --preset stanford_rram --v-max 0",
          "read --preset stanford_rram --v-max -3", "read --preset stanford_rram --v-max inf",
          "drift --preset pcm_joshi2020 --times-s 0"}) {
        const Run r = run_kirchhoff("device " + args + " --out " + out);
        INFO(args);
        CHECK(r.status == 2);
    }
    const Run drift = run_kirchhoff("device drift --preset pcm_joshi2020 --times-s -1 --out " + out);
    CHECK_THAT(drift.out, ContainsSubstring("--times-s -1") && !ContainsSubstring("reads no current"));
}

TEST_CASE("run --text naming a directory says so", "[cli][hardening]") {
    const std::string model = std::string(KIRCHHOFF_SOURCE_DIR) + "/models/plain/model.bin";
    const Run r = run_kirchhoff("run --model " + model + " --engine ideal --text " + scratch().string());
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("is a directory") && !ContainsSubstring("fewer than 2 tokens"));
}
