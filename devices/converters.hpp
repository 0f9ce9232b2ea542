// The DAC and ADC transfer functions, defined once for the analog tiles at inference
// (analog/tile_read.hpp) and for hardware-aware training (training/hwa.hpp, which passes
// gradients straight through them). A signed converter of `bits` bits (sign included) has
// 2^(bits-1) - 1 levels a side: IBM aihwkit's resolution 1/254 at 8 bits (Rasch et al.,
// "Hardware-aware training for large-scale and diverse deep learning inference workloads using
// in-memory computing-based accelerators", Nature Communications 14, 5282, 2023). What the full
// scale is (a calibrated current range at inference; a multiple of max|W| max|x| in training)
// is the caller's choice. Templated on the scalar: double at inference, float or double in
// training.
#pragma once

#include <algorithm>
#include <cmath>

namespace kirchhoff::devices {

/// Levels of an unsigned converter of `bits` bits: 2^bits - 1 (0 bits: 0, off).
constexpr int unsigned_levels(int bits) { return bits > 0 ? (1 << bits) - 1 : 0; }

/// Levels a side of a signed converter of `bits` bits, sign included: 2^(bits-1) - 1 (0 bits: 0, off).
constexpr int signed_levels(int bits) { return bits > 0 ? unsigned_levels(bits - 1) : 0; }

/// DAC: the level nearest to `u` (in units of the full scale, |u| <= 1) with `levels` steps a
/// side: round(u levels), half away from zero, an integer value.
template <class S>
S dac_level(S u, S levels) {
    return std::round(u * levels);
}

/// ADC: `value` clipped to [-range, range] and rounded to the nearest of `levels` steps a side
/// (step = range / levels). range > 0, levels > 0.
template <class S>
S adc_quantize(S value, S range, S levels) {
    const S step = range / levels;
    return std::round(std::clamp(value, -range, range) / step) * step;
}

}  // namespace kirchhoff::devices
