// Progress of one pass on stderr (`kirchhoff run`, `sweep`, `generate`): a perplexity pass's
// tokens scored, or the tiles programmed before it; time since the first, and the time left at
// the pass's rate so far.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace kirchhoff::evaluation {

class PassProgress {
public:
    /// what: the pass's name in the message; total: the targets it scores; unit: what a target
    /// is, as the message says it ("tokens scored", "tiles programmed").
    PassProgress(std::string what, std::int64_t total, std::string unit = "tokens scored")
        : what_(std::move(what)), unit_(std::move(unit)), total_(total) {}
    /// After the done-th target (1, 2, ...): one line every two seconds from the first scored
    /// target (programming the tiles comes before and is not progress of the pass).
    void scored(std::int64_t done);

private:
    std::string what_, unit_;
    std::int64_t total_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    double next_s_ = 2.0;
};

/// For analog::AnalogOptions::on_tile_programmed: the progress of programming the tiles, as a
/// pass named "programming" of "tiles programmed".
std::function<void(long programmed, long total)> programming_progress();

}  // namespace kirchhoff::evaluation
