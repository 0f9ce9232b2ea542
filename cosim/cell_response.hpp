// A cell's read current as a sum of separable terms, I(V, m) = sum_k a_k(m) phi_k(V): the
// form the tile surrogate needs. Ohmic cells are the exact rank-1 case (phi(V) = V, a = G).
// Device cells get theirs from a device table by a truncated SVD: the Stanford-PKU read
// current I0 exp(-g/g0) sinh(V/V0) is exactly rank 1; models whose shape changes with the
// state need a few terms. The rank is the smallest whose relative residual on the table is
// within the tolerance. Coefficients that keep one sign are interpolated in log scale, which
// is exact for the exponential state dependence of filamentary devices.
#pragma once

#include <vector>

#include "cosim/device_table.hpp"
#include "cosim/uniform_cubic.hpp"

namespace kirchhoff::cosim {

class CellResponse {
public:
    /// Ohmic cells: one term, phi(V) = V, coefficient = the conductance (the cell value).
    static CellResponse linear();
    /// Low-rank factors of a device table (rank <= max_rank, residual <= rel_tol if reachable).
    static CellResponse from_table(const DeviceTable& table, double rel_tol = 1e-6, int max_rank = 4);

    int rank() const { return linear_ ? 1 : int(phi_.size()); }
    bool is_linear() const { return linear_; }
    /// phi_k(v) and its slope (per volt); v within the table's voltage range.
    double feature(int k, double v_volt) const;
    double feature_slope(int k, double v_volt) const;
    /// phi_k as per-interval cubics (device responses only: ohmic cells have phi(V) = V).
    UniformCubic::Pieces feature_pieces(int k) const;
    /// a_k at a cell value (the memory state; the conductance for ohmic cells).
    double coefficient(int k, double cell_value) const;
    /// The current the factors give (the surrogate's cell model).
    double current(double v_volt, double cell_value) const;
    /// Relative Frobenius residual of the factorisation on its table (0 for ohmic cells).
    double residual() const { return residual_; }
    /// Voltage range the features cover.
    double v_min() const { return v_min_; }
    double v_max() const { return v_max_; }

private:
    bool linear_ = false;
    std::vector<UniformCubic> phi_;  // over voltage
    std::vector<UniformCubic> a_;    // over the memory variable: a_k, or log|a_k| when a_k keeps one sign
    std::vector<double> a_sign_;     // 0: a_ holds a_k itself; +-1: a_ holds log|a_k| with that sign
    double residual_ = 0.0;
    double v_min_ = -1e300, v_max_ = 1e300;
};

}  // namespace kirchhoff::cosim
