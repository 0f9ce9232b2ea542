// Random numbers for training: the project's generators (devices/rng.hpp: a SplitMix64 stream
// for weight initialisation and batch offsets, counter-based normals keyed by (seed, step,
// layer, purpose) for noise, the same at any thread count), and the purposes that key
// training's noise streams.
#pragma once

#include <cstdint>

#include "devices/rng.hpp"

namespace kirchhoff::training {

using devices::counter_normal;
using devices::counter_normal_pair;
using devices::mix64;
using devices::NormalPair;
using devices::SplitMix64;
using devices::stream_key;

/// Purposes of counter-based streams (part of the key).
enum class Stream : std::uint64_t { weight_noise = 1, input_noise = 2, output_noise = 3 };

}  // namespace kirchhoff::training
