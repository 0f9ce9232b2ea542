// From target conductances to programmed cells: ohmic cells hold the conductance itself; a
// device preset's cells hold the memory state whose read conductance at v_read equals it.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::netlists {

/// Cell model names `device.preset` accepts: "linear", then every electrical device preset.
std::vector<std::string> cell_model_names();

/// One CellArray per conductance matrix (rows, physical cols). Device cells hold the memory
/// value whose read conductance at input.v_read_volt is the target. Throws InputError for an
/// unknown preset (listing the known ones) or a [g_min, g_max] outside the device's window.
std::vector<CellArray> program_cells(const CrossbarConfig& config, const std::vector<Eigen::MatrixXd>& g_siemens);

}  // namespace kirchhoff::netlists
