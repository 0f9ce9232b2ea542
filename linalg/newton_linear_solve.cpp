// Newton's linear solves: fresh factorisations, or CG preconditioned by a cached factor.
#include "linalg/newton_linear_solve.hpp"

#include <cmath>

namespace kirchhoff::linalg {

NewtonLinearSolve::Step NewtonLinearSolve::solve_fresh(const SpMat& jac, const Eigen::VectorXd& b, Eigen::VectorXd& x) {
    Step s;
    s.factorizations = 1;
    if (!fresh_llt_) {
        fresh_llt_.emplace();
        fresh_llt_->analyzePattern(jac);
    }
    fresh_llt_->factorize(jac);
    if (fresh_llt_->info() == Eigen::Success) {
        x = fresh_llt_->solve(b);
        return s;
    }
    if (!lu_) {
        lu_.emplace();
        lu_->analyzePattern(jac);
    }
    lu_->factorize(jac);
    if (lu_->info() != Eigen::Success) {
        s.ok = false;
        return s;
    }
    x = lu_->solve(b);
    return s;
}

bool NewtonLinearSolve::refactor(const SpMat& jac) {
    if (!cached_) {
        cached_.emplace();
        cached_->analyzePattern(jac);
    }
    cached_->factorize(jac);
    factor_valid_ = cached_->info() == Eigen::Success;
    return factor_valid_;
}

void NewtonLinearSolve::apply_factor(Eigen::VectorXd& x) const {
    // Natural ordering: no permutation, L L^T x = b in place without temporaries.
    cached_->matrixL().solveInPlace(x);
    cached_->matrixU().solveInPlace(x);
}

template <class Apply>
int NewtonLinearSolve::pcg(const SpMat& jac, const Eigen::VectorXd& b, Eigen::VectorXd& x, double relative_residual,
                           int max_iterations, bool& converged, Apply apply) {
    converged = true;
    x.setZero(b.size());
    const double target = relative_residual * b.norm();
    if (target == 0.0) return 0;
    r_ = b;
    z_ = r_;
    apply(z_);
    p_ = z_;
    double rz = r_.dot(z_);
    for (int k = 1; k <= max_iterations; ++k) {
        q_.noalias() = jac * p_;
        const double pq = p_.dot(q_);
        if (!(pq > 0.0) || !std::isfinite(rz)) {  // not positive definite along p
            converged = false;
            return k;
        }
        const double alpha = rz / pq;
        x.noalias() += alpha * p_;
        r_.noalias() -= alpha * q_;
        if (r_.norm() <= target) return k;
        z_ = r_;
        apply(z_);
        const double rz_next = r_.dot(z_);
        p_ = z_ + (rz_next / rz) * p_;
        rz = rz_next;
    }
    converged = false;
    return max_iterations;
}

NewtonLinearSolve::Step NewtonLinearSolve::solve_cached(const SpMat& jac, const SpMat* split, const Eigen::VectorXd& b,
                                                        Eigen::VectorXd& x, double relative_residual,
                                                        int refactor_after_iterations) {
    Step s;
    if (split && !split_stalled_) {
        // The split factor is only a preconditioner: it is kept across Newton steps and
        // solves, and refreshed at the current conductances when CG slows down.
        auto refresh = [&]() {
            if (!split_) {
                split_.emplace();
                split_->analyzePattern(*split);
            }
            split_->factorize(*split);
            return split_->info() == Eigen::Success;
        };
        auto split_cg = [&]() {
            bool converged = false;
            s.cg_iterations += pcg(jac, b, x, relative_residual, refactor_after_iterations, converged,
                                   [&](Eigen::VectorXd& z) {
                                       split_->matrixL().solveInPlace(z);
                                       split_->matrixU().solveInPlace(z);
                                   });
            return converged;
        };
        const bool fresh_split = !split_ || split_->info() != Eigen::Success;
        if (fresh_split ? refresh() : true) {
            const int before = s.cg_iterations;
            if (split_cg()) {
                if (s.cg_iterations - before > split_refresh_iterations) refresh();  // for the next solve
                return s;
            }
            if (!fresh_split && refresh() && split_cg()) return s;
        }
        split_stalled_ = true;
        split_.reset();
    }
    auto direct = [&]() {
        ++s.factorizations;
        if (refactor(jac)) {
            x = b;
            apply_factor(x);
            return s;
        }
        const Step f = solve_fresh(jac, b, x);  // not positive definite: LU
        s.factorizations += f.factorizations - 1;
        s.ok = f.ok;
        return s;
    };
    if (!factor_valid_) return direct();
    bool converged = false;
    s.cg_iterations += pcg(jac, b, x, relative_residual, refactor_after_iterations, converged,
                           [&](Eigen::VectorXd& z) { apply_factor(z); });
    if (converged) return s;
    return direct();  // CG stalled: the current Jacobian becomes the cached factor
}

long NewtonLinearSolve::factor_bytes() const {
    auto bytes = [](const Llt& f) {
        const auto& l = f.matrixL().nestedExpression();
        return long(l.nonZeros()) * long(sizeof(double) + sizeof(int)) + long(l.outerSize() + 1) * long(sizeof(int));
    };
    return (factor_valid_ ? bytes(*cached_) : 0L) + (split_ && split_->info() == Eigen::Success ? bytes(*split_) : 0L);
}

void NewtonLinearSolve::release() {
    cached_.reset();
    split_.reset();
    split_stalled_ = false;
    fresh_llt_.reset();
    lu_.reset();
    factor_valid_ = false;
}

}  // namespace kirchhoff::linalg
