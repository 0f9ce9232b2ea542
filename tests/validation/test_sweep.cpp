// The sweep loop and its results files, with a stand-in evaluation: CSV escaping, a failed
// point recorded and the sweep going on, resume after SIGKILL without losing or redoing a
// point, shards whose merged result equals a single run, and the seed-averaged plot series.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "params/error.hpp"
#include "validation/results_store.hpp"
#include "validation/study.hpp"
#include "validation/sweep.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/sweep_plots.hpp"

using namespace kirchhoff;
using namespace kirchhoff::validation;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) { return test::scratch_dir(name); }

Study study_in(const fs::path& dir) {
    std::ofstream(dir / "study.toml") << "[study]\nmetrics = [\"ppl_analog\"]\n"
                                         "[axes]\n\"adc.bits\" = [4, 6, 8]\n\"array.r_wire_row_ohm\" = [0, 2]\n"
                                         "seed = [1, 2]\n";
    return load_study(dir / "study.toml", test::sweep_test_schema(), metric_columns());
}

// A deterministic stand-in for evaluate(): perplexity falls with ADC bits, rises with the wire,
// wobbles with the seed; bits = 6 with a 2 ohm wire "does not converge".
PointMetrics stand_in(const StudyPoint& p) {
    const double bits = double(p.config.integer("adc.bits")), r = p.config.real("array.r_wire_row_ohm");
    if (bits == 6 && r == 2) throw std::runtime_error("nodal solve did not converge,\n \"residual\" 1e3");
    return {{"ppl_digital", 10.0},
            {"ppl_analog", 10.0 + 8.0 / bits + r + 0.1 * double(p.config.integer("seed"))},
            {"validated", 3}};
}

// Rows without their timing cell, for comparing runs.
std::vector<ResultRow> without_timing(std::vector<ResultRow> rows, const std::vector<std::string>& columns) {
    for (auto& r : rows) r[column_index(columns, "seconds")].clear();
    return rows;
}

}  // namespace

TEST_CASE("CSV rows keep commas, quotes and line breaks on one line", "[validation][sweep]") {
    const ResultRow row{"a", "b,c", "say \"hi\"", "two\nlines", ""};
    const std::string line = csv_line(row);
    CHECK(line == "a,\"b,c\",\"say \"\"hi\"\"\",two | lines,\n");
    CHECK(parse_csv_line(line) == ResultRow{"a", "b,c", "say \"hi\"", "two | lines", ""});
    CHECK_THROWS_AS(parse_csv_line("\"open"), InputError);
}

TEST_CASE("a failed point is recorded with its error and the sweep goes on", "[validation][sweep]") {
    const fs::path dir = scratch("failed");
    const Study s = study_in(dir);
    const auto points = expand(s);
    const auto report = run_sweep(s, points, stand_in, {dir / "out", "single", 0, 1, false, "0.1.0", "46", ""});
    CHECK(report.ran == 12);
    CHECK(report.failed == 2);
    const auto columns = result_columns(s.swept_keys());
    const auto rows = merge_results(dir / "out", columns);
    REQUIRE(rows.size() == 12);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        CHECK(r[column_index(columns, "index")] == std::to_string(i));
        CHECK(r[column_index(columns, "kirchhoff_version")] == "0.1.0");
        const bool fails = r[column_index(columns, "adc.bits")] == "6" && r[column_index(columns, "array.r_wire_row_ohm")] == "2";
        CHECK(r[column_index(columns, "status")] == (fails ? "failed" : "ok"));
        CHECK(r[column_index(columns, "error")] == (fails ? "nodal solve did not converge, |  \"residual\" 1e3" : ""));
        CHECK(r[column_index(columns, "ppl_analog")].empty() == fails);
        CHECK_FALSE(r[column_index(columns, "seconds")].empty());
    }
    CHECK(rows.back()[column_index(columns, "status")] == "ok");  // points after the failures ran
    // results.csv parses back to the same rows; a second run finds everything done.
    CHECK(read_results(dir / "out" / "results.csv", columns) == rows);
    const auto again = run_sweep(s, points, stand_in, {dir / "out", "single", 0, 1, false, "", "", ""});
    CHECK(again.ran == 0);
    CHECK(again.already_done == 12);
    // --retry-failed runs the failed points again, and an ok row then wins the merge.
    const auto retry = run_sweep(s, points, [](const StudyPoint&) { return PointMetrics{{"ppl_analog", 1.0}}; },
                                 {dir / "out", "single", 0, 1, true, "", "", ""});
    CHECK(retry.ran == 2);
    for (const auto& r : merge_results(dir / "out", columns)) CHECK(r[column_index(columns, "status")] == "ok");
}

TEST_CASE("a sweep killed with SIGKILL resumes without redoing or losing points", "[validation][sweep]") {
    const fs::path dir = scratch("kill");
    const Study s = study_in(dir);
    const auto points = expand(s);
    const fs::path out = dir / "out", part = out / "parts" / "single.csv";
    const SweepOptions options{out, "single", 0, 1, false, "0.1.0", "46", ""};
    std::fflush(nullptr);  // nothing buffered twice
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // a slow sweep, killed below
        run_sweep(s, points, [](const StudyPoint& p) {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            return stand_in(p);
        }, options);
        ::_exit(0);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (test::lines_of(part).size() < 2 && std::chrono::steady_clock::now() < deadline)  // header + a row
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    const auto first_run = test::lines_of(part);
    REQUIRE(first_run.size() >= 2);
    REQUIRE(first_run.size() < 13);  // killed before the end

    std::vector<std::size_t> ran;
    const auto report = run_sweep(s, points, [&](const StudyPoint& p) {
        ran.push_back(p.index);
        return stand_in(p);
    }, options);
    CHECK(report.already_done == first_run.size() - 1);
    CHECK(ran.size() == 12 - (first_run.size() - 1));
    const auto all = test::lines_of(part);
    REQUIRE(all.size() == 13);
    for (std::size_t i = 0; i < first_run.size(); ++i) CHECK(all[i] == first_run[i]);  // rows of the first run unchanged
    const auto columns = result_columns(s.swept_keys());
    const auto rows = merge_results(out, columns);
    REQUIRE(rows.size() == 12);
    for (std::size_t i = 0; i < rows.size(); ++i) CHECK(rows[i][column_index(columns, "point")] == points[i].id);
}

TEST_CASE("a torn last line is cut off and another study's folder is refused", "[validation][sweep]") {
    const fs::path dir = scratch("torn");
    const Study s = study_in(dir);
    const auto points = expand(s);
    const auto columns = result_columns(s.swept_keys());
    const fs::path part = dir / "out" / "parts" / "single.csv";
    {
        ResultsAppender a(part, columns);
        ResultRow row(columns.size());
        row[0] = points[0].id, row[1] = "0", row[2] = "ok";
        a.append(row);
    }
    std::ofstream(part, std::ios::app) << points[1].id << ",1,o";  // a crash in the middle of a row
    const auto report = run_sweep(s, points, stand_in, {dir / "out", "single", 0, 1, false, "", "", ""});
    CHECK(report.already_done == 1);
    CHECK(report.ran == 11);
    CHECK(read_results(part, columns).size() == 12);

    // Other columns (another study) and unknown point ids are both refused.
    std::ofstream(dir / "other.toml") << "[axes]\n\"adc.bits\" = [4, 5]\n";
    const Study other = load_study(dir / "other.toml", test::sweep_test_schema(), metric_columns());
    CHECK_THROWS_WITH(run_sweep(other, expand(other), stand_in, {dir / "out", "single", 0, 1, false, "", "", ""}),
                      ContainsSubstring("another study"));
    std::ofstream(dir / "narrower.toml") << "[study]\nmetrics = [\"ppl_analog\"]\n"
                                            "[axes]\n\"adc.bits\" = [4, 8]\n\"array.r_wire_row_ohm\" = [0, 2]\n"
                                            "seed = [1, 2]\n";
    const Study narrower = load_study(dir / "narrower.toml", test::sweep_test_schema(), metric_columns());
    CHECK_THROWS_WITH(run_sweep(narrower, expand(narrower), stand_in, {dir / "out", "single", 0, 1, false, "", "", ""}),
                      ContainsSubstring("not in"));
}

TEST_CASE("shards run disjoint points and merge to the single-process result", "[validation][sweep]") {
    const fs::path dir = scratch("shards");
    const Study s = study_in(dir);
    const auto points = expand(s);
    const auto columns = result_columns(s.swept_keys());
    run_sweep(s, points, stand_in, {dir / "single", "single", 0, 1, false, "v", "n", ""});
    const auto single = merge_results(dir / "single", columns);
    std::size_t ran = 0;
    for (std::size_t i = 0; i < 3; ++i)
        ran += run_sweep(s, points, stand_in,
                         {dir / "sharded", "shard-" + std::to_string(i + 1) + "-of-3", i, 3, false, "v", "n", ""})
                   .ran;
    CHECK(ran == 12);
    CHECK(part_files(dir / "sharded").size() == 3);
    const auto merged = merge_results(dir / "sharded", columns);
    CHECK(without_timing(merged, columns) == without_timing(single, columns));
}

TEST_CASE("plot series average over seeds, one line per value of the other axes", "[validation][sweep]") {
    const fs::path dir = scratch("plots");
    const Study s = study_in(dir);
    run_sweep(s, expand(s), stand_in, {dir / "out", "single", 0, 1, false, "", "", ""});
    const auto columns = result_columns(s.swept_keys());
    const auto rows = merge_results(dir / "out", columns);
    const auto lines = sweep_series(s, columns, rows, "ppl_analog", 0);  // against adc.bits
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].label == "array.r_wire_row_ohm=0");
    CHECK(lines[1].label == "array.r_wire_row_ohm=2");
    REQUIRE(lines[0].mean.size() == 3);
    CHECK(lines[0].count == std::vector<std::size_t>{2, 2, 2});
    CHECK(lines[0].mean[0] == Catch::Approx(10.0 + 2.0 + 0.15));
    CHECK(lines[0].stddev[0] == Catch::Approx(0.1 / std::sqrt(2.0)));
    CHECK(lines[1].count[1] == 0);  // the failed setting has no data
    const auto pngs = plot_sweep(s, columns, rows, dir / "out");
    CHECK(fs::exists(dir / "out" / "plots" / "ppl_analog_vs_adc_bits.dat"));
    CHECK(fs::exists(dir / "out" / "plots" / "ppl_analog_vs_array_r_wire_row_ohm.gp"));
    for (const auto& png : pngs) CHECK(fs::file_size(png) > 1000);
}
