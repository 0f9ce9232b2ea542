// Benchmark of the ngspice engine (not a test): prints ratios measured side by side in one run.
//
//  1. Session vs command line: the same resistive crossbar deck (N x N, 1 ohm segments) solved
//     by Kirchhoff's in-process session (load + op + read the column currents) and by
//     `ngspice -b` on the deck file (process start, parse, op, print). Target: ratio <= 1.1.
//  2. Pool throughput: a batch of crossbar decks with 1 and 2 workers, for both pool
//     backends (threads with private library copies, forked worker processes).
//     Target: 2 workers at least 1.7x the throughput of 1 on 2 cores.
//
// Usage: spice_bench [--sizes 32,64,128,256] [--repeats 3] [--pool-jobs 16] [--pool-size 96]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_util.hpp"
#include "cosim/ngspice_session.hpp"
#include "cosim/spice_pool.hpp"
#include "io/child_process.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

namespace {

// An N x N ohmic tile with 1 ohm segments and seeded random conductances and inputs.
netlists::CrossbarCircuit crossbar(int n, std::uint64_t seed) {
    netlists::CrossbarConfig c;
    c.spec.rows = c.spec.cols = n;
    c.seed = seed;
    const auto tile = netlists::random_tile(c);
    return netlists::build_crossbar(c.spec, netlists::program_cells(c, tile.g_siemens), tile.v_volt,
                                    fmt::format("bench {}x{} seed {}", n, n, seed));
}

std::string bare_deck(const netlists::CrossbarCircuit& x) { return netlists::spice_deck(x.circuit); }

std::string batch_deck(const netlists::CrossbarCircuit& x) {
    return netlists::spice_deck(x.circuit, netlists::DeckEnding{x.sense_vectors()});
}

double time_session(cosim::NgspiceSession& s, const std::string& deck, const std::vector<std::string>& vectors) {
    const auto t = Clock::now();
    s.load(deck);
    s.run("op");
    double sum = 0;
    for (const auto& name : vectors) sum += s.vector(name).at(0);
    if (!(sum > 0)) throw std::runtime_error("session returned no current");
    return seconds_since(t);
}

double time_batch(const std::string& program, const std::filesystem::path& deck) {
    kirchhoff::io::ChildOptions o;
    o.out = o.err = kirchhoff::io::ChildStream::discard;
    const auto t = Clock::now();
    if (kirchhoff::io::run_child({program, "-b", deck.string()}, o).exit_status != 0)
        throw std::runtime_error("ngspice -b failed on " + deck.string());
    return seconds_since(t);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff ngspice engine benchmark");
    std::vector<int> sizes{32, 64, 128, 256};
    int repeats = 3, pool_jobs = 16, pool_size = 96;
    std::string program = KIRCHHOFF_NGSPICE_PROGRAM;
    app.add_option("--sizes", sizes, "crossbar sizes N (N x N)")->delimiter(',');
    app.add_option("--repeats", repeats, "timed repeats per measurement (median is reported)")
        ->check(CLI::PositiveNumber);
    app.add_option("--pool-jobs", pool_jobs, "decks in the pool batch")->check(CLI::PositiveNumber);
    app.add_option("--pool-size", pool_size, "N of the pool batch's N x N decks")->check(CLI::PositiveNumber);
    app.add_option("--ngspice", program, "the ngspice command-line program");
    CLI11_PARSE(app, argc, argv);

    fmt::print("## Session vs ngspice -b (same deck, median of {})\n\n", repeats);
    fmt::print("| N | nodes | session s | ngspice -b s | ratio |\n|---:|---:|---:|---:|---:|\n");
    cosim::NgspiceSession session;
    const auto dir = std::filesystem::temp_directory_path();
    for (int n : sizes) {
        const auto x = crossbar(n, 1);
        const std::string deck = bare_deck(x);
        const auto file = dir / fmt::format("kirchhoff_bench_{}.cir", n);
        std::ofstream(file) << batch_deck(x);
        std::vector<double> ts, tb;
        for (int k = 0; k < repeats; ++k) {  // interleaved, so drift in machine load hits both
            ts.push_back(time_session(session, deck, x.sense_vectors()));
            if (!program.empty()) tb.push_back(time_batch(program, file));
        }
        const double s = median(ts), b = tb.empty() ? 0.0 : median(tb);
        fmt::print("| {} | {} | {:.4f} | {} | {} |\n", n, 2 * n * n + 2 * n, s,
                   tb.empty() ? "n/a" : fmt::format("{:.4f}", b), tb.empty() ? "n/a" : fmt::format("{:.2f}", s / b));
        std::filesystem::remove(file);
    }

    fmt::print("\n## Pool throughput ({} decks of {}x{})\n\n", pool_jobs, pool_size, pool_size);
    fmt::print("| backend | workers | seconds | decks/s | speed-up vs 1 |\n|---|---:|---:|---:|---:|\n");
    std::vector<cosim::SpiceJob> jobs;
    for (int k = 0; k < pool_jobs; ++k) {
        const auto x = crossbar(pool_size, std::uint64_t(k + 1));
        jobs.push_back({bare_deck(x), "op", x.sense_vectors(), std::nullopt});
    }
    for (auto backend : {cosim::PoolBackend::threads, cosim::PoolBackend::processes}) {
        double one = 0;
        for (int workers : {1, 2}) {
            cosim::SpicePool pool(workers, backend);
            std::vector<double> t;
            for (int k = 0; k < repeats; ++k) {
                const auto start = Clock::now();
                const auto results = pool.solve(jobs);
                t.push_back(seconds_since(start));
                for (const auto& r : results)
                    if (!r.ok()) throw std::runtime_error(r.error);
            }
            const double s = median(t);
            if (workers == 1) one = s;
            fmt::print("| {} | {} | {:.3f} | {:.2f} | {:.2f} |\n", cosim::to_string(backend), workers, s,
                       pool_jobs / s, one / s);
        }
    }
    return 0;
}
