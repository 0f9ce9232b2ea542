// One self-contained ngspice solve: a deck, an analysis, the vectors to bring back.
//
// A SpiceJob carries everything needed to solve it anywhere (this thread, a pool thread, a
// worker process), and a SpiceResult holds either the vectors or the error, so that a failed
// solve is a recorded result rather than a lost batch.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kirchhoff::cosim {

class NgspiceSession;

struct SpiceJob {
    std::string deck;                  // full deck text, title first
    std::string analysis = "op";       // "op", "dc ...", "tran ...", "run"
    std::vector<std::string> vectors;  // names to read back, e.g. "i(vsense0)"
    std::optional<double> timeout_s;   // halt the analysis after this many seconds
};

struct SpiceResult {
    std::vector<std::vector<double>> vectors;  // same order as SpiceJob::vectors
    std::string error;                         // empty on success
    bool timed_out = false;
    double seconds = 0.0;                      // wall time of load + analysis + reads
    bool ok() const { return error.empty(); }
};

/// Solves one job on `session`. Never throws for a failed solve: the failure is in `error`.
SpiceResult solve_job(NgspiceSession& session, const SpiceJob& job);

}  // namespace kirchhoff::cosim
