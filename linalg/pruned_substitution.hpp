// Forward and backward substitution with the nodal solver's sparse Cholesky factor L (Eigen's
// simplicial LL^T, natural ordering, column-major lower), restricted to the entries some outputs
// need: a sparse right-hand side and a few wanted unknowns.
//
// The right-hand side b is nonzero only at `rhs_rows` (the unknowns coupled to sources), and
// only the unknowns in `wanted` are read afterwards (those next to the output sources). Then
// (Gilbert & Peierls 1988; Davis, Direct Methods for Sparse Linear Systems, SIAM 2006, ch. 3-4):
//   - backward, L^T x = y: x_j reads x_r for r in the structure of column j, all ancestors of j
//     in the elimination tree, so the wanted x need x only on the wanted unknowns' ancestor
//     closure C (in decreasing order, as the full substitution);
//   - forward, L y = b: y_j is nonzero only for j in the elimination-tree reach R of rhs_rows,
//     and y is read only on C, which needs y_k for k in N = C plus every column whose structure
//     meets N; so the forward runs over R intersect N (increasing order), updating rows in N only.
// Each kept entry gets exactly the operations, in the same order, of Eigen's full substitution
// (forward: skip a zero y_j, y_j /= l_jj, y_r -= y_j l_rj; backward: x_j -= l_rj x_r in row
// order, then x_j /= l_jj), so the wanted x are bitwise Eigen's SimplicialLLT::solve (tested in
// tests/cosim/test_pruned_substitution.cpp). This needs the same floating-point contraction in
// both (no -ffp-contract differences between this file and Eigen's instantiation in
// nodal_solver.cpp: both are in kirchhoff::cosim, compiled with the same flags).
#pragma once

#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace kirchhoff::linalg {

class PrunedSubstitution {
public:
    PrunedSubstitution() = default;
    /// Plans the substitution on `lower` (n, n), compressed, sorted rows, the diagonal first in
    /// each column (Eigen's SimplicialLLT factor). rhs_rows: every unknown where b may be
    /// nonzero; wanted: the unknowns read after the solve. Indices in [0, n).
    PrunedSubstitution(const Eigen::SparseMatrix<double>& lower, const std::vector<int>& rhs_rows,
                       const std::vector<int>& wanted);

    /// In place: x (n) holds b on entry (zero outside rhs_rows); on return x_j for j in `wanted`
    /// (and the rest of C) is the solution of L L^T x = b, other entries are meaningless.
    void solve(const Eigen::SparseMatrix<double>& lower, Eigen::VectorXd& x) const;

    /// Factor entries the planned forward and backward passes read, against the full
    /// substitution's 2 nnz(L) (each pass reads every entry once).
    long forward_entries() const { return long(forward_pos_.size() + forward_cols_.size()); }
    long backward_entries() const { return backward_entries_; }
    /// Bytes the plan holds (its index lists).
    double bytes() const {
        return double(forward_cols_.capacity() + forward_start_.capacity() + forward_diag_.capacity() +
                      forward_pos_.capacity() + backward_cols_.capacity()) * sizeof(int);
    }
    /// Columns in the forward (R intersect N) and backward (C) passes.
    long forward_columns() const { return long(forward_cols_.size()); }
    long backward_columns() const { return long(backward_cols_.size()); }

private:
    std::vector<int> forward_cols_;   // R intersect N, increasing
    std::vector<int> forward_start_;  // (forward_cols + 1): each column's range in forward_pos_
    std::vector<int> forward_diag_;   // (forward_cols): position of l_jj in L's values
    std::vector<int> forward_pos_;    // positions in L's values of the off-diagonal entries in rows of N
    std::vector<int> backward_cols_;  // C, decreasing
    long backward_entries_ = 0;
};

}  // namespace kirchhoff::linalg
