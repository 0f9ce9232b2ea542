// Output files are whole or absent: replaced atomically, never through a device, FIFO, folder
// or link; a failed write (a file size limit standing in for a full disk) leaves the old file
// and no temporary file; output folders are checked before any work; helper programs get their
// arguments without a shell.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_exception.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/child_process.hpp"
#include "io/output_path.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"
#include "support/sweep_fixtures.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) { return test::scratch_dir("atomic_" + name); }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Runs `body` in a child process whose files may not grow past `limit_bytes` (RLIMIT_FSIZE,
// SIGXFSZ ignored: a write past the limit fails with EFBIG, as a full disk fails with ENOSPC).
// Returns what the child wrote to the pipe: its exception message, or "no error".
template <class F>
std::string with_file_size_limit(rlim_t limit_bytes, F body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit lim{limit_bytes, limit_bytes};
        ::setrlimit(RLIMIT_FSIZE, &lim);
        std::string message = "no error";
        try {
            body();
        } catch (const std::exception& e) {
            message = e.what();
        }
        (void)!::write(fds[1], message.data(), message.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, std::size_t(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    return got;
}

}  // namespace

TEST_CASE("write_file_atomic creates and replaces a file, keeping its permissions, leaving no temporary file",
          "[io][atomic]") {
    const fs::path dir = scratch("replace");
    const fs::path f = dir / "results.csv";
    io::write_file_atomic(f, "a,b\n1,2\n");
    CHECK(slurp(f) == "a,b\n1,2\n");
    REQUIRE(::chmod(f.c_str(), 0640) == 0);
    io::write_file_atomic(f, "new");
    CHECK(slurp(f) == "new");
    struct stat st{};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    io::write_file_atomic(f, "");
    CHECK(fs::file_size(f) == 0);
    // Large writes go through the buffer in several pieces.
    io::AtomicFile big(dir / "big.bin");
    std::string expect;
    for (int i = 0; i < 5000; ++i) {
        const std::string piece = std::to_string(i) + std::string(std::size_t(i % 97), 'x') + "\n";
        big.write(piece);
        expect += piece;
    }
    big.write(std::string(200000, 'y'));
    expect += std::string(200000, 'y');
    CHECK_FALSE(fs::exists(dir / "big.bin"));  // nothing before commit
    big.commit();
    CHECK(slurp(dir / "big.bin") == expect);
    CHECK(names_in(dir) == std::vector<std::string>{"big.bin", "results.csv"});
}

TEST_CASE("an AtomicFile dropped before commit leaves nothing and the old content", "[io][atomic]") {
    const fs::path dir = scratch("abandon");
    io::write_file_atomic(dir / "keep.txt", "old");
    {
        io::AtomicFile f(dir / "keep.txt");
        f.write("half of the new");
    }
    CHECK(slurp(dir / "keep.txt") == "old");
    CHECK(names_in(dir) == std::vector<std::string>{"keep.txt"});
}

TEST_CASE("devices, FIFOs, folders and links are never replaced", "[io][atomic]") {
    const fs::path dir = scratch("special");
    // A character device: /dev/null stands in for /dev/full (both would have been replaced by a
    // regular file when the writer renamed over them as root).
    CHECK_THROWS_MATCHES(io::write_file_atomic("/dev/null", "x"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("/dev/null") &&
                                                         ContainsSubstring("character device")));
    CHECK(fs::is_character_file("/dev/null"));
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK_THROWS_MATCHES(io::write_file_atomic(dir / "fifo", "x"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("fifo") && ContainsSubstring("FIFO")));
    CHECK(fs::is_fifo(dir / "fifo"));
    fs::create_directory(dir / "folder");
    CHECK_THROWS_AS(io::write_file_atomic(dir / "folder", "x"), InputError);
    CHECK(fs::is_directory(dir / "folder"));
    io::write_file_atomic(dir / "target", "precious");
    fs::create_symlink(dir / "target", dir / "link");
    CHECK_THROWS_MATCHES(io::write_file_atomic(dir / "link", "x"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("symbolic link")));
    CHECK(slurp(dir / "target") == "precious");
    CHECK(fs::is_symlink(dir / "link"));
    // The flag is named when given.
    CHECK_THROWS_MATCHES(io::prepare_output_file(dir / "fifo", "--out"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("--out") && ContainsSubstring("fifo")));
    CHECK(names_in(dir) == std::vector<std::string>{"fifo", "folder", "link", "target"});
}

TEST_CASE("a write that fails (file size limit, as a full disk) leaves the old file and no temporary file",
          "[io][atomic]") {
    const fs::path dir = scratch("full");
    io::write_file_atomic(dir / "old.csv", "old content\n");
    const std::string big(1 << 20, 'z');
    const std::string replace = with_file_size_limit(64 * 1024, [&] { io::write_file_atomic(dir / "old.csv", big); });
    CHECK_THAT(replace, ContainsSubstring("old.csv") && ContainsSubstring("nothing was written"));
    CHECK(slurp(dir / "old.csv") == "old content\n");
    const std::string fresh = with_file_size_limit(64 * 1024, [&] { io::write_file_atomic(dir / "new.csv", big); });
    CHECK_THAT(fresh, ContainsSubstring("new.csv") && ContainsSubstring("File too large"));
    // A write that fits is unaffected by the limit.
    CHECK(with_file_size_limit(64 * 1024, [&] { io::write_file_atomic(dir / "small.csv", "1\n"); }) == "no error");
    CHECK(names_in(dir) == std::vector<std::string>{"old.csv", "small.csv"});
}

TEST_CASE("a safetensors file (a surrogate table, a checkpoint) that cannot be written leaves nothing",
          "[io][atomic]") {
    const fs::path dir = scratch("full_safetensors");
    io::SafetensorsWriter w;
    w.add("x", {512, 256}, std::vector<float>(512 * 256, 1.5f));
    const std::string message = with_file_size_limit(64 * 1024, [&] { w.write(dir / "table.safetensors"); });
    CHECK_THAT(message, ContainsSubstring("table.safetensors") && ContainsSubstring("File too large"));
    CHECK(fs::is_empty(dir));  // neither the table nor table.safetensors.tmp
}

TEST_CASE("a missing folder is an error naming the file", "[io][atomic]") {
    const fs::path dir = scratch("missing");
    CHECK_THROWS_MATCHES(io::write_file_atomic(dir / "nope" / "x.csv", "x"), std::runtime_error,
                         Catch::Matchers::MessageMatches(ContainsSubstring("x.csv") && ContainsSubstring("nope")));
}

TEST_CASE("output folders are created and probed before any work, naming the flag", "[io][atomic]") {
    const fs::path dir = scratch("prepare");
    io::prepare_output_dir(dir / "a" / "b", "--out");
    CHECK(fs::is_directory(dir / "a" / "b"));
    CHECK(fs::is_empty(dir / "a" / "b"));  // the probe is gone
    io::write_file_atomic(dir / "file", "x");
    CHECK_THROWS_MATCHES(io::prepare_output_dir(dir / "file" / "sub", "--out"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("--out") && ContainsSubstring("file/sub") &&
                                                         ContainsSubstring("cannot create")));
    // /proc refuses new files even to root.
    CHECK_THROWS_MATCHES(io::prepare_output_dir("/proc", "--out"), InputError,
                         Catch::Matchers::MessageMatches(ContainsSubstring("--out /proc") &&
                                                         ContainsSubstring("not writable")));
    io::prepare_output_file(dir / "new" / "table.safetensors", "--out");
    CHECK(fs::is_directory(dir / "new"));
    CHECK_FALSE(fs::exists(dir / "new" / "table.safetensors"));
}

TEST_CASE("run_child passes arguments verbatim, without a shell, in the given folder", "[io][child]") {
    const fs::path dir = scratch("child");
    io::ChildOptions o;
    o.working_dir = dir;
    o.out = o.err = io::ChildStream::capture;
    const std::string hostile = "x';touch PWNED;'$(touch PWNED2)`touch PWNED3`";
    const io::ChildResult echo = io::run_child({"echo", hostile}, o);
    CHECK(echo.exit_status == 0);
    CHECK(echo.out == hostile + "\n");
    CHECK(fs::is_empty(dir));
    const io::ChildResult pwd = io::run_child({"pwd"}, o);
    CHECK(fs::equivalent(pwd.out.substr(0, pwd.out.size() - 1), dir));
    const io::ChildResult status = io::run_child({"sh", "-c", "echo err >&2; exit 3"}, o);
    CHECK(status.exit_status == 3);
    CHECK(status.err == "err\n");
    CHECK_THROWS_WITH(io::run_child({"kirchhoff-no-such-program"}, o), ContainsSubstring("kirchhoff-no-such-program"));
}
