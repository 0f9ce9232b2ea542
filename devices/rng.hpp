// A seeded random source whose numbers are the same on every platform and standard library.
//
// std::mt19937_64 is fully specified by the standard; std::normal_distribution is not, so the
// normal variates are drawn here (Box-Muller on 53-bit uniforms). Same seed, same numbers.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace kirchhoff::devices {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(seed) {}

    /// Uniform in (0, 1): never exactly 0 or 1.
    double uniform() {
        return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
    }

    /// Standard normal N(0, 1).
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double phi = 2.0 * std::numbers::pi * uniform();
        spare_ = r * std::sin(phi);
        has_spare_ = true;
        return r * std::cos(phi);
    }

    /// N(mean, sigma).
    double normal(double mean, double sigma) { return mean + sigma * normal(); }

    /// A new independent stream derived from this one (e.g. one per device).
    Rng split() { return Rng(engine_() ^ 0x9e3779b97f4a7c15ULL); }

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace kirchhoff::devices
