// One crossbar read (or select-mode read) solved by a chosen engine, with the results every
// caller wants: sense currents, logical outputs, and (native solver) every node voltage.
// Both solve the same netlists::CrossbarCircuit: nodal (Kirchhoff's solver), spice (ngspice
// through a session or a SpicePool). Which engine reads a tile: crossbar_reader.hpp.
#pragma once

#include <optional>
#include <vector>

#include <Eigen/Core>

#include "cosim/ngspice_session.hpp"
#include "cosim/nodal_solver.hpp"
#include "cosim/spice_pool.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::cosim {

struct CrossbarReading {
    Eigen::VectorXd sense_current;  // (arrays * physical cols) A, NaN where a column floats
    Eigen::VectorXd outputs;        // (cols) A: sense currents combined (differential pairs)
    Eigen::VectorXd node_volt;      // (node_count) V: nodal engine only, else empty
    std::vector<Eigen::MatrixXd> cell_current;  // per array (rows, physical cols) A, word line to
                                                // bit line through each memory element: nodal only
    std::vector<Eigen::MatrixXd> word_line_volt, bit_line_volt;  // per array (rows, physical cols) V:
                                                                  // CrossbarReader with node_voltages only
    int iterations = 0;             // Newton iterations (nodal)
};

/// Native solve (NodalSolver, in the tile's nested-dissection order unless `options` gives
/// one). Throws NodalError.
CrossbarReading read_nodal(const netlists::CrossbarCircuit& xbar, const NodalOptions& options = {});

/// ngspice solve of the same circuit through `session`. Throws SpiceError.
CrossbarReading read_spice(NgspiceSession& session, const netlists::CrossbarCircuit& xbar,
                           std::optional<double> timeout_s = std::nullopt);

/// The same through a SpicePool (one job): with the processes backend a deck that outruns
/// `timeout_s` while loading or in `.control` has its worker killed 1 s past the limit.
/// Throws SpiceTimeout for a time limit, SpiceError for any other failed solve.
CrossbarReading read_spice(SpicePool& pool, const netlists::CrossbarCircuit& xbar,
                           std::optional<double> timeout_s = std::nullopt);

/// InputError unless G^T v means something for this tile: read mode with ohmic cells.
void require_ideal_defined(const netlists::CrossbarConfig& config);

/// Sense currents of a nodal solution, in CrossbarCircuit::sense_sources order.
Eigen::VectorXd sense_currents(const netlists::CrossbarCircuit& xbar, const NodalSolution& s);

/// Ohmic circuits: plans `solver` (of xbar.circuit) to solve for the sense currents alone
/// (NodalSolver::plan_source_currents; nothing to do when already planned).
void plan_sense_currents(NodalSolver& solver, const netlists::CrossbarCircuit& xbar);
/// The sense currents at xbar's present inputs by the planned outputs-only solve, in
/// sense_sources order, NaN where a column floats: bitwise sense_currents(xbar, solver.solve()).
Eigen::VectorXd planned_sense_currents(const NodalSolver& solver, const netlists::CrossbarCircuit& xbar);

}  // namespace kirchhoff::cosim
