// Substitution with a sparse Cholesky factor restricted to what the wanted unknowns need (see the header).
#include "linalg/pruned_substitution.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::linalg {

namespace {

void check_index(int i, int n, const char* what) {
    if (i < 0 || i >= n)
        throw std::invalid_argument(fmt::format("pruned substitution: {} index {} outside [0, {})", what, i, n));
}

}  // namespace

PrunedSubstitution::PrunedSubstitution(const Eigen::SparseMatrix<double>& l, const std::vector<int>& rhs_rows,
                                       const std::vector<int>& wanted) {
    const int n = int(l.cols());
    if (l.rows() != n || !l.isCompressed())
        throw std::logic_error("pruned substitution: the factor must be square and compressed");
    const int* outer = l.outerIndexPtr();
    const int* rows = l.innerIndexPtr();
    // Elimination tree: the parent of j is the first off-diagonal row of column j.
    std::vector<int> parent(std::size_t(n), -1);
    for (int j = 0; j < n; ++j) {
        if (outer[j] == outer[j + 1] || rows[outer[j]] != j)
            throw std::logic_error(fmt::format("pruned substitution: column {} of the factor does not start with its "
                                               "diagonal", j));
        if (outer[j + 1] - outer[j] > 1) parent[std::size_t(j)] = rows[outer[j] + 1];
    }
    // Marks every ancestor of the seeds (themselves included).
    auto climb = [&](const std::vector<int>& seeds, const char* what) {
        std::vector<char> mark(std::size_t(n), 0);
        for (int s : seeds) {
            check_index(s, n, what);
            for (int j = s; j >= 0 && !mark[std::size_t(j)]; j = parent[std::size_t(j)]) mark[std::size_t(j)] = 1;
        }
        return mark;
    };
    const std::vector<char> closure = climb(wanted, "wanted");   // C
    const std::vector<char> reach = climb(rhs_rows, "rhs row");  // R
    // N: C, and every column whose structure meets N (structures lie above j: decreasing j).
    std::vector<char> needed = closure;
    for (int j = n - 1; j >= 0; --j)
        for (int p = outer[j] + 1; p < outer[j + 1] && !needed[std::size_t(j)]; ++p)
            if (needed[std::size_t(rows[p])]) needed[std::size_t(j)] = 1;
    forward_start_.push_back(0);
    for (int j = 0; j < n; ++j) {
        if (!reach[std::size_t(j)] || !needed[std::size_t(j)]) continue;
        forward_cols_.push_back(j);
        forward_diag_.push_back(outer[j]);
        for (int p = outer[j] + 1; p < outer[j + 1]; ++p)
            if (needed[std::size_t(rows[p])]) forward_pos_.push_back(p);
        forward_start_.push_back(int(forward_pos_.size()));
    }
    for (int j = n - 1; j >= 0; --j)
        if (closure[std::size_t(j)]) {
            backward_cols_.push_back(j);
            backward_entries_ += outer[j + 1] - outer[j];
        }
    for (auto* v : {&forward_cols_, &forward_start_, &forward_diag_, &forward_pos_, &backward_cols_}) v->shrink_to_fit();
}

void PrunedSubstitution::solve(const Eigen::SparseMatrix<double>& l, Eigen::VectorXd& x) const {
    if (x.size() != l.cols())
        throw std::invalid_argument(fmt::format("pruned substitution: factor {} x {}, right-hand side {}", l.rows(),
                                                l.cols(), x.size()));
    const int* outer = l.outerIndexPtr();
    const int* rows = l.innerIndexPtr();
    const double* value = l.valuePtr();
    double* data = x.data();
    // Forward: L y = b over R intersect N, the rows of N only.
    for (std::size_t k = 0; k < forward_cols_.size(); ++k) {
        double& xj = data[forward_cols_[k]];
        if (xj == 0.0) continue;  // as Eigen: a zero column contributes nothing
        xj /= value[forward_diag_[k]];
        const double y = xj;
        for (int q = forward_start_[k]; q < forward_start_[k + 1]; ++q) {
            const int p = forward_pos_[std::size_t(q)];
            data[rows[p]] -= y * value[p];
        }
    }
    // Backward: L^T x = y over C, from the last column.
    for (int j : backward_cols_) {
        double t = data[j];
        for (int p = outer[j] + 1; p < outer[j + 1]; ++p) t -= value[p] * data[rows[p]];
        data[j] = t / value[outer[j]];
    }
}

}  // namespace kirchhoff::linalg
