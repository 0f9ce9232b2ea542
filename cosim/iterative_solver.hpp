// An iterative circuit solver for read-mode crossbar tiles: preconditioned conjugate gradients
// on the tile's nodal equations, matrix-free, beside the direct nodal solver (nodal_solver.hpp)
// that factorises the same equations. It solves the circuit build_crossbar() describes (1R or
// 1T1R cells, ohmic or device cells, word- and bit-line segments, driver and TIA resistances,
// either edge, differential columns or arrays) without building it: memory is a few vectors of
// the cells' size, not a sparse factor, and no netlists::Circuit is made.
//
// Equations (one array; i counts bit-line nodes from the sense end, j word-line nodes from the
// driver; W, B the word- and bit-line voltages at cell (i, j); gw_j the conductance of the
// word-line segment into node j (gw_0 includes the driver resistance), gb_i that of the
// bit-line segment out of node i towards the sense end (gb_0 includes the TIA's input);
// I_ij the current of cell (i, j) from word to bit line):
//   word node:  gw_j (W_ij - W_i,j-1) + gw_j+1 (W_ij - W_i,j+1) + I_ij = 0,  W_i,-1 = v_i
//   bit node:   gb_i (B_ij - B_i-1,j) + gb_i+1 (B_ij - B_i+1,j) - I_ij = 0,  B_-1,j = 0
// with I = g (W - B) for ohmic 1R cells, the series stack g / (1 + g r_on) (W - B) for ohmic
// 1T1R cells, and for device cells the model's current at its own terminals (the node between
// transistor and cell of a 1T1R stack is a third unknown). Device cells are solved by Newton's
// method, the same iteration the direct solver runs (NodalOptions: zero-bias start, steps
// limited per node, converged when every update is below abs_tol + rel_tol |v|), with each
// cell evaluated through its TwoTerminalModel::current_and_conductance (the physics lives in
// devices/ once); the 1T1R middle node is eliminated from each linear step exactly (a series
// stack of the transistor and the cell's small-signal conductance).
//
// The linear systems A x = b (symmetric positive definite for monotone cells) are solved by
// conjugate gradients (Hestenes and Stiefel, J. Res. NBS 49, 1952) with one of three
// preconditioners:
//   jacobi     the diagonal of A: the plain iterative reference.
//   lines      block Jacobi over the wires: every word line and every bit line is a
//              tridiagonal block (its segments plus its cells' conductances on the diagonal),
//              solved exactly by the Thomas recurrence in O(length). What it leaves out are
//              the cells coupling word to bit lines; it is exact when they are negligible
//              against the wires.
//   two_level  (default) lines plus a coarse correction (additive two-level Schwarz with an
//              aggregation coarse space: Toselli and Widlund, Domain Decomposition Methods,
//              2005, ch. 3; Vanek, Mandel and Brezina, Computing 56, 1996). Where IR drop is
//              strong (r G N^2 >> 1) the slow error is a word line and the bit lines under it
//              moving together, smoothly: the cells carry no current for it, only the wires
//              resist it, and line blocks, which see the cells on their diagonal, damp it by
//              about 1 / (r G N^2). The coarse space is one value per block of b x b cells
//              shared by its word- and bit-line nodes; on it the cells cancel and A becomes
//              the wires' 2-D Laplacian on the coarse grid, factorised once per tile (sparse
//              LDL^T). Blocks are small enough that inside one the wires dominate the cells.
// CG stops when |b - A x|_2 <= tolerance |b|_2 (ohmic tiles) or, inside Newton, at
// newton_forcing |F|_2 (an inexact Newton step, as the direct solver's cached path takes).
// More than max_iterations, a non-positive curvature or a non-finite value throw
// IterativeStall, which callers turn into a fallback to the direct solver (tile_solver.hpp).
//
// Sense currents are the sums of each column's cell currents (at the solution equal to the
// sense segment's current by Kirchhoff's current law, and less sensitive to the residual).
// Deterministic: every loop that sums runs in a fixed order on one thread; the line solves and
// the matrix-vector product run in parallel over lines, each value computed by one thread.
// Not here: 1S1R cells, select mode, ideal (zero-resistance) wires: unsupported() says why.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "cosim/nodal_solver.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::cosim {

/// An iterative solve that did not converge (too many iterations, breakdown, non-finite).
class IterativeStall : public NodalError {
public:
    using NodalError::NodalError;
};

enum class IterativePreconditioner { jacobi, lines, two_level };
std::string_view to_string(IterativePreconditioner p);

struct IterativeOptions {
    /// Ohmic tiles: CG stops at |b - A x|_2 <= tolerance |b|_2 (config key
    /// solver.iterative_tolerance).
    double tolerance = 1e-13;
    /// CG iterations of one linear solve before it counts as stalled
    /// (solver.iterative_max_iterations).
    int max_iterations = 2000;
    IterativePreconditioner preconditioner = IterativePreconditioner::two_level;
    /// Device cells: each Newton step's CG stops at |r|_2 <= newton_forcing |F|_2.
    double newton_forcing = 1e-3;
    /// Time limit (s) of one sense_currents() call, checked at every CG iteration; 0: none
    /// (solver.timeout_s). Running out throws NodalError (not a stall: no fallback).
    double timeout_s = 0.0;
    /// Newton's limits and convergence test (max_iterations, abs_tol_volt, rel_tol,
    /// max_step_volt): the direct solver's; its other fields are not used here.
    NodalOptions newton;
};

/// What one solve cost and how close it got.
struct IterativeStats {
    int newton_iterations = 0;      // 1 for ohmic tiles
    int cg_iterations = 0;          // over all linear solves and arrays
    double relative_residual = 0;   // last linear solve: |b - A x|_2 / |b|_2, recomputed, largest over arrays
    int coarse_block_rows = 0;      // aggregate size (cells) of the coarse space, 0 without one
    int coarse_block_cols = 0;
};

class CrossbarIterativeSolver {
public:
    /// Empty when this solver handles `spec`, else the reason it does not (to print).
    static std::string unsupported(const netlists::CrossbarSpec& spec);

    /// Set-up once per programmed tile: ohmic tiles get their line factors and coarse factor
    /// here, device tiles the coarse factor (their line factors change with each Newton step).
    /// `cells` as netlists::program_cells makes them. Throws InputError when unsupported().
    CrossbarIterativeSolver(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                            IterativeOptions options = {});
    ~CrossbarIterativeSolver();
    CrossbarIterativeSolver(CrossbarIterativeSolver&&) noexcept;

    /// Sense currents (arrays * physical cols, A, array-major, as CrossbarCircuit orders
    /// them) for row voltages v (rows, V). Safe to call from several threads at once.
    /// Throws IterativeStall.
    Eigen::VectorXd sense_currents(const Eigen::VectorXd& v_volt, IterativeStats* stats = nullptr) const;

    const netlists::CrossbarSpec& spec() const;
    /// Bytes held between solves (cells, factors), and bytes of one solve's work vectors.
    double setup_bytes() const;
    double solve_bytes() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace kirchhoff::cosim
