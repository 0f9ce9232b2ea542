// The programmed crossbar tile that `solve` and `netlist` share: configuration, seeded random
// conductances and inputs, programmed cells, and the circuit.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/config.hpp"

namespace kirchhoff::cli {

struct CrossbarSetup {
    netlists::CrossbarConfig config;
    netlists::RandomTile tile;        // target conductances and inputs
    std::vector<netlists::CellArray> cells;  // the programmed cells
    netlists::CrossbarCircuit xbar;   // the circuit all engines solve (empty unless built)
};

/// Builds the tile a configuration describes, and its circuit when `with_circuit` (the
/// iterative solver needs none: at 4096 x 4096 the circuit alone takes gigabytes). Throws
/// InputError.
CrossbarSetup crossbar_setup(const params::Config& config, bool with_circuit = true);

}  // namespace kirchhoff::cli
