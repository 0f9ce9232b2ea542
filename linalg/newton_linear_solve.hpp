// The linear solves inside the nodal solver's Newton iteration, J dx = r, with J = K + the
// cells' small-signal conductances (symmetric; positive definite for monotone cells).
//
// Two ways, chosen by NodalOptions::newton:
//   fresh    factorise every Jacobian (sparse Cholesky, sparse LU when it is not positive
//            definite) and solve exactly: the reference.
//   cached   conjugate gradients with one of two preconditioners:
//            split: the Jacobian without the nonlinear elements' couplings, S = K + each
//              element's conductance on the diagonal of its two nodes. For a crossbar, K alone
//              is the word lines and bit lines as separate chains, so S factorises with almost
//              no fill (a few times the unknowns) and is refactorised at every Newton step for
//              little; what it leaves out, the cells coupling word to bit lines, is small
//              against 1-ohm-scale wires, so CG needs a handful of iterations. Tried first;
//              kept across steps and solves, refreshed at the current conductances when a
//              solve needed more than split_refresh_iterations.
//            full: the Cholesky factor of an earlier Jacobian of the same circuit (same
//              pattern, other cell conductances), kept across Newton steps and solves. Two SPD
//              matrices that differ only in the cell conductances have generalised
//              eigenvalues between the smallest and the largest ratio of those conductances,
//              so a factor at a nearby operating point still makes CG converge. Used once the
//              split preconditioner has stalled on this circuit (then for good).
//            When CG on the full factor needs more than `refactor_after_iterations`, breaks
//            down (J not positive definite) or fails, the current Jacobian is factorised and
//            becomes the cache.
// The symbolic analyses (pattern, elimination tree) are done once per pattern. Not
// thread-safe: one object per solver, used by one thread at a time.
#pragma once

#include <optional>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>

namespace kirchhoff::linalg {

class NewtonLinearSolve {
public:
    using SpMat = Eigen::SparseMatrix<double>;
    /// Unknowns are numbered in elimination order already: the factorisation keeps it.
    using Llt = Eigen::SimplicialLLT<SpMat, Eigen::Lower, Eigen::NaturalOrdering<int>>;

    /// What one solve cost.
    struct Step {
        int cg_iterations = 0;    // 0 for a direct solve
        int factorizations = 0;   // numeric factorisations done by this call
        bool ok = true;           // false: singular (fresh) -- the caller throws
    };

    /// Exact: factorises `jac` (Cholesky, LU fallback) and solves jac x = b.
    Step solve_fresh(const SpMat& jac, const Eigen::VectorXd& b, Eigen::VectorXd& x);

    /// Preconditioned CG from x = 0 until |b - jac x|_2 <= relative_residual |b|_2, with the
    /// cached factor (made from `jac` when there is none or when CG stalls or breaks down).
    /// Falls back to solve_fresh (LU) when `jac` is not positive definite.
    /// split: the split preconditioner's matrix (same unknowns), or nullptr to use the full
    /// factor only.
    Step solve_cached(const SpMat& jac, const SpMat* split, const Eigen::VectorXd& b, Eigen::VectorXd& x,
                      double relative_residual, int refactor_after_iterations);

    /// Solves with the cached factor alone (exact when it was made from this jac). Requires one.
    void apply_factor(Eigen::VectorXd& x) const;
    bool has_factor() const { return factor_valid_; }
    /// Factorises `jac` into the cache; false when it is not positive definite.
    bool refactor(const SpMat& jac);
    /// Bytes held by the cached factors (values and indices of L, full and split), 0 when none.
    long factor_bytes() const;
    /// Drops the numeric factors (the memory budget); the symbolic analysis is redone on demand.
    void release();

private:
    // CG on jac x = b from x = 0 with preconditioner `apply` (in place), at most max_iterations;
    // returns the iterations taken; converged false when it did not reach the target or met
    // negative curvature.
    template <class Apply>
    int pcg(const SpMat& jac, const Eigen::VectorXd& b, Eigen::VectorXd& x, double relative_residual,
            int max_iterations, bool& converged, Apply apply);

    // A solve that needed more CG iterations than this on the split factor refreshes it.
    static constexpr int split_refresh_iterations = 6;
    std::optional<Llt> fresh_llt_, cached_, split_;
    bool split_stalled_ = false;  // the split preconditioner stalled once: use the full factor
    std::optional<Eigen::SparseLU<SpMat>> lu_;
    bool factor_valid_ = false;
    Eigen::VectorXd r_, z_, p_, q_;  // CG work vectors
};

}  // namespace kirchhoff::linalg
