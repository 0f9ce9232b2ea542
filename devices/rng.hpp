// The project's random numbers: the same on every platform, standard library and thread count.
//
// One home for every generator (issue 14: "one RNG"):
//   mix64, SplitMix64   a sequential stream (Steele, Lea & Flood, "Fast splittable pseudorandom
//                       number generators", OOPSLA 2014) whose whole state is one uint64: random
//                       tiles (netlists), surrogate training tiles (cosim), weight
//                       initialisation and batch offsets in training (a checkpoint stores it).
//   stream_key, counter_normal(_pair)
//                       counter-based draws: value i of the stream keyed by (seed, step, layer,
//                       purpose) is a pure function of the key and i, so any thread may compute
//                       any element (training noise; analog cell streams).
//   Rng                 std::mt19937_64 (fully specified by the standard) with the normal
//                       variates drawn here: device variability, programming, read noise.
// std:: distributions are not used anywhere: their outputs differ between standard libraries.
// Normals are Box-Muller on 53-bit uniforms. Not here: cryptographic quality (not needed).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace kirchhoff::devices {

/// SplitMix64's finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Sequential SplitMix64 stream; `state` is all there is to save.
struct SplitMix64 {
    std::uint64_t state = 0;

    SplitMix64() = default;
    explicit SplitMix64(std::uint64_t seed) : state(seed) {}

    std::uint64_t next() {
        state += 0x9e3779b97f4a7c15ULL;
        return mix64(state);
    }
    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-32 for the
    /// sizes used here).
    std::uint64_t below(std::uint64_t n) {
        __extension__ using u128 = unsigned __int128;  // GCC/Clang extension
        return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
    }
    /// Standard normal (Box-Muller, cosine branch; one draw consumes two outputs).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};

/// Key of a counter-based stream: mixes the parts so that nearby keys are unrelated.
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t step, std::uint64_t layer,
                                   std::uint64_t purpose) {
    std::uint64_t k = mix64(seed ^ 0x5851f42d4c957f2dULL);
    k = mix64(k ^ (step * 0x9e3779b97f4a7c15ULL));
    k = mix64(k ^ (layer * 0xd1b54a32d192ed03ULL));
    return mix64(k ^ (purpose * 0x8cb92ba72f3d8dd7ULL));
}

/// Standard normal number i of the stream `key` (pure function of key and i).
inline double counter_normal(std::uint64_t key, std::uint64_t i) {
    const std::uint64_t a = mix64(key + 2 * i * 0x9e3779b97f4a7c15ULL);
    const std::uint64_t b = mix64(key + (2 * i + 1) * 0x9e3779b97f4a7c15ULL);
    const double u1 = 1.0 - static_cast<double>(a >> 11) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(b >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

/// Standard normals 2i and 2i + 1 of the stream `key` as a pair (both Box-Muller branches of
/// one pair of uniforms: half the cost of two counter_normal calls, and a different stream).
struct NormalPair {
    double a, b;
};
inline NormalPair counter_normal_pair(std::uint64_t key, std::uint64_t i) {
    const std::uint64_t x = mix64(key + 2 * i * 0x9e3779b97f4a7c15ULL);
    const std::uint64_t y = mix64(key + (2 * i + 1) * 0x9e3779b97f4a7c15ULL);
    const double u1 = 1.0 - static_cast<double>(x >> 11) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(y >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double angle = 6.283185307179586 * u2;
    return {r * std::cos(angle), r * std::sin(angle)};
}

/// Device randomness: std::mt19937_64 with Box-Muller normals (cached second branch).
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
