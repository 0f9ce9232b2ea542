// Nodal analysis with Eigen: ohmic factorisation once, Newton for nonlinear elements.
#include "cosim/nodal_solver.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <fmt/format.h>

namespace kirchhoff::cosim {

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
    mutable std::optional<Llt> jac_llt;
    mutable std::optional<Eigen::SparseLU<SpMat>> jac_lu;

    Impl(const Circuit& circuit, NodalOptions o) : c(circuit), options(o) {
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
        }
        assemble();
        if (c.nonlinear().empty()) {
            k_llt.compute(k);
            if (k_llt.info() != Eigen::Success)
                throw NodalError(fmt::format("circuit '{}': the conductance matrix is singular (a node without a "
                                             "path to any source?)", c.title()));
        } else {
            jac = k;  // same pattern: the nonlinear stamps were added with zero value
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

    // Evaluates every nonlinear element at node voltages v: current a->b and dI/dV.
    void evaluate(const Eigen::VectorXd& v, Eigen::VectorXd& current, Eigen::VectorXd& conductance) const {
        const auto& elements = c.nonlinear();
        const auto count = std::ptrdiff_t(elements.size());
        current.resize(count);
        conductance.resize(count);
#pragma omp parallel for schedule(static) if (count > 2048)
        for (std::ptrdiff_t e = 0; e < count; ++e) {
            const auto& el = elements[std::size_t(e)];
            const auto& model = *c.models()[std::size_t(el.model)];
            const double dv = v(el.a) - v(el.b);
            current(e) = model.current(dv, el.parameter);
            conductance(e) = model.conductance(dv, el.parameter);
        }
    }

    Eigen::VectorXd solve_jacobian(const Eigen::VectorXd& b) const {
        if (!jac_llt) {
            jac_llt.emplace();
            jac_llt->analyzePattern(jac);
        }
        jac_llt->factorize(jac);
        if (jac_llt->info() == Eigen::Success) return jac_llt->solve(b);
        if (!jac_lu) {
            jac_lu.emplace();
            jac_lu->analyzePattern(jac);
        }
        jac_lu->factorize(jac);
        if (jac_lu->info() != Eigen::Success)
            throw NodalError(fmt::format("circuit '{}': singular Jacobian in Newton iteration", c.title()));
        return jac_lu->solve(b);
    }

    // Sets jac = k + the elements' conductances.
    void assemble_jacobian(const Eigen::VectorXd& g) const {
        std::copy(k.valuePtr(), k.valuePtr() + k.nonZeros(), jac.valuePtr());
        const auto& elements = c.nonlinear();
        for (std::size_t e = 0; e < elements.size(); ++e) {
            const int ua = unknown[std::size_t(elements[e].a)], ub = unknown[std::size_t(elements[e].b)];
            const double ge = g(Eigen::Index(e));
            if (ua >= 0) jac.coeffRef(ua, ua) += ge;
            if (ub >= 0) jac.coeffRef(ub, ub) += ge;
            if (ua >= 0 && ub >= 0) {
                jac.coeffRef(ua, ub) -= ge;
                jac.coeffRef(ub, ua) -= ge;
            }
        }
    }

    NodalSolution solve(const Eigen::VectorXd& volt, const Eigen::VectorXd* injection) const {
        if (volt.size() != Eigen::Index(c.sources().size()))
            throw std::invalid_argument(fmt::format("circuit '{}' has {} sources, got {} voltages", c.title(),
                                                    c.sources().size(), volt.size()));
        if (injection && injection->size() != c.node_count())
            throw std::invalid_argument(fmt::format("circuit '{}' has {} nodes, got {} injected currents", c.title(),
                                                    c.node_count(), injection->size()));
        NodalSolution out;
        const Eigen::VectorXd b = rhs(volt, injection);
        if (c.nonlinear().empty()) {
            out.node_volt = full_voltages(k_llt.solve(b), volt);
            out.iterations = 1;
            return finish(out, injection);
        }
        // Start from the circuit linearised at zero bias across every element.
        Eigen::VectorXd current, g;
        evaluate(Eigen::VectorXd::Zero(c.node_count()), current, g);
        assemble_jacobian(g);
        Eigen::VectorXd x = solve_jacobian(b);
        for (int it = 1; it <= options.max_iterations; ++it) {
            const Eigen::VectorXd v = full_voltages(x, volt);
            evaluate(v, current, g);
            // Residual: net current leaving each unknown node.
            Eigen::VectorXd f = k * x - b;
            const auto& elements = c.nonlinear();
            for (std::size_t e = 0; e < elements.size(); ++e) {
                const int ua = unknown[std::size_t(elements[e].a)], ub = unknown[std::size_t(elements[e].b)];
                if (ua >= 0) f(ua) += current(Eigen::Index(e));
                if (ub >= 0) f(ub) -= current(Eigen::Index(e));
            }
            assemble_jacobian(g);
            Eigen::VectorXd dx = solve_jacobian(-f);
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
                return finish(out, injection);
            }
        }
        throw NodalError(fmt::format("circuit '{}': Newton did not converge in {} iterations", c.title(),
                                     options.max_iterations));
    }

    Eigen::VectorXd balance(const Eigen::VectorXd& v) const {
        Eigen::VectorXd leaving = Eigen::VectorXd::Zero(c.node_count());
        for (const auto& r : c.resistors()) {
            const double i = (v(r.a) - v(r.b)) / r.ohm;
            leaving(r.a) += i;
            leaving(r.b) -= i;
        }
        for (const auto& e : c.nonlinear()) {
            const double i = c.models()[std::size_t(e.model)]->current(v(e.a) - v(e.b), e.parameter);
            leaving(e.a) += i;
            leaving(e.b) -= i;
        }
        return leaving;
    }

    // Source currents from Kirchhoff's current law at each source's node: what the elements
    // draw out of it, less what is injected there.
    NodalSolution& finish(NodalSolution& s, const Eigen::VectorXd* injection) const {
        const Eigen::VectorXd leaving = balance(s.node_volt);
        s.source_current.resize(Eigen::Index(c.sources().size()));
        for (std::size_t k2 = 0; k2 < c.sources().size(); ++k2) {
            const int p = c.sources()[k2].p;
            s.source_current(Eigen::Index(k2)) = (injection ? (*injection)(p) : 0.0) - leaving(p);
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
bool NodalSolver::nonlinear() const { return !impl_->c.nonlinear().empty(); }

}  // namespace kirchhoff::cosim
