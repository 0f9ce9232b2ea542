// The `kirchhoff` program end to end: --version, spice and solve outputs, exit codes and
// error messages for bad input.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/run_program.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {
using kirchhoff::test::Run;

Run run_kirchhoff(const std::string& args) {
    return kirchhoff::test::run_program(std::string(KIRCHHOFF_PROGRAM) + " " + args);
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path) << text;
    return path;
}
}  // namespace

TEST_CASE("the version flag names Kirchhoff and ngspice and KLU", "[cli][ngspice]") {
    const Run r = run_kirchhoff("--version");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, ContainsSubstring("kirchhoff ") && ContainsSubstring("ngspice 4") &&
                          ContainsSubstring("linear solver: KLU"));
}

TEST_CASE("every subcommand's help lists its options with defaults and ranges", "[cli]") {
    const Run spice = run_kirchhoff("spice --help");
    CHECK(spice.status == 0);
    CHECK_THAT(spice.out, ContainsSubstring("--vec") && ContainsSubstring("--timeout") &&
                              ContainsSubstring("range [0, inf)"));
    const Run solve = run_kirchhoff("solve --help");
    CHECK(solve.status == 0);
    CHECK_THAT(solve.out, ContainsSubstring("array.r_wire_row_ohm") && ContainsSubstring("1.0 ohm") &&
                              ContainsSubstring("[1, 4096]") && ContainsSubstring("--engine"));
}

TEST_CASE("spice runs a user's deck and prints vectors as JSON", "[cli][ngspice]") {
    const auto deck = write_temp("kirchhoff_cli_divider.cir",
                                 "cli divider\nV1 in 0 DC 1\nR1 in out 1k\nR2 out 0 3k\n.end\n");
    const Run r = run_kirchhoff("spice " + deck.string() + " --vec 'v(out)' --vec 'i(v1)' --json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.stdout_only);
    CHECK(j["vectors"]["v(out)"][0] == 0.75);
    CHECK(j["vectors"]["i(v1)"][0] == -0.25e-3);
    CHECK(j["ngspice_version"].get<std::string>().size() > 0);
    CHECK(j["seconds"].get<double>() >= 0);
}

TEST_CASE("spice reports bad input clearly with a non-zero exit", "[cli][ngspice]") {
    const Run missing = run_kirchhoff("spice /nonexistent/deck.cir --vec x");
    CHECK(missing.status == 2);
    CHECK_THAT(missing.out, ContainsSubstring("/nonexistent/deck.cir") && ContainsSubstring("cannot open"));

    const auto bad = write_temp("kirchhoff_cli_bad.cir", "bad deck\nV1 a 0 1\nQ1 a b\n.end\n");
    const Run broken = run_kirchhoff("spice " + bad.string() + " --vec 'v(a)'");
    CHECK(broken.status == 3);
    CHECK_THAT(broken.out, ContainsSubstring("bad deck") && ContainsSubstring("q1 a b"));

    const auto good = write_temp("kirchhoff_cli_good.cir", "good\nV1 a 0 1\nR1 a 0 1k\n.end\n");
    const Run unknown = run_kirchhoff("spice " + good.string() + " --vec 'v(nosuch)'");
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.out, ContainsSubstring("--vec v(nosuch)") && ContainsSubstring("it has:"));
}

TEST_CASE("solve with ideal wires matches the ideal engine", "[cli][ngspice]") {
    const std::string tile = "--set array.rows=8 --set array.cols=5 --set seed=3 ";
    const Run spice = run_kirchhoff("solve --engine spice --json " + tile +
                                "--set array.r_wire_row_ohm=0 --set array.r_wire_col_ohm=0");
    REQUIRE(spice.status == 0);
    const auto j = nlohmann::json::parse(spice.stdout_only);
    CHECK(j["engine"] == "spice");
    CHECK(j["rows"] == 8);
    CHECK(j["cols"] == 5);
    CHECK(j["currents_a"].size() == 5);
    CHECK(j["rel_err_vs_ideal"].get<double>() < 1e-13);
    const Run ideal = run_kirchhoff("solve --engine ideal --json " + tile);
    REQUIRE(ideal.status == 0);
    CHECK(nlohmann::json::parse(ideal.stdout_only)["ideal_a"] == j["ideal_a"]);  // same seed, same tile
    CHECK_THAT(spice.out, ContainsSubstring("# effective configuration") && ContainsSubstring("rows = 8  # --set"));
}

TEST_CASE("solve rejects bad configuration with file, key, value and range", "[cli]") {
    const Run range = run_kirchhoff("solve --set array.rows=0");
    CHECK(range.status == 2);
    CHECK_THAT(range.out, ContainsSubstring("array.rows = 0") && ContainsSubstring("[1, 4096]"));
    const auto cfg = write_temp("kirchhoff_cli_bad.toml", "[array]\nrows = 16\nr_wire_rwo_ohm = 2\n");
    const Run unknown = run_kirchhoff("solve --config " + cfg.string());
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.out, ContainsSubstring("kirchhoff_cli_bad.toml:3") &&
                                ContainsSubstring("array.r_wire_rwo_ohm") &&
                                ContainsSubstring("did you mean 'array.r_wire_row_ohm'"));
    const Run engine = run_kirchhoff("solve --engine magic");
    CHECK(engine.status == 2);
    CHECK_THAT(engine.out, ContainsSubstring("magic"));
}

TEST_CASE("netlist writes a deck that ngspice -b runs unchanged, currents in column order", "[cli][ngspice]") {
    const std::string program = KIRCHHOFF_NGSPICE_PROGRAM;
    if (program.empty() || !std::filesystem::exists(program)) SKIP("the ngspice command-line program is not installed");
    const auto deck = std::filesystem::temp_directory_path() / "kirchhoff_cli_netlist.cir";
    const std::string tile = "--set array.rows=6 --set array.cols=4 --set array.cell=1T1R --set seed=5";
    const Run w = run_kirchhoff("netlist --out " + deck.string() + " " + tile);
    REQUIRE(w.status == 0);
    const Run batch_run = kirchhoff::test::run_program(program + " -b " + deck.string());
    REQUIRE(batch_run.status == 0);
    const std::string& out = batch_run.out;
    std::vector<double> batch;
    std::size_t pos = 0;
    for (int c = 0; c < 4; ++c) {
        const std::string key = "i(vsense" + std::to_string(c) + ") = ";
        pos = out.find(key, pos);
        REQUIRE(pos != std::string::npos);  // printed, and after the previous column
        batch.push_back(std::stod(out.substr(pos + key.size())));
    }
    const Run nodal = run_kirchhoff("solve --engine nodal --json " + tile);
    REQUIRE(nodal.status == 0);
    const auto currents = nlohmann::json::parse(nodal.stdout_only)["currents_a"];
    for (int c = 0; c < 4; ++c)
        CHECK(std::abs(currents[std::size_t(c)].get<double>() - batch[std::size_t(c)]) <= 1e-9 * std::abs(batch[std::size_t(c)]));
}

TEST_CASE("solve --out writes voltage maps and sneak writes its study", "[cli]") {
    const auto dir = std::filesystem::temp_directory_path() / "kirchhoff_cli_maps";
    std::filesystem::remove_all(dir);
    const Run solve = run_kirchhoff("solve --engine nodal --set array.rows=8 --set array.cols=8 --out " + dir.string());
    CHECK(solve.status == 0);
    CHECK(std::filesystem::file_size(dir / "cell_voltages.csv") > 64 * 20);
    // The configured cells are modelled: 1S1R prints other margins than 1R.
    const Run selector = run_kirchhoff("sneak --sizes 4 --set array.cell=1S1R --out " + dir.string());
    CHECK(selector.status == 0);
    const Run sneak = run_kirchhoff("sneak --sizes 4,8 --out " + dir.string());
    CHECK(sneak.status == 0);
    CHECK(selector.stdout_only.substr(0, 200) != sneak.stdout_only.substr(0, 200));
    std::ifstream csv(dir / "sneak_margin.csv");
    std::string header;
    std::getline(csv, header);
    CHECK(header == "n,scheme,i_on_a,i_off_a,i_cell_on_a,read_margin");
    int rows = 0;
    for (std::string line; std::getline(csv, line);) ++rows;
    CHECK(rows == 6);  // 2 sizes x 3 schemes
    const Run bad = run_kirchhoff("sneak --sizes 1 --out " + dir.string());
    CHECK(bad.status == 2);
    CHECK_THAT(bad.out, ContainsSubstring("--sizes: 1"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("solve rejects contradictory keys and engines", "[cli]") {
    const Run g = run_kirchhoff("solve --set device.g_min_siemens=1e-3");
    CHECK(g.status == 2);
    CHECK_THAT(g.out, ContainsSubstring("device.g_min_siemens = 0.001 S (--set) must be below device.g_max_siemens"));
    const Run sel = run_kirchhoff("solve --set array.mode=select --set select.row=70");
    CHECK(sel.status == 2);
    CHECK_THAT(sel.out, ContainsSubstring("select.row = 70") && ContainsSubstring("[0, 63]"));
    const Run ideal = run_kirchhoff("solve --engine ideal --set array.mode=select");
    CHECK(ideal.status == 2);
    const Run preset = run_kirchhoff("solve --set device.preset=unobtainium");
    CHECK(preset.status == 2);
    CHECK_THAT(preset.out, ContainsSubstring("unobtainium") && ContainsSubstring("linear"));
}

TEST_CASE("fit writes a surrogate table and check compares it with ngspice", "[cli][ngspice]") {
    const auto table = std::filesystem::temp_directory_path() / ("kirchhoff_cli_fit_" + std::to_string(::getpid()) + ".safetensors");
    const std::string tile = "--set array.rows=16 --set array.cols=16 --set device.preset=stanford_rram_aimc "
                             "--set device.g_min_siemens=2e-6 --set array.r_wire_row_ohm=2 --set array.r_wire_col_ohm=2";
    const Run fit = run_kirchhoff("fit " + tile + " --set fit.tiles=2 --out " + table.string());
    REQUIRE(fit.status == 0);
    CHECK_THAT(fit.out, ContainsSubstring("captured fraction") && ContainsSubstring("V* ="));
    const Run check = run_kirchhoff("check --tables " + table.string() + " --samples 2 --json");
    REQUIRE(check.status == 0);
    const auto j = nlohmann::json::parse(check.stdout_only);
    CHECK(j["samples"] == 2);
    CHECK(j["captured_fraction"].get<double>() > 0.95);
    CHECK(j["nmse"].get<double>() < j["ideal_nmse"].get<double>());
    CHECK(j.contains("max_rel_err"));
    // The IR-drop baseline: same cells, ideal wires. Its error is the IR drop alone, smaller
    // than the ideal G^T v's, so the IR fraction is the stricter one.
    CHECK(j["ir_nmse"].get<double>() > j["nmse"].get<double>());
    CHECK(j["ir_nmse"].get<double>() < j["ideal_nmse"].get<double>());
    CHECK(j["captured_fraction_ir"].get<double>() < j["captured_fraction"].get<double>());
    CHECK(j["captured_fraction_ir"].get<double>() > 0.5);
    CHECK(j["median_rel_err"].get<double>() <= j["max_rel_err"].get<double>());
    CHECK(j["mean_rel_err"].get<double>() <= j["max_rel_err"].get<double>());
    // The tiles checked: `kirchhoff run`'s layout, fitted on it by default.
    CHECK(j["differential"] == "columns");
    CHECK(j["fitted_differential"] == "columns");
    CHECK(j["cell"] == "1R");
    CHECK(j["rows"] == 16);
    CHECK(j["cols"] == 16);
    CHECK(j["r_wire_row_ohm"] == 2.0);
    CHECK(j["v_read_volt"] == 0.2);
    const Run single = run_kirchhoff("check --tables " + table.string() + " --samples 1 --differential none");
    REQUIRE(single.status == 0);
    CHECK_THAT(single.stdout_only, ContainsSubstring("differential none") && ContainsSubstring("captured fraction IR"));
    CHECK_THAT(single.out, ContainsSubstring("fitted with array.differential = columns"));
    const Run missing = run_kirchhoff("check --tables /nonexistent/t.safetensors --samples 1");
    CHECK(missing.status == 2);
    CHECK_THAT(missing.out, ContainsSubstring("/nonexistent/t.safetensors"));
    const Run selector = run_kirchhoff("fit --set array.cell=1S1R --out " + table.string());
    CHECK(selector.status == 2);
    CHECK_THAT(selector.out, ContainsSubstring("1S1R"));
    std::filesystem::remove(table);
}

TEST_CASE("solve takes a batch of input vectors on one set-up, by either circuit solver", "[cli]") {
    auto json_of = [](const std::string& args) {
        const Run r = run_kirchhoff("solve --json --set array.rows=24 --set array.cols=16 " + args);
        REQUIRE(r.status == 0);
        return nlohmann::json::parse(r.stdout_only);
    };
    const auto direct = json_of("--inputs 3 --set solver.method=direct");
    const auto iterative = json_of("--inputs 3 --set solver.method=iterative");
    REQUIRE(direct["vectors"] == 3);
    REQUIRE(direct["batch"].size() == 3);
    CHECK(direct["batch"][0]["currents_a"] == direct["currents_a"]);
    CHECK(direct["seconds_per_vector"].get<double>() >= 0.0);
    CHECK(direct["method"] == "direct");
    CHECK(iterative["method"] == "iterative");
    CHECK(iterative["fell_back"] == false);
    CHECK(iterative["cg_iterations"].get<int>() > 0);
    CHECK(iterative["relative_residual"].get<double>() <= 1e-12);
    for (int k = 0; k < 3; ++k) {
        const auto a = direct["batch"][k]["currents_a"].get<std::vector<double>>();
        const auto b = iterative["batch"][k]["currents_a"].get<std::vector<double>>();
        double largest = 0, diff = 0;
        for (std::size_t j = 0; j < a.size(); ++j) {
            largest = std::max(largest, std::abs(a[j]));
            diff = std::max(diff, std::abs(a[j] - b[j]));
        }
        CHECK(diff <= 1e-9 * largest);
    }
    // A stall and a tile the iterative solver cannot take fall back to direct, and say so.
    const auto stalled = json_of("--set solver.method=iterative --set solver.iterative_max_iterations=1");
    CHECK(stalled["fell_back"] == true);
    CHECK(stalled["method"] == "direct");
    CHECK_THAT(stalled["fallback_reason"].get<std::string>(), ContainsSubstring("stalled"));
    CHECK(stalled["currents_a"] == direct["currents_a"]);
    const Run one_s = run_kirchhoff("solve --set array.rows=8 --set array.cols=8 --set array.cell=1S1R "
                                    "--set solver.method=iterative");
    CHECK(one_s.status == 0);
    CHECK_THAT(one_s.out, ContainsSubstring("1S1R") && ContainsSubstring("solver direct (fallback)"));
}

TEST_CASE("solve reads input vectors from a CSV file and names what is wrong with one", "[cli]") {
    const auto good = write_temp("kirchhoff_inputs_good.csv", "# two vectors\n0.1, 0.2,0,-0.05\n\n0.2,0.2,0.2,0.2\n");
    const Run ok = run_kirchhoff("solve --json --set array.rows=4 --set array.cols=3 --inputs-csv " + good.string());
    REQUIRE(ok.status == 0);
    const auto j = nlohmann::json::parse(ok.stdout_only);
    REQUIRE(j["vectors"] == 2);
    CHECK(j["batch"][0]["inputs_v"] == std::vector<double>{0.1, 0.2, 0.0, -0.05});
    CHECK(j["batch"][1]["inputs_v"] == std::vector<double>{0.2, 0.2, 0.2, 0.2});
    struct Bad {
        const char* text;
        const char* says;
    };
    for (const Bad& b : {Bad{"0.1,0.2,0.1,0.1\n0.1,0.2,volts,0.1\n", "line 2, column 3: 'volts' is not a finite number"},
                         Bad{"0.1,0.2,0.5,0.1\n", "line 1, column 3: 0.5 V is outside the allowed range [-0.2, 0.2] V"},
                         Bad{"0.1,0.2,0.1\n", "line 1 has 3 values; the tile has 4 rows (array.rows)"},
                         Bad{"0.1,nan,0.1,0.1\n", "line 1, column 2: 'nan' is not a finite number"},
                         Bad{"# nothing\n", "no input vectors"}}) {
        const auto bad = write_temp("kirchhoff_inputs_bad.csv", b.text);
        const Run r = run_kirchhoff("solve --set array.rows=4 --set array.cols=3 --inputs-csv " + bad.string());
        INFO(b.text);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring("kirchhoff_inputs_bad.csv") && ContainsSubstring(b.says));
    }
    const Run missing = run_kirchhoff("solve --inputs-csv /nonexistent/inputs.csv");
    CHECK(missing.status == 2);
    CHECK_THAT(missing.out, ContainsSubstring("/nonexistent/inputs.csv"));
    const Run select = run_kirchhoff("solve --inputs 2 --set array.mode=select");
    CHECK(select.status == 2);
    CHECK_THAT(select.out, ContainsSubstring("read mode"));
}
