// `kirchhoff device ...` end to end: each experiment writes its CSV (and parameters.csv), both
// engines give the same read I-V, bad input exits with status 2 and a message.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_program.hpp"

using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

// A scratch folder per test process, removed at exit.
struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("kirchhoff_device_cli_" + std::to_string(getpid()));
    Scratch() { fs::create_directories(dir); }
    ~Scratch() { fs::remove_all(dir); }
};
const Scratch scratch;

using kirchhoff::test::Run;

Run run_kirchhoff(const std::string& args) {
    return kirchhoff::test::run_program(std::string(KIRCHHOFF_PROGRAM) + " " + args);
}

std::vector<std::string> lines(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE("kirchhoff device presets lists every preset with its citation", "[devices][cli]") {
    const Run r = run_kirchhoff("device presets");
    CHECK(r.status == 0);
    for (const char* name : {"stanford_rram", "stanford_rram_aimc", "vteam", "vteam_aimc", "pcm_gst", "pcm_joshi2020"})
        CHECK_THAT(r.out, ContainsSubstring(name));
    CHECK_THAT(r.out, ContainsSubstring("Joshi"));
}

TEST_CASE("kirchhoff device iv, read, program and drift write their CSVs", "[devices][cli]") {
    const fs::path d = scratch.dir;
    CHECK(run_kirchhoff("device iv --preset vteam_aimc --points 101 --out " + (d / "iv").string()).status == 0);
    CHECK(lines(d / "iv" / "iv.csv").size() == 102);
    CHECK(lines(d / "iv" / "iv.csv")[0] == "t_s,v_volt,i_ampere,w_m");
    CHECK(fs::exists(d / "iv" / "parameters.csv"));
    CHECK(run_kirchhoff("device read --preset pcm_gst --g-siemens 2e-5 --out " + (d / "read").string()).status == 0);
    CHECK(lines(d / "read" / "read_iv.csv").size() == 42);
    const Run p = run_kirchhoff("device program --preset vteam_aimc --target-siemens 2e-5 --devices 3 --d2d-sigma 0.1 --seed 4 --out " +
                            (d / "program").string());
    CHECK(p.status == 0);
    CHECK_THAT(p.out, ContainsSubstring("3/3 devices"));
    CHECK(run_kirchhoff("device drift --preset pcm_joshi2020 --cells 100 --times-s 1,3600 --out " + (d / "drift").string()).status == 0);
    CHECK(lines(d / "drift" / "drift.csv").size() == 1 + 6 * 2);
}

TEST_CASE("kirchhoff device read: native and spice engines agree", "[devices][cli][ngspice]") {
    const fs::path d = scratch.dir;
    REQUIRE(run_kirchhoff("device read --preset stanford_rram_aimc --g-siemens 1e-5 --out " + (d / "rn").string()).status == 0);
    REQUIRE(run_kirchhoff("device read --preset stanford_rram_aimc --g-siemens 1e-5 --engine spice --out " + (d / "rs").string()).status == 0);
    const auto a = lines(d / "rn" / "read_iv.csv"), b = lines(d / "rs" / "read_iv.csv");
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 1; k < a.size(); ++k) {
        double va, ia, vb, ib;
        char comma;
        std::istringstream(a[k]) >> va >> comma >> ia;
        std::istringstream(b[k]) >> vb >> comma >> ib;
        CHECK(std::abs(va - vb) < 1e-12);
        CHECK(std::abs(ia - ib) <= 1e-8 * std::abs(ia) + 1e-18);
    }
    CHECK(run_kirchhoff("device iv --preset pcm_gst --engine spice --points 200 --out " + (d / "ivs").string()).status == 0);
}

TEST_CASE("kirchhoff device: bad input exits 2 naming the problem", "[devices][cli]") {
    const std::string out = " --out " + (scratch.dir / "bad").string();
    Run r = run_kirchhoff("device iv --preset nosuch" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("nosuch"));
    r = run_kirchhoff("device read --preset vteam --param r_on_ohm=-1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("r_on_ohm = -1 ohm is outside the allowed range (0, inf)"));
    r = run_kirchhoff("device iv --preset pcm_joshi2020" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("no I-V"));
    r = run_kirchhoff("device program --preset vteam_aimc --target-siemens 1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("outside the device window"));
    r = run_kirchhoff("device drift --preset vteam" + out);
    CHECK(r.status == 2);
}

TEST_CASE("kirchhoff device: --set device.NAME, --config [device] and the older --param give the same run",
          "[devices][cli]") {
    const fs::path d = scratch.dir;
    const fs::path toml = d / "vteam.toml";
    std::ofstream(toml) << "[device]\nr_on_ohm = 500\nalpha_off = 4\n";
    const std::string read = "device read --preset vteam --points 11 --out ";
    REQUIRE(run_kirchhoff(read + (d / "by_param").string() + " --param r_on_ohm=500 --param alpha_off=4").status == 0);
    REQUIRE(run_kirchhoff(read + (d / "by_set").string() + " --set device.r_on_ohm=500 --set device.alpha_off=4").status == 0);
    REQUIRE(run_kirchhoff(read + (d / "by_config").string() + " --config " + toml.string()).status == 0);
    REQUIRE(run_kirchhoff(read + (d / "plain").string()).status == 0);
    for (const char* file : {"parameters.csv", "read_iv.csv"}) {
        INFO(file);
        CHECK(lines(d / "by_set" / file) == lines(d / "by_param" / file));
        CHECK(lines(d / "by_config" / file) == lines(d / "by_param" / file));
        CHECK(lines(d / "plain" / file) != lines(d / "by_param" / file));  // the overrides took effect
    }
    CHECK_THAT(lines(d / "by_set" / "parameters.csv")[1], ContainsSubstring("r_on_ohm,500,"));
    // Bad keys and values name the flag, the key and what is allowed.
    const std::string out = " --out " + (d / "bad_set").string();
    Run r = run_kirchhoff("device read --preset vteam --set device.r_on_ohm=-1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("--set: device.r_on_ohm = -1 ohm is outside the allowed range (0, inf)"));
    r = run_kirchhoff("device read --preset vteam --set device.r_onn=1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("unknown configuration key 'device.r_onn'"));
    r = run_kirchhoff("device read --preset pcm_joshi2020 --set device.r_on_ohm=1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("no I-V"));
}

TEST_CASE("kirchhoff device drift takes --config and --set device.NAME of the statistical model", "[devices][cli]") {
    const fs::path d = scratch.dir;
    const fs::path toml = d / "joshi.toml";
    std::ofstream(toml) << "[device]\nt0_s = 100\n";
    const std::string drift = "device drift --preset pcm_joshi2020 --cells 50 --times-s 1,3600 --out ";
    REQUIRE(run_kirchhoff(drift + (d / "drift_set").string() + " --set device.t0_s=100").status == 0);
    REQUIRE(run_kirchhoff(drift + (d / "drift_config").string() + " --config " + toml.string()).status == 0);
    REQUIRE(run_kirchhoff(drift + (d / "drift_plain").string()).status == 0);
    for (const char* file : {"parameters.csv", "drift.csv"}) {
        INFO(file);
        CHECK(lines(d / "drift_config" / file) == lines(d / "drift_set" / file));
        CHECK(lines(d / "drift_plain" / file) != lines(d / "drift_set" / file));  // the override took effect
    }
    bool found = false;
    for (const std::string& l : lines(d / "drift_set" / "parameters.csv")) found = found || l.rfind("t0_s,100,s,", 0) == 0;
    CHECK(found);
    const std::string out = " --out " + (d / "drift_bad").string();
    Run r = run_kirchhoff("device drift --preset pcm_joshi2020 --set device.t0_s=-1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("--set: device.t0_s = -1 s is outside the allowed range (0, inf)"));
    r = run_kirchhoff("device drift --preset pcm_joshi2020 --set device.r_on_ohm=1" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("unknown configuration key 'device.r_on_ohm'"));
    r = run_kirchhoff("device drift --preset vteam --set device.r_on_ohm=500" + out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, ContainsSubstring("is not a statistical PCM model"));
    const Run help = run_kirchhoff("device drift --help");
    CHECK(help.status == 0);
    CHECK_THAT(help.out, ContainsSubstring("pcm_statistical: g_max_siemens, prog_c0_siemens"));
}
