// Progress of a perplexity pass (pass_progress.hpp).
#include "evaluation/pass_progress.hpp"

#include <memory>
#include <optional>

#include <fmt/format.h>

namespace kirchhoff::evaluation {

void PassProgress::scored(std::int64_t done) {
    using Clock = std::chrono::steady_clock;
    if (done == 1) start_ = Clock::now();
    const double t = std::chrono::duration<double>(Clock::now() - start_).count();
    if (t < next_s_) return;
    next_s_ = t + 2.0;
    // The first target's time is not in t (the clock starts after it): rate over done - 1.
    const double left_s = done > 1 ? t / double(done - 1) * double(total_ - done) : 0.0;
    fmt::print(stderr, "  {}: {}/{} {}, {:.1f} s, about {:.0f} s left\n", what_, done, total_, unit_, t, left_s);
}

std::function<void(long, long)> programming_progress() {
    auto progress = std::make_shared<std::optional<PassProgress>>();  // the total comes with the first call
    return [progress](long programmed, long total) {
        if (!*progress) progress->emplace("programming", total, "tiles programmed");
        (*progress)->scored(programmed);
    };
}

}  // namespace kirchhoff::evaluation
