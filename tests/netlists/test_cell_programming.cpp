// Programming conductances into device cells: the read window's computed bounds admit the
// bounds a user states exactly (a few ulps of rounding), and nothing further out.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "devices/presets.hpp"
#include "netlists/cell_programming.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("vteam_aimc programs its default window at 0.3 V; beyond its bounds is refused", "[netlists]") {
    netlists::CrossbarConfig x;
    x.spec.rows = x.spec.cols = 2;
    x.device_preset = "vteam_aimc";
    x.v_read_volt = 0.3;
    const auto device = devices::make_device(devices::find_preset("vteam_aimc"));
    const auto [g_lo, g_hi] = device->conductance_window_siemens(x.v_read_volt);
    INFO("window [" << g_lo << ", " << g_hi << "] S");
    // The computed upper bound rounds just below the 1e-4 S the preset is built for.
    CHECK(g_hi <= x.g_max_siemens);
    CHECK(g_hi > x.g_max_siemens * (1 - 1e-12));
    Eigen::MatrixXd g(2, 2);
    g << x.g_min_siemens, x.g_max_siemens, 1e-5, x.g_max_siemens;
    const auto cells = netlists::program_cells(x, {g});
    REQUIRE(cells.size() == 1);
    // The cell at the stated bound reads back its conductance.
    CHECK(std::abs(cells[0].model->current(x.v_read_volt, cells[0].value(0, 1)) / x.v_read_volt / x.g_max_siemens - 1) < 1e-9);
    // One part in a million beyond the bound is outside, and named.
    x.g_max_siemens = 1.000001e-4;
    CHECK_THROWS_WITH(netlists::program_cells(x, {g}), ContainsSubstring("vteam_aimc") && ContainsSubstring("0.3 V"));
}
