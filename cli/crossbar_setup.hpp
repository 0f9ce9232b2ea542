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
    netlists::CrossbarCircuit xbar;   // the circuit all engines solve
};

/// Builds the tile a configuration describes. Throws InputError.
CrossbarSetup crossbar_setup(const params::Config& config);

}  // namespace kirchhoff::cli
