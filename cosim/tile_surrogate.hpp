// The tile surrogate: one programmed crossbar tile, wires and all, as a few dense matrices.
//
// Ohmic cells. The tile is an exact linear map i = A v (A: outputs x rows), built once per
// programmed tile: one sparse factorisation plus one solve per row. An MVM is one GEMV and
// equals the full circuit to solver precision.
//
// Nonlinear cells, I = sum_k a_k(m) phi_k(V) (cell_response.hpp). Each cell is replaced by
// its linearisation at a voltage V*: a conductance g* = sum_k a_k phi_k'(V*) in parallel with
// a current source J = sum_k a_k (phi_k(v_r) - phi_k'(V*) v_r) that carries the rest of the
// current the cell would draw at its row's full input v_r. The wires stay exact. By
// superposition the outputs are
//     i = A v + sum_k B_k (phi_k(v) - c_k v),   c_k = phi_k'(V*),
// with A the effective matrix of the tile whose cells are g*, and B_k the outputs for unit
// row patterns of the sources a_k. This is exact for ideal wires (any I-V) and for ohmic cells
// (any wires); its only error is the IR drop seen through the slope at V* instead of the
// local slope. For a rank-1 response B = A / c, so i = (A / c) phi(v): one GEMV, the cost of
// the ideal GEMV plus a feature per row. V* is fitted from full circuit solves (surrogate_fit).
#pragma once

#include <vector>

#include <Eigen/Core>

#include "cosim/cell_response.hpp"
#include "cosim/tile_factor.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::cosim {

class TileSurrogate {
public:
    /// Builds the matrices of a read-mode tile (1R or 1T1R cells; ohmic or device). `cells`
    /// as program_cells gives them; `v_star` is ignored for ohmic cells. Throws InputError
    /// for what the surrogate cannot represent (select mode, 1S1R), NodalError if singular.
    /// rows_driven (ohmic cells only; -1: all rows): rows from it on are never driven, their
    /// solves are skipped (columns of A zero: exact at 0 V) and matvec refuses a voltage there.
    /// keep (optional, ohmic cells only; left empty for device cells): receives the tile's
    /// circuit and the factorisation the build solved on (tile_factor.hpp).
    static TileSurrogate build(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                               const CellResponse& response, double v_star, int rows_driven = -1,
                               TileFactor* keep = nullptr);

    /// Outputs (cols) for row voltages v (rows).
    Eigen::VectorXd matvec(const Eigen::VectorXd& v_volt) const;
    /// The features the matrix multiplies: (rows * terms).
    Eigen::VectorXd features(const Eigen::VectorXd& v_volt) const;
    /// (cols, rows * terms): [A/c] for rank-1 responses, [A - sum c_k B_k, B_1, ..., B_K] otherwise.
    const Eigen::MatrixXd& matrix() const { return m_; }
    int terms() const { return terms_; }
    double v_star() const { return v_star_; }

private:
    CellResponse response_;
    Eigen::MatrixXd m_;
    int rows_ = 0, terms_ = 1, rows_driven_ = 0;
    double v_star_ = 0.0, c_ = 1.0;
};

/// The surrogate's outputs for a batch of inputs (rows, batch), computed without effective
/// matrices: one linearised-network solve per input. Equal to TileSurrogate::matvec for the
/// same V*; cheap when there are fewer inputs than rows (fitting V*).
Eigen::MatrixXd linearised_outputs(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                                   const CellResponse& response, double v_star, const Eigen::MatrixXd& inputs);

}  // namespace kirchhoff::cosim
