// Progress of a perplexity pass (pass_progress.hpp).
#include "evaluation/pass_progress.hpp"

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
    fmt::print(stderr, "  {}: {}/{} tokens scored, {:.1f} s, about {:.0f} s left\n", what_, done, total_, t, left_s);
}

}  // namespace kirchhoff::evaluation
