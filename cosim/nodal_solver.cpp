// Nodal analysis with Eigen: ohmic factorisation once, Newton for nonlinear elements.
#include "cosim/nodal_solver.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <utility>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <fmt/format.h>

#include "linalg/cholesky_block_solve.hpp"
#include "linalg/newton_linear_solve.hpp"
#include "linalg/pruned_substitution.hpp"

namespace kirchhoff::cosim {

using linalg::cholesky_block_solve;
using linalg::PrunedSubstitution;
using linalg::RowMajorBlock;
using netlists::Circuit;
using SpMat = Eigen::SparseMatrix<double>;
// Unknowns are numbered in elimination order already, so the factorisation keeps that order.
using Llt = Eigen::SimplicialLLT<SpMat, Eigen::Lower, Eigen::NaturalOrdering<int>>;

struct NodalSolver::Impl {
    const Circuit& c;
    NodalOptions options;
    std::vector<int> unknown;     // (node_count): unknown index, or -1 for a fixed node
    std::vector<int> source_of;   // (node_count): source index for sourced nodes, else -1
    int n = 0;
    SpMat k;                      // (n, n) resistor conductances between unknowns
    struct Coupling {
        int row;      // unknown
        int source;   // source index
        double g;     // conductance to the source's node
    };
    std::vector<Coupling> couplings;  // resistors from an unknown to a sourced node
    Llt k_llt;                        // factorisation of k (ohmic circuits)
    // Nonlinear: Jacobian with k's pattern plus the elements' stamps.
    mutable SpMat jac;
    std::vector<std::array<int, 4>> slots;  // (elements) jac value index of aa, bb, ab, ba; -1: fixed
    // The split preconditioner (linalg/newton_linear_solve.hpp): resistors plus every element's
    // conductance on its nodes' diagonals only.
    SpMat split_base;                        // (n, n) resistors, explicit zero diagonal
    mutable SpMat split;
    std::vector<std::array<int, 2>> split_slots;  // (elements) split value index of aa, bb; -1: fixed
    mutable linalg::NewtonLinearSolve linear;
    mutable Eigen::VectorXd x_last;         // cached path: unknowns of the last solve (empty: none)
    // cached path: each element's voltage, current and conductance at the last solution.
    mutable Eigen::VectorXd last_dv, last_current, last_g;
    mutable NodalCounts totals;
    // Per source, in circuit order: the resistors and the nonlinear elements at its node, with
    // whether the current a -> b leaves it (+) or enters it (-). finish() sums these only.
    std::vector<std::vector<std::pair<int, bool>>> source_resistors, source_elements;
    // plan_source_currents(): the sources whose currents source_currents() returns, and its
    // substitution.
    std::vector<std::size_t> planned_sources;
    std::optional<PrunedSubstitution> planned;

    // Throws NodalError when the time limit counted from `start` has run out.
    void check_time(std::chrono::steady_clock::time_point start, const char* stage) const {
        if (!(options.timeout_s > 0)) return;
        const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (spent > options.timeout_s)
            throw NodalError(fmt::format("circuit '{}': time limit of {} s (solver.timeout_s) ran out after {:.3g} s, "
                                         "{} ({} unknowns)",
                                         c.title(), options.timeout_s, spent, stage, n));
    }

    Impl(const Circuit& circuit, NodalOptions o) : c(circuit), options(o) {
        const auto start = std::chrono::steady_clock::now();
        const int nodes = c.node_count();
        unknown.assign(std::size_t(nodes), -1);
        source_of.assign(std::size_t(nodes), -1);
        for (std::size_t s = 0; s < c.sources().size(); ++s) {
            const int p = c.sources()[s].p;
            if (source_of[std::size_t(p)] >= 0)
                throw NodalError(fmt::format("node {} is driven by two sources ({} and {})", c.node_name(p),
                                             c.sources()[std::size_t(source_of[std::size_t(p)])].name,
                                             c.sources()[s].name));
            source_of[std::size_t(p)] = int(s);
        }
        number_unknowns(options.ordering);
        list_source_branches();
        // A node with no element to anything is a singular row: name it.
        std::vector<bool> touched(std::size_t(nodes), false);
        for (const auto& r : c.resistors()) touched[std::size_t(r.a)] = touched[std::size_t(r.b)] = true;
        for (const auto& e : c.nonlinear()) touched[std::size_t(e.a)] = touched[std::size_t(e.b)] = true;
        for (int v = 1; v < nodes; ++v)
            if (unknown[std::size_t(v)] >= 0 && !touched[std::size_t(v)])
                throw NodalError(fmt::format("circuit '{}': node {} is connected to nothing", c.title(), c.node_name(v)));
        if (options.ordering.empty()) {
            // AMD on the pattern, then renumber so that the factorisation runs in that order.
            assemble();
            Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> perm;
            Eigen::AMDOrdering<int>()(k, perm);
            std::vector<netlists::NodeId> order(static_cast<std::size_t>(n));
            std::vector<netlists::NodeId> node_of(static_cast<std::size_t>(n));
            for (int v = 1; v < nodes; ++v)
                if (unknown[std::size_t(v)] >= 0) node_of[std::size_t(unknown[std::size_t(v)])] = v;
            for (int i = 0; i < n; ++i) order[std::size_t(i)] = node_of[std::size_t(perm.indices()(i))];
            number_unknowns(order);
            check_time(start, "ordering the unknowns");
        }
        assemble();
        check_time(start, "assembling the conductance matrix");
        if (c.nonlinear().empty()) {
            k_llt.analyzePattern(k);
            check_time(start, "in the symbolic factorisation");
            if (k_llt.info() == Eigen::Success) k_llt.factorize(k);
            check_time(start, "in the numeric factorisation");
            if (k_llt.info() != Eigen::Success)
                throw NodalError(fmt::format("circuit '{}': the conductance matrix is singular (a node without a "
                                             "path to any source?)", c.title()));
        } else {
            jac = k;  // same pattern: the nonlinear stamps were added with zero value
            find_slots();
        }
    }

    void list_source_branches() {
        source_resistors.assign(c.sources().size(), {});
        source_elements.assign(c.sources().size(), {});
        auto add = [&](auto& lists, int k2, int a, int b) {
            if (source_of[std::size_t(a)] >= 0) lists[std::size_t(source_of[std::size_t(a)])].emplace_back(k2, true);
            if (source_of[std::size_t(b)] >= 0) lists[std::size_t(source_of[std::size_t(b)])].emplace_back(k2, false);
        };
        for (std::size_t k2 = 0; k2 < c.resistors().size(); ++k2)
            add(source_resistors, int(k2), c.resistors()[k2].a, c.resistors()[k2].b);
        for (std::size_t k2 = 0; k2 < c.nonlinear().size(); ++k2)
            add(source_elements, int(k2), c.nonlinear()[k2].a, c.nonlinear()[k2].b);
    }

    // The index of entry (row, col) among m's values (column-major, sorted rows), -1 for a
    // fixed node.
    static int value_index(const SpMat& m, int row, int col) {
        if (row < 0 || col < 0) return -1;
        const int* begin = m.innerIndexPtr() + m.outerIndexPtr()[col];
        const int* end = m.innerIndexPtr() + m.outerIndexPtr()[col + 1];
        return int(std::lower_bound(begin, end, row) - m.innerIndexPtr());
    }

    // Where each element's stamps sit among jac's and split's values.
    void find_slots() {
        auto slot = [&](int row, int col) { return value_index(jac, row, col); };
        slots.clear();
        for (const auto& e : c.nonlinear()) {
            const int ua = unknown[std::size_t(e.a)], ub = unknown[std::size_t(e.b)];
            const bool both = ua >= 0 && ub >= 0;
            slots.push_back({slot(ua, ua), slot(ub, ub), both ? slot(ua, ub) : -1, both ? slot(ub, ua) : -1});
        }
        // The split matrix: the resistors' stamps and a diagonal entry for every unknown.
        std::vector<Eigen::Triplet<double>> t;
        for (const auto& r : c.resistors()) stamp(r.a, r.b, 1.0 / r.ohm, t, false);
        for (int i = 0; i < n; ++i) t.emplace_back(i, i, 0.0);
        split_base.resize(n, n);
        split_base.setFromTriplets(t.begin(), t.end());
        split_base.makeCompressed();
        split = split_base;
        auto diagonal = [&](int u) { return value_index(split, u, u); };
        split_slots.clear();
        for (const auto& e : c.nonlinear())
            split_slots.push_back({diagonal(unknown[std::size_t(e.a)]), diagonal(unknown[std::size_t(e.b)])});
    }

    // Sets split = the resistors + the elements' conductances g on their nodes' diagonals.
    void assemble_split(const Eigen::VectorXd& g) const {
        std::copy(split_base.valuePtr(), split_base.valuePtr() + split_base.nonZeros(), split.valuePtr());
        double* value = split.valuePtr();
        for (std::size_t e = 0; e < split_slots.size(); ++e) {
            const double ge = g(Eigen::Index(e));
            if (split_slots[e][0] >= 0) value[split_slots[e][0]] += ge;
            if (split_slots[e][1] >= 0) value[split_slots[e][1]] += ge;
        }
    }

    // Numbers the free nodes in `order` first (skipping fixed ones), then any others.
    void number_unknowns(const std::vector<netlists::NodeId>& order) {
        n = 0;
        for (int& u : unknown) u = -1;
        auto take = [&](int v) {
            if (v > 0 && v < c.node_count() && source_of[std::size_t(v)] < 0 && unknown[std::size_t(v)] < 0)
                unknown[std::size_t(v)] = n++;
        };
        for (netlists::NodeId v : order) take(v);
        for (int v = 1; v < c.node_count(); ++v) take(v);
    }

    // Builds k (resistors, plus the nonlinear elements' pattern at zero) and the couplings.
    void assemble() {
        couplings.clear();
        std::vector<Eigen::Triplet<double>> t;
        t.reserve(4 * (c.resistors().size() + c.nonlinear().size()));
        for (const auto& r : c.resistors()) stamp(r.a, r.b, 1.0 / r.ohm, t, true);
        for (const auto& e : c.nonlinear()) stamp(e.a, e.b, 0.0, t, false);
        k.resize(n, n);
        k.setFromTriplets(t.begin(), t.end());
        k.makeCompressed();
    }

    // Adds conductance g between nodes a and b to the triplets (and fixed-node couplings).
    void stamp(int a, int b, double g, std::vector<Eigen::Triplet<double>>& t, bool couple) {
        const int ua = unknown[std::size_t(a)], ub = unknown[std::size_t(b)];
        if (ua >= 0) t.emplace_back(ua, ua, g);
        if (ub >= 0) t.emplace_back(ub, ub, g);
        if (ua >= 0 && ub >= 0) {
            t.emplace_back(ua, ub, -g);
            t.emplace_back(ub, ua, -g);
        }
        if (!couple) return;  // pattern-only stamps carry no coupling
        if (ua >= 0 && source_of[std::size_t(b)] >= 0) couplings.push_back({ua, source_of[std::size_t(b)], g});
        if (ub >= 0 && source_of[std::size_t(a)] >= 0) couplings.push_back({ub, source_of[std::size_t(a)], g});
    }

    // Right-hand side: currents the sources push into the unknowns through resistors, plus
    // any injected currents (node_count, A into each node).
    Eigen::VectorXd rhs(const Eigen::VectorXd& volt, const Eigen::VectorXd* injection) const {
        Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
        for (const Coupling& cp : couplings) b(cp.row) += cp.g * volt(cp.source);
        if (injection)
            for (int node = 1; node < c.node_count(); ++node)
                if (unknown[std::size_t(node)] >= 0) b(unknown[std::size_t(node)]) += (*injection)(node);
        return b;
    }

    Eigen::VectorXd full_voltages(const Eigen::VectorXd& x, const Eigen::VectorXd& volt) const {
        Eigen::VectorXd v = Eigen::VectorXd::Zero(c.node_count());
        for (int node = 1; node < c.node_count(); ++node) {
            const int u = unknown[std::size_t(node)];
            v(node) = u >= 0 ? x(u) : volt(source_of[std::size_t(node)]);
        }
        return v;
    }

    // Evaluates every nonlinear element at node voltages v: current a->b and dI/dV. The fresh
    // path calls current() and conductance(); the cached path current_and_conductance() (one
    // evaluation), and reuses the last solution's values where an element's voltage is that
    // solution's.
    void evaluate(const Eigen::VectorXd& v, Eigen::VectorXd& current, Eigen::VectorXd& conductance) const {
        const auto& elements = c.nonlinear();
        const auto count = std::ptrdiff_t(elements.size());
        current.resize(count);
        conductance.resize(count);
        const bool combined = options.newton == NewtonJacobian::cached;
        const bool reuse = combined && last_dv.size() == count;
#pragma omp parallel for schedule(static) if (count > 2048)
        for (std::ptrdiff_t e = 0; e < count; ++e) {
            const auto& el = elements[std::size_t(e)];
            const auto& model = *c.models()[std::size_t(el.model)];
            const double dv = v(el.a) - v(el.b);
            if (reuse && dv == last_dv(e)) {
                current(e) = last_current(e);
                conductance(e) = last_g(e);
            } else if (combined) {
                model.current_and_conductance(dv, el.parameter, current(e), conductance(e));
            } else {
                current(e) = model.current(dv, el.parameter);
                conductance(e) = model.conductance(dv, el.parameter);
            }
        }
    }

    // Sets jac = k + the elements' conductances (added in element order at each entry).
    void assemble_jacobian(const Eigen::VectorXd& g) const {
        std::copy(k.valuePtr(), k.valuePtr() + k.nonZeros(), jac.valuePtr());
        double* value = jac.valuePtr();
        for (std::size_t e = 0; e < slots.size(); ++e) {
            const double ge = g(Eigen::Index(e));
            const auto& s = slots[e];
            if (s[0] >= 0) value[s[0]] += ge;
            if (s[1] >= 0) value[s[1]] += ge;
            if (s[2] >= 0) {
                value[s[2]] -= ge;
                value[s[3]] -= ge;
            }
        }
    }

    // Net current leaving each unknown node at unknowns x (node voltages v), elements' currents given.
    Eigen::VectorXd residual(const Eigen::VectorXd& x, const Eigen::VectorXd& b, const Eigen::VectorXd& current) const {
        Eigen::VectorXd f = k * x - b;
        const auto& elements = c.nonlinear();
        for (std::size_t e = 0; e < elements.size(); ++e) {
            const int ua = unknown[std::size_t(elements[e].a)], ub = unknown[std::size_t(elements[e].b)];
            if (ua >= 0) f(ua) += current(Eigen::Index(e));
            if (ub >= 0) f(ub) -= current(Eigen::Index(e));
        }
        return f;
    }

    // One Newton linear solve jac x = r by the configured method; counts into `out`.
    void solve_linear(const Eigen::VectorXd& r, const Eigen::VectorXd& g, Eigen::VectorXd& x, NodalSolution& out) const {
        linalg::NewtonLinearSolve::Step s;
        if (options.newton == NewtonJacobian::fresh) {
            s = linear.solve_fresh(jac, r, x);
        } else {
            assemble_split(g);
            s = linear.solve_cached(jac, &split, r, x, options.cg_relative_residual, options.refactor_after_iterations);
        }
        out.cg_iterations += s.cg_iterations;
        out.factorizations += s.factorizations;
        if (!s.ok) throw NodalError(fmt::format("circuit '{}': singular Jacobian in Newton iteration", c.title()));
    }

    NodalSolution solve(const Eigen::VectorXd& volt, const Eigen::VectorXd* injection,
                        const Eigen::VectorXd* start_volt = nullptr) const {
        if (volt.size() != Eigen::Index(c.sources().size()))
            throw std::invalid_argument(fmt::format("circuit '{}' has {} sources, got {} voltages", c.title(),
                                                    c.sources().size(), volt.size()));
        if (injection && injection->size() != c.node_count())
            throw std::invalid_argument(fmt::format("circuit '{}' has {} nodes, got {} injected currents", c.title(),
                                                    c.node_count(), injection->size()));
        const auto start = std::chrono::steady_clock::now();
        NodalSolution out;
        const Eigen::VectorXd b = rhs(volt, injection);
        if (c.nonlinear().empty()) {
            out.node_volt = full_voltages(k_llt.solve(b), volt);
            out.iterations = 1;
            return finish(out, injection);
        }
        const bool cached = options.newton == NewtonJacobian::cached;
        out.warm_start = start_volt || (cached && options.warm_start && x_last.size() == n);
        Eigen::VectorXd current, g, x, dx;
        if (start_volt) {
            // Newton's first iteration below linearises at the given node voltages.
            x.resize(n);
            for (int node = 1; node < c.node_count(); ++node)
                if (const int u = unknown[std::size_t(node)]; u >= 0) {
                    x(u) = (*start_volt)(node);
                    if (!std::isfinite(x(u)))
                        throw std::invalid_argument(fmt::format("circuit '{}': start voltage of node {} is {}",
                                                                c.title(), c.node_name(node), x(u)));
                }
        } else if (out.warm_start) {
            // Start from the circuit linearised at the last solution (with these sources): one
            // Newton step from it, not limited, as the cold start's linear solve is not.
            evaluate(full_voltages(x_last, volt), current, g);
            assemble_jacobian(g);
            solve_linear(-residual(x_last, b, current), g, dx, out);
            x = x_last + dx;
        } else {
            // Start from the circuit linearised at zero bias across every element.
            evaluate(Eigen::VectorXd::Zero(c.node_count()), current, g);
            assemble_jacobian(g);
            solve_linear(b, g, x, out);
        }
        x_last.resize(0);  // until this solve converges
        for (int it = 1; it <= options.max_iterations; ++it) {
            check_time(start, fmt::format("before Newton iteration {}", it).c_str());
            evaluate(full_voltages(x, volt), current, g);
            const Eigen::VectorXd f = residual(x, b, current);
            assemble_jacobian(g);
            solve_linear(-f, g, dx, out);
            bool converged = true;
            for (Eigen::Index i = 0; i < n; ++i) {
                if (std::abs(dx(i)) > options.max_step_volt) {
                    dx(i) = std::copysign(options.max_step_volt, dx(i));
                    converged = false;
                } else if (std::abs(dx(i)) > options.abs_tol_volt + options.rel_tol * std::abs(x(i))) {
                    converged = false;
                }
            }
            x += dx;
            if (!dx.allFinite() || !x.allFinite())
                throw NodalError(fmt::format("circuit '{}': Newton iteration {} produced a non-finite voltage",
                                             c.title(), it));
            if (converged) {
                out.node_volt = full_voltages(x, volt);
                out.iterations = it;
                count(out);
                if (!cached) return finish(out, injection);
                // The elements at the solution: its source currents, and the next warm start.
                last_dv.resize(0);
                evaluate(out.node_volt, current, g);
                finish(out, injection, &current);
                keep_or_release(x, out.node_volt, current, g);
                return out;
            }
        }
        count(out);
        throw NodalError(fmt::format("circuit '{}': Newton did not converge in {} iterations", c.title(),
                                     options.max_iterations));
    }

    std::vector<NodalSolution> solve_block(const Eigen::MatrixXd& volt, const Eigen::MatrixXd* injection) const {
        if (!c.nonlinear().empty())
            throw std::logic_error(fmt::format("circuit '{}': block solves are for ohmic circuits", c.title()));
        const Eigen::Index k_count = volt.cols();
        if (volt.rows() != Eigen::Index(c.sources().size()) ||
            (injection && (injection->rows() != c.node_count() || injection->cols() != k_count)))
            throw std::invalid_argument(fmt::format(
                "circuit '{}' has {} sources and {} nodes, got {} x {} voltages and {} x {} injected currents", c.title(),
                c.sources().size(), c.node_count(), volt.rows(), k_count, injection ? injection->rows() : 0,
                injection ? injection->cols() : 0));
        // Right-hand sides as rhs() makes them, one row of the block at a time.
        RowMajorBlock x = RowMajorBlock::Zero(n, k_count);
        for (const Coupling& cp : couplings)
            for (Eigen::Index j = 0; j < k_count; ++j) x(cp.row, j) += cp.g * volt(cp.source, j);
        if (injection)
            for (int node = 1; node < c.node_count(); ++node)
                if (const int u = unknown[std::size_t(node)]; u >= 0)
                    for (Eigen::Index j = 0; j < k_count; ++j) x(u, j) += (*injection)(node, j);
        cholesky_block_solve(k_llt.matrixL().nestedExpression(), x);
        std::vector<NodalSolution> out(static_cast<std::size_t>(k_count));
        for (NodalSolution& s : out) {
            s.node_volt.setZero(c.node_count());
            s.iterations = 1;
        }
        for (int node = 1; node < c.node_count(); ++node) {
            const int u = unknown[std::size_t(node)];
            for (Eigen::Index j = 0; j < k_count; ++j)
                out[std::size_t(j)].node_volt(node) = u >= 0 ? x(u, j) : volt(source_of[std::size_t(node)], j);
        }
        for (Eigen::Index j = 0; j < k_count; ++j) {
            const Eigen::VectorXd inject = injection ? Eigen::VectorXd(injection->col(j)) : Eigen::VectorXd();
            finish(out[std::size_t(j)], injection ? &inject : nullptr);
        }
        return out;
    }

    void plan_source_currents(std::vector<std::size_t> sources) {
        if (!c.nonlinear().empty())
            throw std::logic_error(fmt::format("circuit '{}': source-current solves are for ohmic circuits", c.title()));
        // b may be nonzero wherever a source couples (any source's voltage may be nonzero);
        // the currents read the voltages at the far ends of their sources' resistors.
        if (planned && sources == planned_sources) return;
        std::vector<int> rhs_rows, wanted;
        for (const Coupling& cp : couplings) rhs_rows.push_back(cp.row);
        for (std::size_t s : sources) {
            if (s >= c.sources().size())
                throw std::invalid_argument(fmt::format("circuit '{}' has {} sources, asked for the current of source {}",
                                                        c.title(), c.sources().size(), s));
            for (const auto& [r, out] : source_resistors[s]) {
                const auto& res = c.resistors()[std::size_t(r)];
                for (int node : {res.a, res.b})
                    if (unknown[std::size_t(node)] >= 0) wanted.push_back(unknown[std::size_t(node)]);
            }
        }
        planned = PrunedSubstitution(k_llt.matrixL().nestedExpression(), rhs_rows, wanted);
        planned_sources = std::move(sources);
    }

    // finish()'s sum for the planned sources, on the unknowns x the plan computes: the same terms
    // in the same order, so bitwise its result.
    Eigen::VectorXd source_currents(const Eigen::VectorXd& volt) const {
        if (volt.size() != Eigen::Index(c.sources().size()))
            throw std::invalid_argument(fmt::format("circuit '{}' has {} sources, got {} voltages", c.title(),
                                                    c.sources().size(), volt.size()));
        if (!planned)
            throw std::logic_error(fmt::format("circuit '{}': no source currents planned", c.title()));
        Eigen::VectorXd x = rhs(volt, nullptr);
        planned->solve(k_llt.matrixL().nestedExpression(), x);
        auto v = [&](int node) {
            if (node == 0) return 0.0;
            const int u = unknown[std::size_t(node)];
            return u >= 0 ? x(u) : volt(source_of[std::size_t(node)]);
        };
        Eigen::VectorXd out(Eigen::Index(planned_sources.size()));
        for (std::size_t k2 = 0; k2 < planned_sources.size(); ++k2)
            out(Eigen::Index(k2)) = 0.0 - leaving_through_resistors(planned_sources[k2], v);
        return out;
    }

    void count(const NodalSolution& s) const {
        ++totals.solves;
        totals.newton_iterations += s.iterations;
        totals.cg_iterations += s.cg_iterations;
        totals.factorizations += s.factorizations;
        totals.warm_starts += s.warm_start ? 1 : 0;
    }

    // Keeps the factors, the solution x (node voltages v) and its element values for the next
    // solve when they fit the budget.
    void keep_or_release(const Eigen::VectorXd& x, const Eigen::VectorXd& v, const Eigen::VectorXd& current,
                         const Eigen::VectorXd& g) const {
        const double elements = double(c.nonlinear().size());
        const double bytes = double(linear.factor_bytes()) + (double(n) + 3.0 * elements) * double(sizeof(double));
        if (bytes <= options.cache_budget_mib * 1024.0 * 1024.0) {
            x_last = x;
            last_current = current;
            last_g = g;
            const auto& els = c.nonlinear();
            last_dv.resize(Eigen::Index(els.size()));
            for (std::size_t e = 0; e < els.size(); ++e) last_dv(Eigen::Index(e)) = v(els[e].a) - v(els[e].b);
        } else {
            clear();
        }
    }

    void clear() const {
        linear.release();
        x_last.resize(0);
        last_dv.resize(0);
    }

    // element_current: the nonlinear elements' currents at v when known, else evaluated.
    Eigen::VectorXd balance(const Eigen::VectorXd& v, const Eigen::VectorXd* element_current = nullptr) const {
        Eigen::VectorXd leaving = Eigen::VectorXd::Zero(c.node_count());
        for (const auto& r : c.resistors()) {
            const double i = (v(r.a) - v(r.b)) / r.ohm;
            leaving(r.a) += i;
            leaving(r.b) -= i;
        }
        const auto& elements = c.nonlinear();
        for (std::size_t k2 = 0; k2 < elements.size(); ++k2) {
            const auto& e = elements[k2];
            const double i = element_current ? (*element_current)(Eigen::Index(k2))
                                             : c.models()[std::size_t(e.model)]->current(v(e.a) - v(e.b), e.parameter);
            leaving(e.a) += i;
            leaving(e.b) -= i;
        }
        return leaving;
    }

    // The current the resistors at source k2's node carry away from it, summed in finish()'s
    // order; volt(node): the node's voltage.
    template <class NodeVolt>
    double leaving_through_resistors(std::size_t k2, const NodeVolt& volt) const {
        double leaving = 0.0;
        for (const auto& [r, out] : source_resistors[k2]) {
            const auto& res = c.resistors()[std::size_t(r)];
            const double i = (volt(res.a) - volt(res.b)) / res.ohm;
            leaving = out ? leaving + i : leaving - i;
        }
        return leaving;
    }

    // Source currents from Kirchhoff's current law at each source's node: what the elements
    // draw out of it, less what is injected there. The sum at each source's node is balance()'s
    // (the same terms in the same order), over that node's branches only.
    NodalSolution& finish(NodalSolution& s, const Eigen::VectorXd* injection,
                          const Eigen::VectorXd* element_current = nullptr) const {
        const Eigen::VectorXd& v = s.node_volt;
        s.source_current.resize(Eigen::Index(c.sources().size()));
        for (std::size_t k2 = 0; k2 < c.sources().size(); ++k2) {
            double leaving = leaving_through_resistors(k2, [&](int node) { return v(node); });
            for (const auto& [e, out] : source_elements[k2]) {
                const auto& el = c.nonlinear()[std::size_t(e)];
                const double i = element_current ? (*element_current)(e)
                                                 : c.models()[std::size_t(el.model)]->current(v(el.a) - v(el.b), el.parameter);
                leaving = out ? leaving + i : leaving - i;
            }
            const int p = c.sources()[k2].p;
            s.source_current(Eigen::Index(k2)) = (injection ? (*injection)(p) : 0.0) - leaving;
        }
        return s;
    }

    Eigen::VectorXd circuit_volts() const {
        Eigen::VectorXd v(Eigen::Index(c.sources().size()));
        for (std::size_t k2 = 0; k2 < c.sources().size(); ++k2) v(Eigen::Index(k2)) = c.sources()[k2].volt;
        return v;
    }
};

NodalSolver::NodalSolver(const Circuit& circuit, NodalOptions options)
    : impl_(std::make_unique<Impl>(circuit, options)) {}
NodalSolver::~NodalSolver() = default;

NodalSolution NodalSolver::solve() const { return impl_->solve(impl_->circuit_volts(), nullptr); }

NodalSolution NodalSolver::solve(const Eigen::VectorXd& source_volt, const Eigen::VectorXd* injection) const {
    return impl_->solve(source_volt, injection);
}

NodalSolution NodalSolver::solve_from(const Eigen::VectorXd& start_volt) const {
    if (start_volt.size() != impl_->c.node_count())
        throw std::invalid_argument(fmt::format("circuit '{}' has {} nodes, got {} start voltages", impl_->c.title(),
                                                impl_->c.node_count(), start_volt.size()));
    return impl_->solve(impl_->circuit_volts(), nullptr, &start_volt);
}

std::vector<NodalSolution> NodalSolver::solve_block(const Eigen::MatrixXd& source_volt,
                                                    const Eigen::MatrixXd* injection) const {
    return impl_->solve_block(source_volt, injection);
}

void NodalSolver::plan_source_currents(std::vector<std::size_t> sources) {
    impl_->plan_source_currents(std::move(sources));
}

Eigen::VectorXd NodalSolver::source_currents() const { return impl_->source_currents(impl_->circuit_volts()); }

Eigen::VectorXd NodalSolver::source_currents(const Eigen::VectorXd& source_volt) const {
    return impl_->source_currents(source_volt);
}

std::pair<long, long> NodalSolver::planned_entries() const {
    if (!impl_->planned) return {0L, 0L};
    return {impl_->planned->forward_entries(), impl_->planned->backward_entries()};
}

Eigen::VectorXd NodalSolver::resistor_currents(const NodalSolution& s) const {
    const auto& rs = impl_->c.resistors();
    Eigen::VectorXd out(Eigen::Index(rs.size()));
    for (std::size_t k = 0; k < rs.size(); ++k)
        out(Eigen::Index(k)) = (s.node_volt(rs[k].a) - s.node_volt(rs[k].b)) / rs[k].ohm;
    return out;
}

Eigen::VectorXd NodalSolver::nonlinear_currents(const NodalSolution& s) const {
    Eigen::VectorXd i, g;
    impl_->evaluate(s.node_volt, i, g);
    return i;
}

Eigen::VectorXd NodalSolver::node_current_balance(const NodalSolution& s) const {
    return impl_->balance(s.node_volt);
}

int NodalSolver::unknowns() const { return impl_->n; }
long NodalSolver::factor_nonzeros() const {
    return impl_->c.nonlinear().empty() ? long(impl_->k_llt.matrixL().nestedExpression().nonZeros()) : 0L;
}
double NodalSolver::ohmic_bytes() const {
    const Impl& m = *impl_;
    const double index = sizeof(int), value = sizeof(double);
    // Compressed columns: values and row indices per nonzero, a pointer per column; Eigen's
    // simplicial factorisation also keeps an elimination tree and a count per column.
    const double sparse = double(m.k.nonZeros()) * (value + index) + double(m.n + 1) * index;
    const double factor = double(factor_nonzeros()) * (value + index) + double(m.n + 1) * index + 2.0 * m.n * index;
    return sparse + factor + double(m.unknown.size() + m.source_of.size()) * index +
           double(m.couplings.size()) * sizeof(Impl::Coupling) +
           (m.planned ? m.planned->bytes() + double(m.planned_sources.capacity()) * sizeof(std::size_t) : 0.0);
}
bool NodalSolver::nonlinear() const { return !impl_->c.nonlinear().empty(); }
NodalCounts NodalSolver::counts() const { return impl_->totals; }
void NodalSolver::clear_cache() { impl_->clear(); }

}  // namespace kirchhoff::cosim
