// Random numbers for training that are the same at any thread count and on any platform.
//
// Two kinds: a sequential stream (SplitMix64, Steele, Lea & Flood, OOPSLA 2014) whose whole
// state is one uint64 that a checkpoint stores (weight initialisation, batch offsets), and
// counter-based draws (noise): the value for element i of a stream keyed by (seed, step,
// layer, purpose) is a pure function of the key and i, so any thread may compute any element
// and the result does not depend on how the work is split. Normals use Box-Muller on two
// 53-bit uniforms, not std:: distributions (whose outputs differ between standard libraries).
// Not here: cryptographic quality (not needed), other distributions.
#pragma once

#include <cmath>
#include <cstdint>

namespace kirchhoff::training {

/// SplitMix64's finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Sequential SplitMix64 stream; `state` is all there is to save.
struct SplitMix64 {
    std::uint64_t state = 0;
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

/// Purposes of counter-based streams (part of the key).
enum class Stream : std::uint64_t { weight_noise = 1, input_noise = 2, output_noise = 3 };

}  // namespace kirchhoff::training
