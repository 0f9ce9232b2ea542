// The programmed crossbar tile that `kirchhoff solve` and `kirchhoff netlist` share, and that the
// Python module builds from a user's conductances: configuration, target conductances and
// inputs (seeded random ones for the CLI), programmed cells, the circuit, and its deck.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/config.hpp"

namespace kirchhoff::netlists {

struct CrossbarSetup {
    CrossbarConfig config;
    RandomTile tile;               // target conductances and inputs
    std::vector<CellArray> cells;  // the programmed cells
    CrossbarCircuit xbar;          // the circuit all engines solve (empty unless built)
};

/// Builds the tile a configuration describes (seeded random conductances and inputs), and its
/// circuit when `with_circuit` (the iterative solver needs none: at 4096 x 4096 the circuit
/// alone takes gigabytes). Throws InputError.
CrossbarSetup crossbar_setup(const params::Config& config, bool with_circuit = true);

/// The circuit of `cells` (program_cells of the configuration) with row voltages `v_volt`
/// (rows; select mode: one value), titled as `kirchhoff solve` and `netlist` title it.
CrossbarCircuit configured_crossbar(const CrossbarConfig& config, const std::vector<CellArray>& cells,
                                    const Eigen::VectorXd& v_volt);

/// The deck `kirchhoff netlist` writes: `ngspice -b` runs it unchanged and prints the sense
/// currents in column order.
std::string standalone_deck(const CrossbarCircuit& xbar);

}  // namespace kirchhoff::netlists
