// `kirchhoff sweep` end to end on the shipped plain model (16 tokens, ideal engine, a few
// validated MVMs per layer): bad studies refused with exit 2, a point that fails at run time
// recorded while the others run, resume after SIGKILL, and an MPI run (2 ranks) whose merged
// results equal the single-process ones but for the timing columns.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "support/run_program.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/results_store.hpp"
#include "validation/study.hpp"
#include "validation/sweep_evaluation.hpp"

using Catch::Matchers::ContainsSubstring;
using kirchhoff::validation::column_index;
using kirchhoff::validation::parse_csv_line;
using kirchhoff::validation::ResultRow;
namespace fs = std::filesystem;

namespace {

// Small and fast: ~1 s a point. `axes` is the [axes] table's body.
fs::path write_study(const fs::path& dir, const std::string& axes, const std::string& extra = "") {
    std::ofstream(dir / "study.toml") << "[study]\nname = \"cli\"\nmetrics = [\"ppl_analog\", \"validation_nmse\"]\n"
                                         "[base]\nrun.tokens = 16\nrun.engine = \"ideal\"\nrun.validate_count = 1\n"
                                         "run.logit_effect = false\n"
                                      << extra << "[axes]\n" << axes;
    return dir / "study.toml";
}

kirchhoff::test::Run kirchhoff_cmd(const std::string& args) {
    return kirchhoff::test::run_program("OMP_NUM_THREADS=1 " + std::string(KIRCHHOFF_PROGRAM) + " " + args);
}

std::vector<ResultRow> rows_of(const fs::path& csv, std::vector<std::string>* header = nullptr) {
    std::vector<ResultRow> rows;
    for (const auto& line : kirchhoff::test::lines_of(csv)) rows.push_back(parse_csv_line(line));
    if (rows.empty()) return rows;
    if (header) *header = rows.front();
    rows.erase(rows.begin());
    return rows;
}

}  // namespace

TEST_CASE("kirchhoff sweep refuses a bad study before running anything", "[validation][sweep][cli]") {
    const fs::path dir = kirchhoff::test::scratch_dir("cli_bad");
    const auto bits = kirchhoff_cmd("sweep " + write_study(dir, "\"adc.bits\" = [4, 99]\n").string() + " --out " +
                                    (dir / "out").string());
    CHECK(bits.status == 2);
    CHECK_THAT(bits.out, ContainsSubstring("study.toml:10") && ContainsSubstring("adc.bits") &&
                             ContainsSubstring("99") && ContainsSubstring("[2, 24]"));
    CHECK_FALSE(fs::exists(dir / "out"));
    const auto key = kirchhoff_cmd("sweep " + write_study(dir, "\"adc.bitz\" = [4]\n").string() + " --out " +
                                   (dir / "out").string());
    CHECK(key.status == 2);
    CHECK_THAT(key.out, ContainsSubstring("adc.bitz"));
    // A cross-key check (analog_config) on every point, naming the point.
    const auto clamp = kirchhoff_cmd("sweep " +
                                     write_study(dir, "\"pcm.clamp\" = [\"window\", \"at_zero\"]\n",
                                                 "device.preset = \"stanford_rram_aimc\"\n")
                                         .string() +
                                     " --out " + (dir / "out").string());
    CHECK(clamp.status == 2);
    CHECK_THAT(clamp.out, ContainsSubstring("point 2") && ContainsSubstring("pcm.clamp"));
    const auto shard = kirchhoff_cmd("sweep " + write_study(dir, "seed = [1]\n").string() + " --out " +
                                     (dir / "out").string() + " --shard 3/2");
    CHECK(shard.status == 2);
    CHECK_THAT(shard.out, ContainsSubstring("--shard 3/2"));
    const auto dry = kirchhoff_cmd("sweep " + write_study(dir, "seed = [1, 2, 3]\n").string() + " --dry-run");
    CHECK(dry.status == 0);
    CHECK_THAT(dry.stdout_only, ContainsSubstring("3 points") && ContainsSubstring("seed=3"));
}

TEST_CASE("kirchhoff sweep records a point that fails at run time and runs the others", "[validation][sweep][cli]") {
    const fs::path dir = kirchhoff::test::scratch_dir("cli_failed");
    // A surrogate table that does not exist fails only when that point loads it.
    const fs::path study = write_study(dir, "\"run.tables\" = [\"\", \"" + (dir / "missing.safetensors").string() +
                                                "\"]\n\"adc.bits\" = [4, 8]\n");
    const auto r = kirchhoff_cmd("sweep " + study.string() + " --out " + (dir / "out").string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    std::vector<std::string> columns;
    const auto rows = rows_of(dir / "out" / "results.csv", &columns);
    REQUIRE(rows.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        const bool missing = i >= 2;  // run.tables is the first axis
        CHECK(rows[i][column_index(columns, "index")] == std::to_string(i));
        CHECK(rows[i][column_index(columns, "status")] == (missing ? "failed" : "ok"));
        CHECK(rows[i][column_index(columns, "error")].find(missing ? "missing.safetensors" : "") != std::string::npos);
        CHECK(rows[i][column_index(columns, "ppl_analog")].empty() == missing);
        CHECK(rows[i][column_index(columns, "kirchhoff_version")] != "");
    }
    CHECK(std::stod(rows[0][column_index(columns, "ppl_analog")]) > 1.0);
    CHECK(fs::exists(dir / "out" / "plots" / "ppl_analog_vs_adc_bits.png"));
    CHECK(fs::exists(dir / "out" / "study.toml"));
    CHECK(fs::exists(dir / "out" / "base_config.toml"));
}

TEST_CASE("kirchhoff sweep killed with SIGKILL resumes without redoing or losing points", "[validation][sweep][cli]") {
    const fs::path dir = kirchhoff::test::scratch_dir("cli_kill");
    const fs::path study = write_study(dir, "\"adc.bits\" = [4, 6, 8]\nseed = [1, 2]\n");
    const fs::path out = dir / "out", part = out / "parts" / "single.csv";
    std::fflush(nullptr);  // nothing buffered twice
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::setenv("OMP_NUM_THREADS", "1", 1);
        std::freopen("/dev/null", "w", stdout);
        std::freopen((dir / "first.err").c_str(), "w", stderr);
        ::execl(KIRCHHOFF_PROGRAM, KIRCHHOFF_PROGRAM, "sweep", study.c_str(), "--out", out.c_str(), nullptr);
        ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (kirchhoff::test::lines_of(part).size() < 2 && std::chrono::steady_clock::now() < deadline)  // header and one row
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    const auto first = kirchhoff::test::lines_of(part);
    INFO(kirchhoff::test::lines_of(dir / "first.err").size());
    REQUIRE(WIFSIGNALED(status));  // killed before it finished
    REQUIRE(first.size() >= 2);
    REQUIRE(first.size() < 7);

    const auto r = kirchhoff_cmd("sweep " + study.string() + " --out " + out.string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK_THAT(r.out, ContainsSubstring(std::to_string(first.size() - 1) + " already done"));
    const auto all = kirchhoff::test::lines_of(part);
    REQUIRE(all.size() == 7);
    for (std::size_t i = 0; i < first.size(); ++i) CHECK(all[i] == first[i]);  // the first run's rows unchanged
    std::vector<std::string> columns;
    const auto rows = rows_of(out / "results.csv", &columns);
    REQUIRE(rows.size() == 6);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i][column_index(columns, "index")] == std::to_string(i));  // each point once, in grid order
        CHECK(rows[i][column_index(columns, "status")] == "ok");
    }
    // Everything done: a third run runs nothing and leaves the results as they are.
    const auto again = kirchhoff_cmd("sweep " + study.string() + " --out " + out.string());
    CHECK(again.status == 0);
    CHECK(kirchhoff::test::lines_of(part) == all);
    CHECK(rows_of(out / "results.csv") == rows);
}

TEST_CASE("kirchhoff sweep under mpirun -n 2 merges to the single-process result", "[validation][sweep][cli][mpi]") {
    const std::string mpiexec = KIRCHHOFF_MPIEXEC;
    if (mpiexec.empty()) SKIP("built without MPI");
    const fs::path dir = kirchhoff::test::scratch_dir("cli_mpi");
    const fs::path study = write_study(dir, "\"adc.bits\" = [4, 8]\n\"array.r_wire_row_ohm\" = [0.5, 2]\nseed = [1, 2]\n");
    const auto single = kirchhoff_cmd("sweep " + study.string() + " --out " + (dir / "single").string());
    INFO(single.out);
    REQUIRE(single.status == 0);
    // mpirun runs as root here: OpenMPI 4.1 wants both variables; one OpenMP thread per rank.
    const auto mpi = kirchhoff::test::run_program(
        "OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " + mpiexec +
        " -n 2 --oversubscribe " + KIRCHHOFF_PROGRAM + " sweep " + study.string() + " --out " + (dir / "mpi").string());
    INFO(mpi.out);
    REQUIRE(mpi.status == 0);
    CHECK(fs::exists(dir / "mpi" / "parts" / "rank-0-of-2.csv"));
    CHECK(fs::exists(dir / "mpi" / "parts" / "rank-1-of-2.csv"));
    std::vector<std::string> columns;
    auto a = rows_of(dir / "single" / "results.csv", &columns), b = rows_of(dir / "mpi" / "results.csv");
    REQUIRE(a.size() == 8);
    REQUIRE(b.size() == 8);
    for (auto* rows : {&a, &b})
        for (auto& r : *rows)
            for (const char* timing : {"seconds", "tokens_per_s"}) r[column_index(columns, timing)].clear();
    CHECK(a == b);
}

TEST_CASE("the example studies in validation/studies load and expand", "[validation][sweep]") {
    namespace v = kirchhoff::validation;
    std::size_t studies = 0;
    for (const auto& e : fs::directory_iterator(fs::path(KIRCHHOFF_SOURCE_DIR) / "validation" / "studies")) {
        if (e.path().extension() != ".toml") continue;
        INFO(e.path());
        const v::Study s = v::load_study(e.path(), kirchhoff::evaluation::evaluation_schema(), v::metric_columns());
        const auto points = v::expand(s, v::check_evaluation_config);
        CHECK(points.size() >= 6);
        CHECK_FALSE(s.description.empty());
        ++studies;
    }
    CHECK(studies == 6);
}
