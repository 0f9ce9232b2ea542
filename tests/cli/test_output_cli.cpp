// What the `kirchhoff` commands do with their outputs, end to end: no shell ever sees a path,
// an unwritable --out fails at once (exit 2, naming the flag and the path), devices, FIFOs and
// links are never replaced, a write that fails (a file size limit standing in for a full disk)
// exits non-zero naming the file and leaves no partial or temporary file, and a second sweep
// on a folder another sweep holds is refused.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_program.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/sweep_lock.hpp"

using Catch::Matchers::ContainsSubstring;
using kirchhoff::test::Run;
namespace fs = std::filesystem;

namespace {

const std::string program = KIRCHHOFF_PROGRAM;

Run kirchhoff_args(std::vector<std::string> args) {
    args.insert(args.begin(), program);
    return kirchhoff::test::run_args(args);
}

// `args` (shell words) with the output file size limited to `blocks` 512-byte blocks and
// SIGXFSZ ignored: every write past the limit fails (EFBIG) as it would on a full disk.
Run with_file_size_limit(int blocks, const std::string& args, const std::string& environment = "") {
    return kirchhoff::test::run_program("trap '' XFSZ; ulimit -f " + std::to_string(blocks) + "; OMP_NUM_THREADS=1 " +
                                        environment + " exec " + program + " " + args);
}

// Every entry under `dir`, recursively, as "relative/path size".
std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        out.push_back(e.path().lexically_relative(dir).string() +
                      (fs::is_regular_file(e.symlink_status()) ? " " + std::to_string(e.file_size()) : std::string()));
    std::sort(out.begin(), out.end());
    return out;
}

// No temporary files and no empty files anywhere under `dir`.
void check_nothing_partial(const fs::path& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        INFO(e.path().string());
        CHECK(e.path().extension() != ".tmp");
        if (e.is_regular_file() && e.path().parent_path().filename() != ".locks")
            CHECK(e.file_size() > 0);
    }
}

fs::path write_study(const fs::path& dir) {
    std::ofstream(dir / "study.toml") << "[study]\nname = \"lock\"\nmetrics = [\"ppl_analog\"]\n"
                                         "[base]\nrun.tokens = 8\nrun.engine = \"ideal\"\nrun.validate_fraction = 0\n"
                                         "run.logit_effect = false\n[axes]\nseed = [1, 2]\n";
    return dir / "study.toml";
}

}  // namespace

TEST_CASE("an --out folder with shell syntax in its name is only a name", "[cli][output]") {
    const fs::path dir = kirchhoff::test::scratch_dir("shell_out");
    const fs::path out = dir / "x';touch PWNED;'$(touch PWNED2)";
    const Run r = kirchhoff_args({"solve", "--set", "array.rows=8", "--set", "array.cols=8", "--out", out.string()});
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(fs::file_size(out / "cell_voltages.csv") > 0);
    CHECK(fs::exists(out / "ir_drop.gp"));
    CHECK_FALSE(fs::exists("PWNED"));
    CHECK_FALSE(fs::exists(dir / "PWNED"));
    CHECK_FALSE(fs::exists(out / "PWNED"));
    CHECK_FALSE(fs::exists(out / "PWNED2"));
}

TEST_CASE("an unwritable --out fails before any work, exit 2 naming the flag and the path", "[cli][output]") {
    const fs::path dir = kirchhoff::test::scratch_dir("unwritable");
    std::ofstream(dir / "file") << "x";
    const std::string under_file = (dir / "file" / "out").string();
    const std::vector<std::vector<std::string>> commands{
        {"solve", "--set", "array.rows=8", "--set", "array.cols=8", "--out", "/proc/kirchhoff-out"},
        {"sneak", "--sizes", "4,8", "--out", "/proc"},
        {"sneak", "--sizes", "4,8", "--out", under_file},
        {"run", "--tokens", "8", "--engine", "ideal", "--validate-fraction", "0", "--out", "/proc"},
        {"device", "iv", "--preset", "stanford_rram_aimc", "--out", "/proc"},
        {"device", "drift", "--preset", "pcm_joshi2020", "--cells", "10", "--out", under_file},
        {"netlist", "--set", "array.rows=8", "--set", "array.cols=8", "--out", "/proc/tile.cir"},
        {"fit", "--set", "array.rows=8", "--set", "array.cols=8", "--out", under_file + "/t.safetensors"},
        {"sweep", write_study(dir).string(), "--out", "/proc"},
        {"train", "--out", "/proc"},
    };
    for (const auto& args : commands) {
        const Run r = kirchhoff_args(args);
        INFO(args[0] + " " + args[1]);
        INFO(r.out);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring("--out") && (ContainsSubstring("/proc") || ContainsSubstring(under_file)));
        CHECK(r.stdout_only.empty());  // nothing was computed and printed
    }
}

TEST_CASE("an --out that is a device, FIFO or link is never replaced", "[cli][output]") {
    // The devices are private copies of /dev/full's node (as root; a build without the fix
    // replaced the device it was given, so the test never hands it the system's own).
    const fs::path dir = kirchhoff::test::scratch_dir("special_out");
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    std::ofstream(dir / "victim") << "precious";
    fs::create_symlink(dir / "victim", dir / "link.cir");
    const bool device = ::mknod((dir / "full").c_str(), S_IFCHR | 0600, makedev(1, 7)) == 0;
    std::vector<std::pair<std::vector<std::string>, fs::path>> cases{
        {{"fit", "--set", "array.rows=8", "--set", "array.cols=8", "--out", (dir / "fifo").string()}, dir / "fifo"},
        {{"netlist", "--set", "array.rows=8", "--set", "array.cols=8", "--out", (dir / "link.cir").string()},
         dir / "link.cir"}};
    if (device) {
        cases.push_back({{"fit", "--set", "array.rows=8", "--set", "array.cols=8", "--out", (dir / "full").string()},
                         dir / "full"});
        cases.push_back({{"netlist", "--set", "array.rows=8", "--set", "array.cols=8", "--out", (dir / "full").string()},
                         dir / "full"});
    }
    for (const auto& [args, path] : cases) {
        const Run r = kirchhoff_args(args);
        INFO(r.out);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring("--out " + path.string()) && ContainsSubstring("regular file"));
    }
    if (device) CHECK(fs::is_character_file(dir / "full"));
    CHECK(fs::is_fifo(dir / "fifo"));
    CHECK(fs::is_symlink(dir / "link.cir"));
    std::ifstream in(dir / "victim");
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "precious");
    std::vector<std::string> expected{"fifo", "link.cir", "victim 8"};
    if (device) expected.insert(expected.begin() + 1, "full");
    CHECK(listing(dir) == expected);
}

TEST_CASE("a failed write (disk full) exits non-zero naming the file and leaves nothing half-written",
          "[cli][output]") {
    const fs::path dir = kirchhoff::test::scratch_dir("full");
    struct Case {
        std::string args, file;  // the command, and the output file whose write must fail
    };
    const std::vector<Case> cases{
        {"solve --set array.rows=64 --set array.cols=64 --out " + (dir / "solve").string(), "cell_voltages.csv"},
        {"device iv --preset stanford_rram_aimc --out " + (dir / "iv").string(), "iv.csv"},
        {"netlist --set array.rows=64 --set array.cols=64 --out " + (dir / "net" / "tile.cir").string(), "tile.cir"},
        {"sneak --sizes 4,8 --out " + (dir / "sneak").string(), "sneak_margin.csv"},
        {"run --tokens 8 --engine ideal --validate-fraction 0 --out " + (dir / "run").string(), "validation.csv"},
    };
    for (const Case& c : cases) {
        // 64 blocks (32 KiB) lets the small files through and stops the large ones; the
        // small-output commands get no room at all.
        const bool small = c.file == "sneak_margin.csv" || c.file == "validation.csv";
        const Run r = with_file_size_limit(small ? 0 : 64, c.args);
        INFO(c.args);
        INFO(r.out);
        CHECK(r.status == 1);
        CHECK_THAT(r.out, ContainsSubstring(c.file) && ContainsSubstring("File too large"));
    }
    for (const char* f : {"solve/cell_voltages.csv", "iv/iv.csv", "net/tile.cir", "sneak/sneak_margin.csv",
                          "run/validation.csv"})
        CHECK_FALSE(fs::exists(dir / f));
    CHECK(fs::exists(dir / "iv" / "parameters.csv"));  // written whole before the limit was reached
    check_nothing_partial(dir);
}

TEST_CASE("a sweep whose files cannot be written leaves no empty study.toml or base_config.toml", "[cli][output]") {
    const fs::path dir = kirchhoff::test::scratch_dir("full_sweep");
    const Run r = with_file_size_limit(0, "sweep " + write_study(dir).string() + " --out " + (dir / "out").string());
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, ContainsSubstring("study.toml") && ContainsSubstring("File too large"));
    CHECK_FALSE(fs::exists(dir / "out" / "study.toml"));
    CHECK_FALSE(fs::exists(dir / "out" / "base_config.toml"));
    check_nothing_partial(dir / "out");
}

TEST_CASE("a fit that cannot write leaves no table, no temporary file and no library copy",
          "[cli][output][ngspice]") {
    // With no room at all even the private copy of libngspice fails (the table's own write is
    // covered by test_io_output): the error is clean and the private folder is gone.
    const fs::path dir = kirchhoff::test::scratch_dir("full_fit");
    fs::create_directories(dir / "tmp");
    const Run r = with_file_size_limit(0, "fit --set array.rows=8 --set array.cols=8 --out " +
                                              (dir / "t.safetensors").string(),
                                       "TMPDIR=" + (dir / "tmp").string());
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, ContainsSubstring("File too large"));
    CHECK(listing(dir) == std::vector<std::string>{"tmp"});
}

TEST_CASE("a second sweep on a folder another sweep holds is refused, exit 2", "[cli][output][sweep]") {
    const fs::path dir = kirchhoff::test::scratch_dir("lock_cli");
    const fs::path study = write_study(dir);
    const kirchhoff::validation::SweepLock running(dir / "out", 0, 1);  // a sweep in progress
    for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--shard", "1/2"}}) {
        std::vector<std::string> args{"sweep", study.string(), "--out", (dir / "out").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        const Run r = kirchhoff_args(args);
        INFO(r.out);
        CHECK(r.status == 2);
        CHECK_THAT(r.out, ContainsSubstring((dir / "out").string()) && ContainsSubstring("another sweep"));
    }
    CHECK_FALSE(fs::exists(dir / "out" / "study.toml"));
    CHECK_FALSE(fs::exists(dir / "out" / "parts"));
}
