// Per-cell voltage maps of a solved crossbar (IR drop): a CSV with one row per cell and a
// heat-map PNG per array of the voltage each cell loses to the wires (row input minus the
// voltage across the cell).
#pragma once

#include <filesystem>
#include <vector>

#include <Eigen/Core>

#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::validation {

/// Writes DIR/cell_voltages.csv (array, row, col, v_wordline_volt, v_bitline_volt,
/// v_cell_volt, v_cell_over_input, i_cell_a) and DIR/ir_drop[_p|_m].png with its .gp script
/// and .dat matrix. node_volt: (node_count) and cell_current: per array (rows, physical cols)
/// from a nodal solve of `xbar` (cosim::read_nodal). Returns the files written.
std::vector<std::filesystem::path> write_ir_drop_map(const netlists::CrossbarCircuit& xbar,
                                                     const Eigen::VectorXd& node_volt,
                                                     const std::vector<Eigen::MatrixXd>& cell_current,
                                                     const std::filesystem::path& dir);

}  // namespace kirchhoff::validation
