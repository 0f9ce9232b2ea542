// Blocked forward and backward substitution with a sparse Cholesky factor (see the header).
#include "linalg/cholesky_block_solve.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::linalg {

namespace {

// Position of the diagonal entry of column j among the factor's values.
Eigen::Index diagonal_of(const Eigen::SparseMatrix<double>& l, Eigen::Index j) {
    const int* rows = l.innerIndexPtr();
    for (Eigen::Index p = l.outerIndexPtr()[j]; p < l.outerIndexPtr()[j + 1]; ++p)
        if (rows[p] == j) return p;
    throw std::logic_error(fmt::format("Cholesky factor: column {} has no diagonal entry", j));
}

}  // namespace

void cholesky_block_solve(const Eigen::SparseMatrix<double>& l, RowMajorBlock& x) {
    const Eigen::Index n = l.cols(), k = x.cols();
    if (l.rows() != n || x.rows() != n)
        throw std::invalid_argument(fmt::format("Cholesky block solve: factor {} x {}, right-hand sides {} x {}",
                                                l.rows(), n, x.rows(), k));
    if (!l.isCompressed()) throw std::logic_error("Cholesky block solve: the factor must be compressed");
    const int* outer = l.outerIndexPtr();
    const int* rows = l.innerIndexPtr();
    const double* value = l.valuePtr();
    double* data = x.data();
    // Forward: L Y = B, column by column of L.
    for (Eigen::Index j = 0; j < n; ++j) {
        double* xj = data + j * k;
        bool any = false;
        for (Eigen::Index c = 0; c < k; ++c) any |= xj[c] != 0.0;
        if (!any) continue;
        const Eigen::Index d = diagonal_of(l, j);
        const double l_jj = value[d];
        for (Eigen::Index c = 0; c < k; ++c) xj[c] /= l_jj;
        for (Eigen::Index p = d + 1; p < outer[j + 1]; ++p) {
            double* xr = data + Eigen::Index(rows[p]) * k;
            const double l_rj = value[p];
            for (Eigen::Index c = 0; c < k; ++c) xr[c] -= xj[c] * l_rj;
        }
    }
    // Backward: L^T X = Y, rows of L^T (columns of L) from the last.
    for (Eigen::Index j = n - 1; j >= 0; --j) {
        double* xj = data + j * k;
        const Eigen::Index d = diagonal_of(l, j);
        for (Eigen::Index p = d + 1; p < outer[j + 1]; ++p) {
            const double* xr = data + Eigen::Index(rows[p]) * k;
            const double l_rj = value[p];
            for (Eigen::Index c = 0; c < k; ++c) xj[c] -= l_rj * xr[c];
        }
        const double l_jj = value[d];
        for (Eigen::Index c = 0; c < k; ++c) xj[c] /= l_jj;
    }
}

}  // namespace kirchhoff::linalg
