// The line-relaxation tier of the tile surrogate: the tile's own circuit (cells, access
// resistors, word and bit lines, driver and sense resistances) solved for each MVM by a
// nonlinear block Gauss-Seidel iteration over its lines, to a stated tolerance. Not an
// approximation of the circuit: its fixed point is the circuit's DC solution, so for
// nonlinear cells behind resistive wires it reaches what the linearised tier
// (tile_surrogate.hpp) cannot; for ohmic cells the linearised tier is exact and cheaper.
//
// Why it is cheap. In a read-mode 1R or 1T1R tile every cell stack sits between one word-line
// node and one bit-line node, so the wires are independent ladders: given the cell currents
// I (rows, cols), the drop along word line r and the rise along bit line c are prefix sums
// (O(rows * cols) for the whole tile), and a ladder loaded by linear conductances g,
// (1 + g L) x = j, is solved in O(length) by two recurrences. One sweep solves every word
// line with the bit-line voltages held, then every bit line with the word-line voltages
// held; the cells' nonlinear remainder is refreshed after each sweep (a chord splitting).
//
// Equations (r: row, c: physical column; W word-line voltage, B bit-line voltage):
//   device   I = sum_k a_k(m) phi_k(U),  U = W - B - r_acc I      (cell_response.hpp)
//   chord    sum_k a_k phi_k(U) = g U + n(U),  g = sum_k a_k phi_k'(V*),  n = sum_k a_k psi_k(U),
//            psi_k(U) = phi_k(U) - phi_k'(V*) U
//   stack    I = gs (W - B) + kappa n,  gs = g / (1 + g r_acc),  kappa = 1 / (1 + g r_acc)
//   word line r, nodes j from the driver:  (1 + gs L_r) I = gs (v_r - B) + kappa n
//   bit line c, nodes i from the sense end:  (1 + gs L_c) I = gs W + kappa n
// where a line with segments R_0 (source to node 0, driver or sense resistance included),
// R_1, ... has the Green's function L(i, j) = sum_{m <= min(i, j)} R_m. Sweeps stop when the
// largest change of a sense current is below `tolerance` times the largest sense current (or a
// thousandth of the largest ideal-wire chord current, when every current is near zero). All
// inputs at 0 V give exactly zero currents.
// Block Gauss-Seidel on the lines of a resistive network with monotone cells is the
// classical line relaxation (Varga, Matrix Iterative Analysis, 1962, ch. 6); CrossSim's
// circuit solver (Xiao et al., Applied Physics Reviews 7, 031301, 2020) relaxes node by node.
//
// Not here: 1S1R cells (the selector is a second nonlinear element in series) and select mode;
// build() refuses them.
#pragma once

#include <chrono>
#include <vector>

#include <Eigen/Core>

#include "cosim/cell_response.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::cosim {

struct LineRelaxationOptions {
    double tolerance = 1e-6;  // largest sense-current change per sweep, relative to the largest sense current
    int max_sweeps = 500;     // a solve that has not converged by then throws NodalError
    double timeout_s = 0.0;   // > 0: a solve (one MVM) still sweeping after this many seconds throws
                              // NodalError; checked after every sweep, so overrun by at most one
                              // sweep (O(rows x cols)). solver.timeout_s (mvm_engine.cpp); 0: none
};

struct LineRelaxationStats {
    int sweeps = 0;            // sweeps of the last solve
    double last_change = 0.0;  // its final relative change
};

/// A solve's state where the circuit has nodes: per array (rows, physical cols), rows from the
/// top and columns from the left as in the circuit (netlists::CrossbarCircuit's node maps).
struct LineRelaxationNodes {
    std::vector<Eigen::MatrixXd> word_volt;     // word-line voltage at each cell (V)
    std::vector<Eigen::MatrixXd> bit_volt;      // bit-line voltage at each cell (V)
    std::vector<Eigen::MatrixXd> cell_current;  // current through each cell stack, word to bit line (A)
};

class LineRelaxation {
public:
    /// `cells` as netlists::program_cells makes them (device cells: `response` is their
    /// separable read current); `v_star` the chord voltage. Throws InputError for select mode,
    /// 1S1R cells or a chord conductance <= 0.
    static LineRelaxation build(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                                const CellResponse& response, double v_star, LineRelaxationOptions options = {});

    /// Sense currents (arrays * physical cols, A), array-major, for row voltages v (rows, V).
    /// Throws NodalError when the sweeps do not converge within max_sweeps or timeout_s.
    /// `nodes` (optional) receives the voltages and currents of the last sweep.
    Eigen::VectorXd sense_currents(const Eigen::VectorXd& v_volt, LineRelaxationStats* stats = nullptr,
                                   LineRelaxationNodes* nodes = nullptr) const;
    /// Logical outputs (cols, A): sense currents combined as CrossbarCircuit::outputs does.
    Eigen::VectorXd matvec(const Eigen::VectorXd& v_volt, LineRelaxationStats* stats = nullptr) const;

    const netlists::CrossbarSpec& spec() const { return spec_; }

private:
    // One array in line order: row index i counts from the sense edge, column index j from
    // the driver edge, so every line is walked from its source end.
    struct Array {
        Eigen::MatrixXd gs, kappa;           // (rows, pcols) chord stack conductance, 1 / (1 + g r_acc)
        std::vector<Eigen::MatrixXd> ka;     // per term (rows, pcols): kappa * a_k
        Eigen::MatrixXd f_row, f_col;        // (rows, pcols) ladder factors 1 / (1 - alpha R)
    };
    // `start`: when the solve (all arrays of one MVM) began, for options_.timeout_s. `state`
    // (optional, line order): word-line drop, bit-line voltage and stack current of each cell
    // at the last sweep, (rows, pcols) each.
    struct LineState {
        Eigen::MatrixXd drop, bit, current;
    };
    Eigen::VectorXd solve_array(const Array& a, const Eigen::VectorXd& v_line, int& sweeps, double& change,
                                std::chrono::steady_clock::time_point start, LineState* state = nullptr) const;

    netlists::CrossbarSpec spec_;
    LineRelaxationOptions options_;
    std::vector<Array> arrays_;
    std::vector<UniformCubic::Pieces> phi_;  // per term
    std::vector<double> slope_;              // per term: phi_k'(V*)
    Eigen::VectorXd r_row_, r_col_;          // (pcols) word-line and (rows) bit-line segments from the source end
    double r_access_ohm_ = 0.0;
    int rows_ = 0, pcols_ = 0;
};

}  // namespace kirchhoff::cosim
