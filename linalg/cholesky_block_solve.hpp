// Solving L L^T X = B for a block of right-hand sides at once, with the sparse Cholesky factor
// L of the nodal solver (Eigen's simplicial LL^T, natural ordering, column-major lower).
//
// Eigen's own solve takes a block one column at a time, so the factor (megabytes for a 64 x 64
// tile) is read once per right-hand side. Here X is row-major (unknowns, K): each entry of L
// is read once per block and applied to the K values of its row, in a loop the compiler
// vectorises. Per right-hand side the operations and their order are Eigen's (forward:
// x_i /= l_ii, then x_r -= l_ri x_i for r > i; backward: x_i = (x_i - sum_r l_ri x_r) / l_ii
// in row order), so each column equals Eigen's solve of that column alone, up to the sign of
// zeros (Eigen skips a zero x_i in the forward pass; here a row is skipped only when all K are
// zero). Tested against Eigen's solve (tests/cosim/test_cholesky_block_solve.cpp).
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace kirchhoff::linalg {

using RowMajorBlock = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// In place: x (n, K) holds B on entry and X on return. `lower` is the factor L (n, n),
/// column-major with sorted row indices and the diagonal in every column.
void cholesky_block_solve(const Eigen::SparseMatrix<double>& lower, RowMajorBlock& x);

}  // namespace kirchhoff::linalg
