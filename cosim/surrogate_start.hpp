// A Newton start for the nodal solve of a tile from the line-relaxation surrogate's solution of
// the same input (line_relaxation.hpp): the surrogate's word- and bit-line voltages and cell
// currents placed on the nodes of the tile's circuit (netlists::CrossbarCircuit's node maps).
//
// Why: the line relaxation's fixed point is the circuit's DC solution, reached to its tolerance
// (1e-6 of the largest sense current) and the device table's interpolation (about 3e-6), so a
// Newton solve started there (NodalSolver::solve_from) needs fewer iterations than one started
// from the circuit linearised at zero bias. It only chooses where Newton starts: the solve
// stops on the nodal solver's own convergence test, so the answer is the circuit's within the
// Newton tolerance whatever the start. Used by the nodal validation of device tiles
// (run.validate_start, analog/analog_backend.hpp).
#pragma once

#include <Eigen/Core>

#include "cosim/line_relaxation.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::cosim {

/// Node voltages (node_count) V of `xbar` (its row inputs as set) from `nodes`, the line
/// relaxation of the same tile and inputs: each cell's word- and bit-line nodes from word_volt
/// and bit_volt, a 1T1R access node at the word-line voltage less its transistor's drop
/// (spec.access.r_on_ohm times the cell current), fixed nodes at their sources, and every
/// other node (a driver node behind its output resistance, a TIA's input node) at the voltage
/// Kirchhoff's current law gives it from its resistor neighbours. std::invalid_argument when
/// the shapes do not match xbar's arrays; std::logic_error when a node is left without a
/// voltage (a circuit layout this mapping does not know).
Eigen::VectorXd surrogate_start_voltages(const netlists::CrossbarCircuit& xbar, const LineRelaxationNodes& nodes);

}  // namespace kirchhoff::cosim
