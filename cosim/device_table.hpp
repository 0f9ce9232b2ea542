// Device I-V tables: a compact model's read current I(V, memory) on a uniform grid, taken
// from ngspice DC sweeps of its read subcircuit (the reference) or from the native model,
// with their interpolation and their errors against the native model.
#pragma once

#include <optional>
#include <string>

#include <Eigen/Core>

#include "cosim/ngspice_session.hpp"
#include "devices/device.hpp"

namespace kirchhoff::cosim {

struct TableGrid {
    double v_min_volt = -0.5, v_max_volt = 0.5;  // read voltage axis
    int nv = 201;                                // points on it (>= 4)
    double memory_min = 0.0, memory_max = 1.0;   // memory-variable axis (device units)
    int nm = 101;                                // points on it (>= 4)
    double v(int j) const { return v_min_volt + (v_max_volt - v_min_volt) * j / (nv - 1); }
    double memory(int i) const { return memory_min + (memory_max - memory_min) * i / (nm - 1); }
};

struct DeviceTable {
    std::string preset;       // device preset name
    std::string memory_name;  // "gap_m"
    std::string memory_unit;  // "m"
    TableGrid grid;
    Eigen::MatrixXd current_a;  // (nm, nv): current at (memory_i, v_j)

    /// Bicubic (Catmull-Rom) interpolation; exact at the grid nodes.
    double interpolate(double v_volt, double memory) const;
};

/// The table from the native model (device.current_ampere at rest).
DeviceTable tabulate_native(const devices::Device& device, std::string preset, const TableGrid& grid);

/// The ngspice deck that sweeps the read subcircuit: nm instances in parallel, each behind a
/// 0 V source i(vm<i>), under one source vd swept from v_min to v_max.
std::string table_deck(const devices::Device& device, const std::string& preset, const TableGrid& grid);

/// The table from ngspice (the reference): runs table_deck through `session`.
DeviceTable tabulate_spice(NgspiceSession& session, const devices::Device& device, std::string preset,
                           const TableGrid& grid, std::optional<double> timeout_s = std::nullopt);

struct TableErrors {
    double table_vs_native = 0.0;    // max |I_table - I_native| / (max |I| of that memory row), at nodes
    double interpolation = 0.0;      // same measure at the cell midpoints (interpolant vs native)
};
TableErrors table_errors(const DeviceTable& table, const devices::Device& device);

}  // namespace kirchhoff::cosim
