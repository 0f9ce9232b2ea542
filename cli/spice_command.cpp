// `kirchhoff spice DECK.cir --vec NAME ... [--json]`: a user's own deck through the engine.
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cosim/ngspice_session.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

namespace {

struct SpiceOptions {
    std::string deck_path;
    std::vector<std::string> vectors;
    bool json = false;
    double timeout_s = 0.0;
};

std::string read_deck(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open the deck file", path));
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().find_first_not_of(" \t\r\n") == std::string::npos)
        throw InputError(fmt::format("{}: the deck file is empty", path));
    return text.str();
}

// The deck's own analysis lines run with "run"; a deck without any gets an operating point.
std::string analysis_for(const std::string& deck) {
    static const std::regex analysis_line(R"((^|\n)[ \t]*\.(op|dc|tran|ac|noise|tf|sens|pz|disto)\b)",
                                          std::regex::icase);
    return std::regex_search(deck, analysis_line) ? "run" : "op";
}

void run(const SpiceOptions& o) {
    const std::string deck = read_deck(o.deck_path);
    const auto start = std::chrono::steady_clock::now();
    cosim::NgspiceSession session;
    session.load(deck);
    const std::string analysis = analysis_for(deck);
    session.run(analysis, o.timeout_s > 0 ? std::optional<double>(o.timeout_s) : std::nullopt);
    std::vector<std::pair<std::string, std::vector<double>>> values;
    for (const std::string& name : o.vectors) {
        try {
            values.emplace_back(name, session.vector(name));
        } catch (const cosim::SpiceError& e) {  // a name the deck does not have is bad input
            throw InputError(fmt::format("--vec {}: {}", name, e.ngspice_message()));
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (o.json) {
        nlohmann::json out;
        out["vectors"] = nlohmann::json::object();
        for (const auto& [name, v] : values) out["vectors"][name] = v;
        out["ngspice_version"] = session.ngspice_version();
        out["seconds"] = seconds;
        fmt::print("{}\n", out.dump());
        return;
    }
    fmt::print("# deck '{}' ({}), ngspice {}, solver {}, {:.3f} s\n", session.title(), analysis,
               session.ngspice_version(), session.last_solver(), seconds);
    for (const auto& [name, v] : values) {
        fmt::print("{}:", name);
        for (double x : v) fmt::print(" {:.17g}", x);
        fmt::print("\n");
    }
}

}  // namespace

void add_spice_command(CLI::App& app) {
    auto options = std::make_shared<SpiceOptions>();
    CLI::App* cmd = app.add_subcommand(
        "spice", "Run your own SPICE deck through Kirchhoff's ngspice engine and print vectors");
    cmd->add_option("deck", options->deck_path, "the deck (.cir); its .op/.dc/.tran lines run, or op when it has none")
        ->required()
        ->type_name("DECK.cir");
    cmd->add_option("--vec", options->vectors,
                    "vector to print, e.g. v(out), i(v1), out, v1#branch (repeatable; required)")
        ->required()
        ->type_name("NAME");
    cmd->add_flag("--json", options->json,
                  "print one JSON object {vectors, ngspice_version, seconds} (default: off)");
    cmd->add_option("--timeout", options->timeout_s,
                    "halt the analysis after this many seconds; 0 = no limit (default 0, unit s, range [0, inf))")
        ->check(CLI::NonNegativeNumber)
        ->type_name("S");
    cmd->callback([options] { run(*options); });
}

}  // namespace kirchhoff::cli
