// The sneak-path study models the configured cells: 1T1R against Ohm's law along the selected
// cell's path, 1S1R and device presets differing from passive ohmic cells the way they should.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "params/error.hpp"
#include "validation/sneak_study.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::WithinRel;

namespace {
// One study at size n; the points come in scheme order floating, v_half, v_third.
std::vector<validation::SneakPoint> study(const netlists::CrossbarConfig& x, int n) {
    return validation::run_sneak_study(x, {n}, validation::SneakBackground::worst);
}
}  // namespace

TEST_CASE("1T1R sneak study: the gates of unselected rows block the sneak paths", "[validation]") {
    netlists::CrossbarConfig x;
    x.spec.cell = netlists::CellKind::one_t_one_r;
    const int n = 8;
    const auto points = study(x, n);
    REQUIRE(points.size() == 3);
    // Floating lines: the selected cell (row 0, column n-1) sees n word-line and n bit-line
    // segments, its transistor and itself in series; every other path crosses an off gate
    // (1e10 ohm), about 1e-6 of the current.
    const auto& s = x.spec;
    const double wires = n * s.r_wire_row_ohm + n * s.r_wire_col_ohm + s.access.r_on_ohm;
    const double on = x.v_read_volt / (wires + 1 / x.g_max_siemens), off = x.v_read_volt / (wires + 1 / x.g_min_siemens);
    CHECK_THAT(points[0].i_on_a, WithinRel(on, 1e-4));
    CHECK_THAT(points[0].i_off_a, WithinRel(off, 1e-3));
    CHECK(points[0].margin > 0.9);
}

TEST_CASE("1S1R and device cells change the sneak study; passive ohmic cells are its baseline", "[validation]") {
    netlists::CrossbarConfig x;
    const int n = 16;
    const auto passive = study(x, n);
    x.spec.cell = netlists::CellKind::one_s_one_r;
    // Floating lines, all cells ON: sneak paths cross three cells in series, each at about V/3.
    // A steep selector (i0 sinh(V / v0) with v0 = V / 10) starves them.
    x.spec.selector = {1e-8, 0.02};
    const auto steep = study(x, n);
    CHECK(passive[0].margin < 0.2);
    CHECK(steep[0].margin > passive[0].margin + 0.3);
    // The default selector (i0 1 uA, v0 0.1 V) helps less; one that conducts amperes is a short:
    // the passive array again.
    x.spec.selector = netlists::Selector{};
    CHECK(study(x, n)[0].margin > passive[0].margin);
    CHECK(study(x, n)[0].margin < steep[0].margin);
    x.spec.selector.i0_ampere = 1.0;
    const auto shorted = study(x, n);
    for (std::size_t k = 0; k < 3; ++k) CHECK_THAT(shorted[k].i_on_a, WithinRel(passive[k].i_on_a, 1e-4));

    netlists::CrossbarConfig d;
    d.device_preset = "stanford_rram_aimc";
    d.g_min_siemens = 2e-6;
    d.v_read_volt = 0.5;
    const auto device = study(d, n);
    d.device_preset = "linear";
    const auto ohmic = study(d, n);
    // Programmed to the same read conductance at V: the selected cell reads the same alone,
    // but the sneak paths see V/3 and V/2, where the sinh cell conducts less than ohmic.
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(device[k].i_cell_on_a == ohmic[k].i_cell_on_a);
        CHECK(device[k].margin != ohmic[k].margin);
    }
    CHECK(device[0].margin > ohmic[0].margin);

    d.device_preset = "stanford_rram_aimc";
    d.g_max_siemens = 1.0;
    CHECK_THROWS_AS(study(d, n), InputError);
}
