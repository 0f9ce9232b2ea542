// Text reaching a gnuplot script is data, never a command: io::gnuplot_quote() round-trips hostile
// strings through gnuplot itself, and a study whose name, description and axis values carry
// line breaks, quotes, backquotes and system() calls plots without running any of them.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/child_process.hpp"
#include "io/gnuplot.hpp"
#include "support/sweep_fixtures.hpp"
#include "validation/results_store.hpp"
#include "validation/study.hpp"
#include "validation/sweep.hpp"
#include "validation/sweep_plots.hpp"

using namespace kirchhoff;
using namespace kirchhoff::validation;
namespace fs = std::filesystem;

namespace {

// Each a command in the shell or in gnuplot if it escaped its string; `sentinel` is a path that
// exists afterwards only if one of them ran.
std::vector<std::string> hostile_texts(const fs::path& sentinel) {
    const std::string s = sentinel.string();
    return {"it's",
            "two\nlines",
            "x'\nsystem(\"touch " + s + "\")\nprint '",
            "`touch " + s + "`",
            "\"`touch " + s + "`\"",
            "@GPVAL_PWD back\\slash \\n \"double\" ''",
            "\r\n!touch " + s + "\n",
            "';system('touch " + s + "');'"};
}

}  // namespace

TEST_CASE("gnuplot_quote gives gnuplot the text back and lets nothing in it run", "[validation][gnuplot]") {
    if (io::gnuplot_program().empty()) SKIP("gnuplot not found at configure time");
    const fs::path dir = test::scratch_dir("gnuplot_quote");
    const fs::path sentinel = dir / "PWNED";
    std::string script = "set print '-'\n", expected;
    for (const std::string& text : hostile_texts(sentinel)) {
        script += "print " + io::gnuplot_quote(text) + "\n";
        for (char c : text)  // control characters other than line breaks are dropped
            if (c == '\n' || static_cast<unsigned char>(c) >= 0x20) expected += c;
        expected += "\n";
    }
    std::ofstream(dir / "quote.gp") << script;
    io::ChildOptions o;
    o.working_dir = dir;
    o.out = o.err = io::ChildStream::capture;
    const io::ChildResult r = io::run_child({io::gnuplot_program(), "quote.gp"}, o);
    INFO(script);
    INFO(r.err);
    CHECK(r.exit_status == 0);
    CHECK(r.out == expected);
    CHECK_FALSE(fs::exists(sentinel));
    CHECK(io::gnuplot_data_label("a \"b\"\nc\t") == "a 'b' c ");
}

TEST_CASE("a study with hostile text in its name, description and axis values plots and runs nothing",
          "[validation][gnuplot][sweep]") {
    const fs::path dir = test::scratch_dir("gnuplot_study");
    const fs::path sentinel = dir / "PWNED";
    std::ofstream(dir / "study.toml") << "[study]\nname = \"s\"\nmetrics = [\"ppl_analog\"]\n"
                                         "[axes]\n\"adc.bits\" = [4, 8]\n\"run.model\" = [\"a\", \"b\"]\n";
    Study s = load_study(dir / "study.toml", test::sweep_test_schema(), metric_columns());
    const auto hostile = hostile_texts(sentinel);
    // Set after loading: this test is about what reaches the script, whatever a study file accepts.
    s.name = hostile[2];
    s.description = hostile[6] + hostile[7];
    s.axes[1].values[0][0] = hostile[2] + hostile[3];
    s.axes[1].values[1][0] = hostile[4] + hostile[7];
    const auto runner = [](const StudyPoint& p) {
        return PointMetrics{{"ppl_digital", 3.0}, {"ppl_analog", 3.0 + 1.0 / double(p.config.integer("adc.bits"))}};
    };
    run_sweep(s, expand(s), runner, {dir / "out", "single", 0, 1, false, "", "", ""});
    const auto columns = result_columns(s.swept_keys());
    const auto rows = merge_results(dir / "out", columns);
    REQUIRE(rows.size() == 4);
    const auto pngs = plot_sweep(s, columns, rows, dir / "out");
    CHECK_FALSE(fs::exists(sentinel));
    CHECK_FALSE(fs::exists(dir / "out" / "plots" / "PWNED"));
    if (io::gnuplot_program().empty()) return;
    // Both plots (against adc.bits and against run.model) were drawn: the quoted scripts parse.
    CHECK(pngs.size() == 2);
    for (const auto& png : pngs) CHECK(fs::file_size(png) > 1000);
}
