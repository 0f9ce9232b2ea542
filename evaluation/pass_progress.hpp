// Progress of one perplexity pass on stderr (`kirchhoff run`, `sweep`): tokens scored, time
// since the first, and the time left at the pass's rate so far.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace kirchhoff::evaluation {

class PassProgress {
public:
    /// what: the pass's name in the message; total: the targets it scores.
    PassProgress(std::string what, std::int64_t total) : what_(std::move(what)), total_(total) {}
    /// After the done-th target (1, 2, ...): one line every two seconds from the first scored
    /// target (programming the tiles comes before and is not progress of the pass).
    void scored(std::int64_t done);

private:
    std::string what_;
    std::int64_t total_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    double next_s_ = 2.0;
};

}  // namespace kirchhoff::evaluation
