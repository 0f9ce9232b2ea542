// Random crossbar tiles for the cosim tests.
#pragma once

#include <cstdint>

#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::test {

/// An ohmic tile with seeded random conductances in [1, 100] uS and inputs in [0, 0.2] V.
inline netlists::CrossbarCircuit random_tile_circuit(netlists::CrossbarSpec spec, std::uint64_t seed) {
    netlists::CrossbarConfig c;
    c.spec = spec;
    c.seed = seed;
    const auto tile = netlists::random_tile(c);
    return netlists::build_crossbar(spec, netlists::program_cells(c, tile.g_siemens), tile.v_volt, "test tile");
}

inline netlists::CrossbarSpec square_spec(int n, double r_wire) {
    netlists::CrossbarSpec s;
    s.rows = s.cols = n;
    s.r_wire_row_ohm = s.r_wire_col_ohm = r_wire;
    return s;
}

}  // namespace kirchhoff::test
