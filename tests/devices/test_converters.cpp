// devices/converters.hpp: the DAC and ADC transfer functions shared by the analog tiles and
// hardware-aware training, checked against their definitions worked by hand.
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <set>

#include "devices/converters.hpp"

using namespace kirchhoff::devices;

TEST_CASE("converter levels: 2^bits - 1 unsigned, 2^(bits-1) - 1 a side signed (aihwkit 1/254 at 8 bits)",
          "[devices][converters]") {
    CHECK(unsigned_levels(0) == 0);
    CHECK(unsigned_levels(1) == 1);
    CHECK(unsigned_levels(8) == 255);
    CHECK(unsigned_levels(24) == 16777215);
    CHECK(signed_levels(0) == 0);
    CHECK(signed_levels(1) == 0);
    CHECK(signed_levels(2) == 1);
    CHECK(signed_levels(8) == 127);
    CHECK(signed_levels(24) == 8388607);
}

TEST_CASE("DAC level: round(u levels), half away from zero, symmetric in sign", "[devices][converters]") {
    CHECK(dac_level(0.5, 127.0) == 64.0);   // 63.5 rounds away from zero
    CHECK(dac_level(-0.5, 127.0) == -64.0);
    CHECK(dac_level(1.0, 127.0) == 127.0);
    CHECK(dac_level(0.003, 127.0) == 0.0);  // 0.381
    CHECK(dac_level(0.3f, 7.0f) == 2.0f);   // 2.1
    std::set<double> levels;
    for (int k = -1000; k <= 1000; ++k) {
        const double u = k / 1000.0;
        const double l = dac_level(u, 15.0);
        CHECK(l == -dac_level(-u, 15.0));
        CHECK(std::abs(l / 15.0 - u) <= 0.5 / 15.0 + 1e-15);  // within half a step
        levels.insert(l);
    }
    CHECK(levels.size() == 31);  // -15..15
}

TEST_CASE("ADC: clipped to the range, on range/levels steps, within half a step inside", "[devices][converters]") {
    const double range = 2e-6, levels = 127;
    const double step = range / levels;
    CHECK(adc_quantize(5e-6, range, levels) == range);  // clipped
    CHECK(adc_quantize(-5e-6, range, levels) == -range);
    CHECK(adc_quantize(0.0, range, levels) == 0.0);
    CHECK(adc_quantize(0.49 * step, range, levels) == 0.0);
    CHECK(adc_quantize(0.51 * step, range, levels) == step);
    for (int k = -300; k <= 300; ++k) {
        const double i = k * 1e-8;
        const double q = adc_quantize(i, range, levels);
        CHECK(std::abs(q) <= range);
        CHECK(std::abs(q / step - std::round(q / step)) < 1e-9);  // on a level
        if (std::abs(i) <= range) CHECK(std::abs(q - i) <= 0.5 * step * (1 + 1e-12));
    }
    // float, as training uses it: 6 bits (31 levels a side) at full scale 1
    CHECK(adc_quantize(0.5f, 1.0f, 31.0f) == std::round(0.5f * 31.0f) / 31.0f);
}
