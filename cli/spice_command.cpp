// `kirchhoff spice DECK.cir --vec NAME ... [--json]`: a user's own deck through the engine.
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/child_watchdog.hpp"
#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "io/input_file.hpp"
#include "netlists/deck_check.hpp"
#include "cosim/ngspice_session.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

namespace {

struct SpiceOptions {
    std::string deck_path;
    std::vector<std::string> vectors;
    bool json = false;
    bool no_control = false;
    double timeout_s = 0.0;
};

// Decks above this size are refused before they are read (a crossbar deck of 4096 x 4096
// cells is about 2 GiB; ngspice would need far more memory than this machine has for it).
constexpr std::uintmax_t max_deck_bytes = std::uintmax_t{1} << 30;

std::string read_deck(const std::string& path) {
    std::string text = io::read_text_file(path, "deck", max_deck_bytes);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw InputError(fmt::format("{}: the deck file is empty", path));
    return text;
}

void solve_deck(const SpiceOptions& o, const std::string& deck, const netlists::DeckCheck& check) {
    const auto start = std::chrono::steady_clock::now();
    cosim::NgspiceSession session;
    session.load(deck);
    // The deck's own analysis lines run with "run"; a deck without any gets an operating point.
    const std::string analysis = check.has_analysis_line ? "run" : "op";
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

void run(const SpiceOptions& o) {
    const std::string deck = read_deck(o.deck_path);
    const netlists::DeckCheck check = netlists::check_deck(deck, o.deck_path);
    if (o.no_control && check.has_control)
        throw InputError(fmt::format("{}: the deck has a .control section ({}), refused by --no-control",
                                     o.deck_path, check.control_at));
    if (!(o.timeout_s > 0)) return solve_deck(o, deck, check);
    // libngspice cannot be interrupted while it loads a deck or runs its .control section: the
    // whole solve runs in a child process that is killed when the limit runs out. The
    // analysis itself is halted in-process at the limit (a clean SpiceTimeout); the child is
    // killed one second later.
    const int status = run_in_watched_child(o.timeout_s, 1.0, o.deck_path, [&] { solve_deck(o, deck, check); });
    if (status != 0) throw ChildFailed(status);
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
    cmd->add_flag("--no-control", options->no_control,
                  "refuse a deck (or an included file) with a .control section: ngspice runs its commands, "
                  "including `shell`, with your rights (default: off)");
    cmd->add_option("--timeout", options->timeout_s,
                    "time limit of the whole solve: loading the deck, its .control section and the analysis; 0 = no "
                    "limit (default 0, unit s, range [0, inf))")
        ->check(CLI::NonNegativeNumber)
        ->type_name("S");
    cmd->callback([options] { run(*options); });
}

}  // namespace kirchhoff::cli
