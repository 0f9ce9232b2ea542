// Matrix-free preconditioned CG (and Newton) on a read-mode crossbar tile (iterative_solver.hpp).
#include "cosim/iterative_solver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::cosim {

std::string_view to_string(IterativePreconditioner p) {
    switch (p) {
        case IterativePreconditioner::jacobi: return "jacobi";
        case IterativePreconditioner::lines: return "lines";
        case IterativePreconditioner::two_level: return "two_level";
    }
    return "?";
}

namespace {

using Eigen::Index;
using Eigen::VectorXd;

// The wires of one array: R bit-line nodes per column (i from the sense end), P word-line
// nodes per row (j from the driver). Unknown vectors are [W; B], each (R, P) column-major,
// so q = i + R j and a bit line is contiguous.
struct Grid {
    Index R = 0, P = 0, n = 0;
    std::vector<double> gw;  // (P + 1) word-line segment conductances into node j; gw[P] = 0
    std::vector<double> gb;  // (R + 1) bit-line segment conductances out of node i; gb[R] = 0

    // y = A(c) x: the wires plus cells of coupling conductance c (n), or the wires alone.
    // Returns x . y, summed per column and then over columns in order (the same sum at any
    // thread count).
    double apply(const double* c, const double* x, double* y) const {
        const double* xb = x + n;
        double* yb = y + n;
        std::vector<double> partial(static_cast<std::size_t>(P));
#pragma omp parallel for schedule(static) if (n > 65536)
        for (Index j = 0; j < P; ++j) {
            double sum = 0;
            const double gl = gw[std::size_t(j)], gr = gw[std::size_t(j + 1)];
            for (Index i = 0; i < R; ++i) {
                const Index q = i + R * j;
                const double w = x[q], b = xb[q];
                double fw = (gl + gr) * w;
                if (j > 0) fw -= gl * x[q - R];
                if (j + 1 < P) fw -= gr * x[q + R];
                double fb = (gb[std::size_t(i)] + gb[std::size_t(i + 1)]) * b;
                if (i > 0) fb -= gb[std::size_t(i)] * xb[q - 1];
                if (i + 1 < R) fb -= gb[std::size_t(i + 1)] * xb[q + 1];
                const double cell = c ? c[q] * (w - b) : 0.0;
                y[q] = fw + cell;
                yb[q] = fb - cell;
                sum += w * y[q] + b * yb[q];
            }
            partial[std::size_t(j)] = sum;
        }
        double total = 0;
        for (double v : partial) total += v;
        return total;
    }

    // x += alpha p, r -= alpha q; returns |r|^2 (per-column partial sums, as apply).
    double update(double alpha, const double* p, const double* q, double* x, double* r) const {
        std::vector<double> partial(static_cast<std::size_t>(P));
#pragma omp parallel for schedule(static) if (n > 65536)
        for (Index j = 0; j < P; ++j) {
            double sum = 0;
            for (Index layer = 0; layer < 2; ++layer)
                for (Index k = layer * n + R * j, end = k + R; k < end; ++k) {
                    x[k] += alpha * p[k];
                    r[k] -= alpha * q[k];
                    sum += r[k] * r[k];
                }
            partial[std::size_t(j)] = sum;
        }
        double total = 0;
        for (double v : partial) total += v;
        return total;
    }

    // a . b over both layers, per-column partial sums.
    double dot(const double* a, const double* b) const {
        std::vector<double> partial(static_cast<std::size_t>(P));
#pragma omp parallel for schedule(static) if (n > 65536)
        for (Index j = 0; j < P; ++j) {
            double sum = 0;
            for (Index layer = 0; layer < 2; ++layer)
                for (Index k = layer * n + R * j, end = k + R; k < end; ++k) sum += a[k] * b[k];
            partial[std::size_t(j)] = sum;
        }
        double total = 0;
        for (double v : partial) total += v;
        return total;
    }
};

// The preconditioners' data for one coupling conductance c.
struct LineFactors {
    VectorXd inv_w, inv_b;  // (n) inverse Thomas pivots of the word lines and the bit lines
    VectorXd diag_inv;      // (2n) inverse diagonal (jacobi)
};

// Thomas pivots of every line: word line i has diagonal gw_j + gw_j+1 + c_ij and off-diagonal
// -gw_j between j - 1 and j; bit line j likewise along i.
void factor_lines(const Grid& g, const double* c, IterativePreconditioner p, LineFactors& f) {
    const Index R = g.R, P = g.P, n = g.n;
    if (p == IterativePreconditioner::jacobi) {
        f.diag_inv.resize(2 * n);
        for (Index j = 0; j < P; ++j)
            for (Index i = 0; i < R; ++i) {
                const Index q = i + R * j;
                f.diag_inv(q) = 1.0 / (g.gw[std::size_t(j)] + g.gw[std::size_t(j + 1)] + c[q]);
                f.diag_inv(n + q) = 1.0 / (g.gb[std::size_t(i)] + g.gb[std::size_t(i + 1)] + c[q]);
            }
        return;
    }
    f.inv_w.resize(n);
    f.inv_b.resize(n);
    for (Index j = 0; j < P; ++j) {
        const double gl = g.gw[std::size_t(j)], gr = g.gw[std::size_t(j + 1)];
        for (Index i = 0; i < R; ++i) {
            const Index q = i + R * j;
            double d = gl + gr + c[q];
            if (j > 0) d -= gl * gl * f.inv_w(q - R);
            f.inv_w(q) = 1.0 / d;
        }
    }
#pragma omp parallel for schedule(static) if (n > 65536)
    for (Index j = 0; j < P; ++j)
        for (Index i = 0; i < R; ++i) {
            const Index q = i + R * j;
            double d = g.gb[std::size_t(i)] + g.gb[std::size_t(i + 1)] + c[q];
            if (i > 0) d -= g.gb[std::size_t(i)] * g.gb[std::size_t(i)] * f.inv_b(q - 1);
            f.inv_b(q) = 1.0 / d;
        }
}

// z = (block diagonal over lines)^-1 r: every line's tridiagonal system by the Thomas recurrence.
void solve_lines(const Grid& g, const LineFactors& f, const double* r, double* z) {
    const Index R = g.R, P = g.P, n = g.n;
    const double* iw = f.inv_w.data();
    const double* ib = f.inv_b.data();
    // Word lines, all rows at once along j (each row's values are independent).
    constexpr Index chunk = 256;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (Index i0 = 0; i0 < R; i0 += chunk) {
        const Index i1 = std::min(R, i0 + chunk);
        for (Index i = i0; i < i1; ++i) z[i] = r[i];
        for (Index j = 1; j < P; ++j) {
            const double gl = g.gw[std::size_t(j)];
            for (Index i = i0; i < i1; ++i) {
                const Index q = i + R * j;
                z[q] = r[q] + gl * z[q - R] * iw[q - R];
            }
        }
        for (Index i = i0; i < i1; ++i) z[i + R * (P - 1)] *= iw[i + R * (P - 1)];
        for (Index j = P - 2; j >= 0; --j) {
            const double gr = g.gw[std::size_t(j + 1)];
            for (Index i = i0; i < i1; ++i) {
                const Index q = i + R * j;
                z[q] = (z[q] + gr * z[q + R]) * iw[q];
            }
        }
    }
    // Bit lines, one contiguous column each.
#pragma omp parallel for schedule(static) if (n > 65536)
    for (Index j = 0; j < P; ++j) {
        const double* rj = r + n + R * j;
        double* zj = z + n + R * j;
        const double* ij = ib + R * j;
        zj[0] = rj[0];
        for (Index i = 1; i < R; ++i) zj[i] = rj[i] + g.gb[std::size_t(i)] * zj[i - 1] * ij[i - 1];
        zj[R - 1] *= ij[R - 1];
        for (Index i = R - 2; i >= 0; --i) zj[i] = (zj[i] + g.gb[std::size_t(i + 1)] * zj[i + 1]) * ij[i];
    }
}

// The coarse space: one value per block of bi x bj cells, shared by its word- and bit-line
// nodes. On it the cells cancel and A is the coarse grid's wire Laplacian.
struct Coarse {
    Index bi = 0, bj = 0, ni = 0, nj = 0;
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt;

    void build(const Grid& g, Index block_i, Index block_j) {
        bi = block_i;
        bj = block_j;
        ni = (g.R + bi - 1) / bi;
        nj = (g.P + bj - 1) / bj;
        auto rows_in = [&](Index I) { return double(std::min(bi, g.R - I * bi)); };
        auto cols_in = [&](Index J) { return double(std::min(bj, g.P - J * bj)); };
        std::vector<Eigen::Triplet<double>> t;
        auto link = [&](Index a, Index b, double gab) {
            t.emplace_back(a, a, gab);
            t.emplace_back(b, b, gab);
            t.emplace_back(a, b, -gab);
            t.emplace_back(b, a, -gab);
        };
        for (Index J = 0; J < nj; ++J)
            for (Index I = 0; I < ni; ++I) {
                const Index a = I + ni * J;
                if (J == 0) t.emplace_back(a, a, rows_in(I) * g.gw[0]);
                if (I == 0) t.emplace_back(a, a, cols_in(J) * g.gb[0]);
                if (J + 1 < nj) link(a, a + ni, rows_in(I) * g.gw[std::size_t((J + 1) * bj)]);
                if (I + 1 < ni) link(a, a + 1, cols_in(J) * g.gb[std::size_t((I + 1) * bi)]);
            }
        Eigen::SparseMatrix<double> m(ni * nj, ni * nj);
        m.setFromTriplets(t.begin(), t.end());
        ldlt.compute(m);
        if (ldlt.info() != Eigen::Success) throw IterativeStall("iterative solver: the coarse wire Laplacian is singular");
    }

    // Z^T r: r summed over each block's word- and bit-line nodes, (ni * nj).
    VectorXd restrict_sum(const Grid& g, const double* r) const {
        VectorXd rc = VectorXd::Zero(ni * nj);
        for (Index j = 0; j < g.P; ++j) {
            const Index J = j / bj;
            for (Index i = 0; i < g.R; ++i) {
                const Index q = i + g.R * j;
                rc(i / bi + ni * J) += r[q] + r[g.n + q];
            }
        }
        return rc;
    }

    // Z^T A z without a matrix-vector product: inside a block the cells' and the segments'
    // currents cancel, so only segments crossing a block's edge (and the driver and sense
    // segments) remain, O(n / b) work.
    VectorXd restrict_flux(const Grid& g, const double* z) const {
        VectorXd rc = VectorXd::Zero(ni * nj);
        const double* zb = z + g.n;
        for (Index J = 0; J < nj; ++J) {
            const Index j = J * bj;
            for (Index i = 0; i < g.R; ++i) {
                const Index q = i + g.R * j, I = i / bi;
                const double flux = g.gw[std::size_t(j)] * (z[q] - (j > 0 ? z[q - g.R] : 0.0));
                rc(I + ni * J) += flux;
                if (j > 0) rc(I + ni * (J - 1)) -= flux;
            }
        }
        for (Index j = 0; j < g.P; ++j) {
            const Index J = j / bj;
            for (Index I = 0; I < ni; ++I) {
                const Index i = I * bi, q = i + g.R * j;
                const double flux = g.gb[std::size_t(i)] * (zb[q] - (i > 0 ? zb[q - 1] : 0.0));
                rc(I + ni * J) += flux;
                if (i > 0) rc(I - 1 + ni * J) -= flux;
            }
        }
        return rc;
    }

    // p = z + beta p - Z xc, in one pass.
    void direction(const Grid& g, const VectorXd& xc, const double* z, double beta, double* p) const {
#pragma omp parallel for schedule(static) if (g.n > 65536)
        for (Index j = 0; j < g.P; ++j) {
            const Index J = j / bj;
            for (Index i = 0; i < g.R; ++i) {
                const Index q = i + g.R * j;
                const double sub = xc(i / bi + ni * J);
                p[q] = z[q] + beta * p[q] - sub;
                p[g.n + q] = z[g.n + q] + beta * p[g.n + q] - sub;
            }
        }
    }

    // z += scale * Z xc.
    void prolong_add(const Grid& g, const VectorXd& xc, double scale, double* z) const {
        for (Index j = 0; j < g.P; ++j) {
            const Index J = j / bj;
            for (Index i = 0; i < g.R; ++i) {
                const Index q = i + g.R * j;
                const double add = scale * xc(i / bi + ni * J);
                z[q] += add;
                z[g.n + q] += add;
            }
        }
    }
};

}  // namespace

namespace {
// The running sense_currents() call's start on this thread (the time limit; calls on other
// threads have their own).
thread_local std::chrono::steady_clock::time_point solve_start;
}  // namespace

struct CrossbarIterativeSolver::Impl {
    netlists::CrossbarSpec spec;
    IterativeOptions options;
    Grid grid;
    Coarse coarse;
    bool one_t_one_r = false;
    double g_access = 0.0;  // 1T1R transistor on-conductance
    struct Array {
        const netlists::TwoTerminalModel* model = nullptr;  // nullptr: ohmic
        std::shared_ptr<const netlists::TwoTerminalModel> keep;
        VectorXd value;  // (n) line order: conductance (ohmic) or the model's parameter
        VectorXd c;      // (n) ohmic: coupling (stack) conductance
        LineFactors f;   // ohmic: the preconditioner's factors
    };
    std::vector<Array> arrays;

    bool two_level() const { return options.preconditioner == IterativePreconditioner::two_level; }

    void precondition(const LineFactors& f, const VectorXd& r, VectorXd& z) const {
        if (options.preconditioner == IterativePreconditioner::jacobi) z = r.cwiseProduct(f.diag_inv);
        else solve_lines(grid, f, r.data(), z.data());
    }

    // CG on A(c) x = b from x = 0 to |b - A x|_2 <= rel |b|_2; returns iterations. Two-level:
    // deflated CG (Saad, Yeung, Erhel and Manteuffel, SIAM J. Sci. Comput. 21, 2000) with the
    // coarse space Z: x starts at the coarse solution, and every search direction is made
    // A-orthogonal to Z, so CG works only on what the coarse space cannot represent. Throws
    // IterativeStall.
    int pcg(const double* c, const LineFactors& f, const VectorXd& b, VectorXd& x, double rel) const {
        x.setZero(b.size());
        const double target = rel * b.norm();
        if (!(target > 0)) return 0;
        const bool deflate = two_level();
        VectorXd r = b, z(b.size()), p(b.size()), q(b.size());
        if (deflate) {
            coarse.prolong_add(grid, coarse.ldlt.solve(coarse.restrict_sum(grid, b.data())), 1.0, x.data());
            grid.apply(c, x.data(), q.data());
            r = b - q;
            if (r.norm() <= target) return 0;
        }
        // p = z + beta p - Z E^-1 Z^T A z: CG's next direction less what the coarse space solves.
        auto next_direction = [&](double beta) {
            if (deflate) {
                coarse.direction(grid, coarse.ldlt.solve(coarse.restrict_flux(grid, z.data())), z.data(), beta, p.data());
            } else {
                p = z + beta * p;
            }
        };
        precondition(f, r, z);
        p.setZero();
        next_direction(0.0);
        double rz = grid.dot(r.data(), z.data());
        for (int k = 1; k <= options.max_iterations; ++k) {
            if (options.timeout_s > 0) {
                const double spent =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - solve_start).count();
                if (spent > options.timeout_s)
                    throw NodalError(fmt::format("iterative solver: time limit of {} s (solver.timeout_s) ran out "
                                                 "after {:.3g} s, at CG iteration {}",
                                                 options.timeout_s, spent, k));
            }
            const double pq = grid.apply(c, p.data(), q.data());
            if (!(pq > 0) || !std::isfinite(rz))
                throw IterativeStall(fmt::format(
                    "iterative solver ({} preconditioner): conjugate gradients broke down at iteration {} (the "
                    "system is not positive definite along its search direction)",
                    to_string(options.preconditioner), k));
            const double alpha = rz / pq;
            const double rn = std::sqrt(grid.update(alpha, p.data(), q.data(), x.data(), r.data()));
            if (!std::isfinite(rn))
                throw IterativeStall(fmt::format("iterative solver: non-finite residual at iteration {}", k));
            if (rn <= target) return k;
            precondition(f, r, z);
            const double rz_next = grid.dot(r.data(), z.data());
            next_direction(rz_next / rz);
            rz = rz_next;
        }
        const VectorXd res = b - apply(c, x);
        throw IterativeStall(fmt::format(
            "iterative solver ({} preconditioner): conjugate gradients did not reach the relative residual {:.3g} "
            "in {} iterations (solver.iterative_max_iterations): {:.3g}",
            to_string(options.preconditioner), rel, options.max_iterations, res.norm() / b.norm()));
    }

    VectorXd apply(const double* c, const VectorXd& x) const {
        VectorXd y(x.size());
        grid.apply(c, x.data(), y.data());
        return y;
    }

    // The source vector: driver current gw_0 v_i into the first word-line node of each row.
    VectorXd sources(const VectorXd& v) const {
        VectorXd b = VectorXd::Zero(2 * grid.n);
        for (Index i = 0; i < grid.R; ++i) b(i) = grid.gw[0] * v(i);
        return b;
    }

    // Ohmic: one linear solve; sense currents are the columns' cell-current sums.
    VectorXd solve_ohmic(const Array& a, const VectorXd& v, IterativeStats& s) const {
        const Index R = grid.R, P = grid.P, n = grid.n;
        const VectorXd b = sources(v);
        VectorXd x;
        s.cg_iterations += pcg(a.c.data(), a.f, b, x, options.tolerance);
        s.newton_iterations = std::max(s.newton_iterations, 1);
        const double bn = b.norm();
        s.relative_residual = std::max(s.relative_residual, bn > 0 ? (b - apply(a.c.data(), x)).norm() / bn : 0.0);
        VectorXd sense = VectorXd::Zero(P);
        for (Index j = 0; j < P; ++j) {
            double sum = 0;
            for (Index i = 0; i < R; ++i) {
                const Index q = i + R * j;
                sum += a.c(q) * (x(q) - x(n + q));
            }
            sense(j) = sum;
        }
        return sense;
    }

    // Device cells at the state (W, B, M): current word/middle -> bit and small-signal conductance.
    void evaluate(const Array& a, const VectorXd& x, const VectorXd& m, VectorXd& current, VectorXd& gd) const {
        const Index n = grid.n;
        current.resize(n);
        gd.resize(n);
#pragma omp parallel for schedule(static) if (n > 2048)
        for (Index q = 0; q < n; ++q) {
            const double top = one_t_one_r ? m(q) : x(q);
            a.model->current_and_conductance(top - x(n + q), a.value(q), current(q), gd(q));
        }
    }

    // Device cells: Newton's method as the direct solver runs it (NodalOptions), each step's
    // linear system (1T1R middle nodes eliminated) solved by PCG to newton_forcing.
    VectorXd solve_device(const Array& a, const VectorXd& v, IterativeStats& s) const {
        const Index R = grid.R, P = grid.P, n = grid.n;
        const NodalOptions& nw = options.newton;
        const VectorXd b = sources(v);
        VectorXd x = VectorXd::Zero(2 * n), m = VectorXd::Zero(one_t_one_r ? n : 0);
        VectorXd current, gd, c(n), f_m, rhs(2 * n), dx, dm;
        LineFactors lf;
        // F: net current leaving each unknown node at the state; rhs = -F with the middle
        // nodes eliminated; c the coupling of the eliminated stack.
        auto linearise = [&]() {
            evaluate(a, x, m, current, gd);
            VectorXd f = apply(nullptr, x) - b;
            if (one_t_one_r) f_m.resize(n);
            for (Index q = 0; q < n; ++q) {
                if (one_t_one_r) {
                    const double ga = g_access, gq = gd(q);
                    f(q) += ga * (x(q) - m(q));
                    f(n + q) -= current(q);
                    f_m(q) = ga * (m(q) - x(q)) + current(q);
                    c(q) = ga * gq / (ga + gq);
                    rhs(q) = -f(q) - ga / (ga + gq) * f_m(q);
                    rhs(n + q) = -f(n + q) - gq / (ga + gq) * f_m(q);
                } else {
                    f(q) += current(q);
                    f(n + q) -= current(q);
                    c(q) = gd(q);
                    rhs(q) = -f(q);
                    rhs(n + q) = -f(n + q);
                }
            }
            double fn = f.squaredNorm();
            if (one_t_one_r) fn += f_m.squaredNorm();
            return std::sqrt(fn);
        };
        auto step = [&]() {
            factor_lines(grid, c.data(), options.preconditioner, lf);
            s.cg_iterations += pcg(c.data(), lf, rhs, dx, options.newton_forcing);
            if (one_t_one_r) {
                dm.resize(n);
                for (Index q = 0; q < n; ++q)
                    dm(q) = (-f_m(q) + g_access * dx(q) + gd(q) * dx(n + q)) / (g_access + gd(q));
            }
        };
        // The circuit linearised at zero bias: one unlimited step from x = 0.
        linearise();
        step();
        x = dx;
        if (one_t_one_r) m = dm;
        auto limit = [&](VectorXd& d, const VectorXd& at, bool& converged) {
            for (Index k = 0; k < d.size(); ++k) {
                if (std::abs(d(k)) > nw.max_step_volt) {
                    d(k) = std::copysign(nw.max_step_volt, d(k));
                    converged = false;
                } else if (std::abs(d(k)) > nw.abs_tol_volt + nw.rel_tol * std::abs(at(k))) {
                    converged = false;
                }
            }
        };
        for (int it = 1; it <= nw.max_iterations; ++it) {
            linearise();
            step();
            bool converged = true;
            limit(dx, x, converged);
            x += dx;
            if (one_t_one_r) {
                limit(dm, m, converged);
                m += dm;
            }
            if (!x.allFinite() || (one_t_one_r && !m.allFinite()))
                throw IterativeStall(fmt::format("iterative solver: Newton iteration {} produced a non-finite voltage", it));
            if (converged) {
                s.newton_iterations = std::max(s.newton_iterations, it);
                const double fn = linearise();  // the converged state's currents and residual
                const double bn = b.norm();
                s.relative_residual = std::max(s.relative_residual, bn > 0 ? fn / bn : 0.0);
                VectorXd sense = VectorXd::Zero(P);
                for (Index j = 0; j < P; ++j) {
                    double sum = 0;
                    for (Index i = 0; i < R; ++i) sum += current(i + R * j);
                    sense(j) = sum;
                }
                return sense;
            }
        }
        throw IterativeStall(fmt::format("iterative solver: Newton did not converge in {} iterations",
                                         nw.max_iterations));
    }
};

std::string CrossbarIterativeSolver::unsupported(const netlists::CrossbarSpec& s) {
    if (s.mode != netlists::Mode::read) return "select mode (array.mode = \"select\")";
    if (s.cell == netlists::CellKind::one_s_one_r) return "1S1R cells (a selector in series with each cell)";
    if (!(s.r_wire_row_ohm > 0) || !(s.r_wire_col_ohm > 0))
        return "ideal wires (array.r_wire_row_ohm or array.r_wire_col_ohm = 0: a line is one node)";
    return "";
}

CrossbarIterativeSolver::CrossbarIterativeSolver(const netlists::CrossbarSpec& spec,
                                                 const std::vector<netlists::CellArray>& cells,
                                                 IterativeOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (const std::string why = unsupported(spec); !why.empty())
        throw InputError("the iterative circuit solver does not handle " + why + "; use solver.method = \"direct\"");
    if (int(cells.size()) != spec.arrays())
        throw std::invalid_argument(fmt::format("iterative solver: {} cell arrays for {} arrays", cells.size(), spec.arrays()));
    Impl& m = *impl_;
    m.spec = spec;
    m.options = options;
    Grid& g = m.grid;
    g.R = spec.rows;
    g.P = spec.physical_cols();
    g.n = g.R * g.P;
    const double r_sense = spec.sense == netlists::SenseKind::tia ? spec.tia.input_ohm() : 0.0;
    g.gw.assign(std::size_t(g.P + 1), 1.0 / spec.r_wire_row_ohm);
    g.gw[0] = 1.0 / (spec.r_wire_row_ohm + spec.r_driver_ohm);
    g.gw[std::size_t(g.P)] = 0.0;
    g.gb.assign(std::size_t(g.R + 1), 1.0 / spec.r_wire_col_ohm);
    g.gb[0] = 1.0 / (spec.r_wire_col_ohm + r_sense);
    g.gb[std::size_t(g.R)] = 0.0;
    m.one_t_one_r = spec.cell == netlists::CellKind::one_t_one_r;
    m.g_access = m.one_t_one_r ? 1.0 / spec.access.r_on_ohm : 0.0;
    const bool from_bottom = spec.sense_edge == netlists::SenseEdge::bottom;
    const bool from_left = spec.driver_edge == netlists::DriverEdge::left;
    double c_max = 0.0;  // largest cell coupling, for the coarse block size
    for (const netlists::CellArray& cell : cells) {
        if (cell.value.rows() != g.R || cell.value.cols() != g.P)
            throw std::invalid_argument(fmt::format("iterative solver: cells ({} x {}) for a {} x {} array",
                                                    cell.value.rows(), cell.value.cols(), g.R, g.P));
        Impl::Array a;
        a.keep = cell.model;
        a.model = cell.model.get();
        a.value.resize(g.n);
        for (Index j = 0; j < g.P; ++j)
            for (Index i = 0; i < g.R; ++i) {
                const Index r = from_bottom ? g.R - 1 - i : i, c = from_left ? j : g.P - 1 - j;
                a.value(i + g.R * j) = cell.value(r, c);
            }
        if (!a.model) {
            a.c = m.one_t_one_r ? VectorXd(a.value.array() / (1.0 + a.value.array() * spec.access.r_on_ohm))
                                : a.value;
            factor_lines(g, a.c.data(), options.preconditioner, a.f);
            c_max = std::max(c_max, a.c.maxCoeff());
        } else {
            // Zero-bias conductance at the extreme states (monotone in the state), 4x for the
            // growth of a sinh-type read at the inputs used.
            for (double state : {a.value.minCoeff(), a.value.maxCoeff()})
                c_max = std::max(c_max, 4.0 * a.model->conductance(0.0, state));
            if (m.one_t_one_r) c_max = std::min(c_max, m.g_access);
        }
        m.arrays.push_back(std::move(a));
    }
    if (m.two_level()) {
        // Blocks of at most 1/128 of a side (a coarse grid of at most 128 x 128), and small
        // enough that inside one the wires outweigh the cells: b <= 0.5 / sqrt(r c_max).
        auto block = [&](Index length, double r_wire) {
            Index b = std::max<Index>(4, (length + 127) / 128);
            if (c_max > 0) {
                const double physical = 0.5 / std::sqrt(r_wire * c_max);
                b = std::min<Index>(b, std::max<Index>(2, Index(physical)));
            }
            return std::min(b, length);
        };
        m.coarse.build(g, block(g.R, spec.r_wire_col_ohm), block(g.P, spec.r_wire_row_ohm));
    }
}

CrossbarIterativeSolver::~CrossbarIterativeSolver() = default;
CrossbarIterativeSolver::CrossbarIterativeSolver(CrossbarIterativeSolver&&) noexcept = default;

const netlists::CrossbarSpec& CrossbarIterativeSolver::spec() const { return impl_->spec; }

Eigen::VectorXd CrossbarIterativeSolver::sense_currents(const Eigen::VectorXd& v, IterativeStats* stats) const {
    const Impl& m = *impl_;
    if (v.size() != m.grid.R)
        throw std::invalid_argument(fmt::format("iterative solver takes {} row voltages, got {}", m.grid.R, v.size()));
    const bool from_bottom = m.spec.sense_edge == netlists::SenseEdge::bottom;
    const bool from_left = m.spec.driver_edge == netlists::DriverEdge::left;
    const VectorXd v_line = from_bottom ? VectorXd(v.reverse()) : v;
    solve_start = std::chrono::steady_clock::now();
    IterativeStats s;
    s.coarse_block_rows = int(m.coarse.bi);
    s.coarse_block_cols = int(m.coarse.bj);
    const Index P = m.grid.P;
    VectorXd out(Index(m.arrays.size()) * P);
    for (std::size_t k = 0; k < m.arrays.size(); ++k) {
        const auto& a = m.arrays[k];
        const VectorXd line = a.model ? m.solve_device(a, v_line, s) : m.solve_ohmic(a, v_line, s);
        out.segment(Index(k) * P, P) = from_left ? line : VectorXd(line.reverse());
    }
    if (stats) *stats = s;
    return out;
}

double CrossbarIterativeSolver::setup_bytes() const {
    const Impl& m = *impl_;
    double bytes = 0;
    for (const auto& a : m.arrays)
        bytes += 8.0 * double(a.value.size() + a.c.size() + a.f.inv_w.size() + a.f.inv_b.size() + a.f.diag_inv.size());
    const double coarse_n = double(m.coarse.ni * m.coarse.nj);
    return bytes + coarse_n * 12.0 * 8.0;  // the coarse factor: a few dozen entries per unknown at most
}

double CrossbarIterativeSolver::solve_bytes() const {
    // PCG: x, r, z, p, q and b of 2n values; device cells: the state, currents, conductances,
    // rhs, step and line factors, about 16 vectors of n.
    const double n = double(impl_->grid.n);
    const bool device = !impl_->arrays.empty() && impl_->arrays.front().model;
    return 8.0 * n * (device ? 22.0 : 12.0);
}

}  // namespace kirchhoff::cosim
