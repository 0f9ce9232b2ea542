// Kirchhoff's own DC solver: nodal analysis of a netlists::Circuit with Eigen sparse matrices.
//
// Grounded voltage sources fix their nodes; every other node is an unknown. Resistors give a
// symmetric positive definite conductance matrix K, factorised once (sparse Cholesky,
// simplicial LL^T, in the caller's elimination order, e.g. a crossbar's nested dissection,
// or AMD). Ohmic circuits are then one solve per input vector, and
// a new input vector reuses the factorisation (only the right-hand side changes). Nonlinear
// two-terminal elements are solved by Newton's method on K plus their small-signal
// conductances, with the symbolic analysis done once. Each Newton step's linear solve is
// either a fresh factorisation (sparse LU when the Jacobian is not positive definite) or,
// by default, conjugate gradients preconditioned by factors cached in the solver
// (linalg/newton_linear_solve.hpp), so a solver that reads the same programmed tile again and again
// (an MVM engine) pays a full factorisation only when CG stalls; optionally a solve starts
// from the circuit linearised at the previous solution. Results of the cached path depend on
// the solves before it only within the Newton tolerance, and only through the order of the
// calls (deterministic at any thread count; clear_cache() makes a replay bitwise equal).
//
// Results use ngspice's conventions, so the two solvers compare directly: node voltages, and
// source currents i(V) flowing from the source's + node through the source to ground.
// Concurrent solve() calls on one object are safe for ohmic circuits only; solves of different
// objects may always run in parallel. Device evaluations inside one Newton step use OpenMP.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "netlists/circuit.hpp"

namespace kirchhoff::cosim {

/// Newton did not converge, or the circuit is singular (a node with no path to a source).
class NodalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// How Newton's linear systems are solved (linalg/newton_linear_solve.hpp).
enum class NewtonJacobian {
    fresh,   // factorise every Jacobian, start every solve from zero bias: the reference
    cached,  // CG preconditioned by cached factors (linalg/newton_linear_solve.hpp)
};

struct NodalOptions {
    int max_iterations = 100;      // Newton iterations before giving up
    double abs_tol_volt = 1e-12;   // converged when every |dv| <= abs_tol + rel_tol * |v|
    double rel_tol = 1e-10;
    double max_step_volt = 0.1;    // Newton steps are limited to this per node (sinh/exp I-Vs)
    /// Elimination order of the nodes (e.g. netlists::nested_dissection_order for a crossbar);
    /// fixed nodes in it are skipped, free nodes missing from it go last. Empty: AMD.
    std::vector<netlists::NodeId> ordering;
    NewtonJacobian newton = NewtonJacobian::cached;
    /// cached: start from the circuit linearised at the last solution (else at zero bias, as
    /// the fresh path does). Pays off when successive inputs are alike.
    bool warm_start = false;
    /// cached: memory (MiB) the solver keeps between solves: its cached factors (split, and
    /// full once needed), the last solution and its elements' values; when they need more,
    /// all are dropped after each solve (the next refactorises). Config key
    /// solver.nodal_cache_mib.
    double cache_budget_mib = 64.0;
    /// cached: CG stops at |r|_2 <= this x |F|_2 (so each Newton update is accurate to about
    /// this relative size, and the convergence test on the update is the fresh path's).
    double cg_relative_residual = 1e-3;
    /// cached: CG iterations after which the current Jacobian is factorised and cached.
    int refactor_after_iterations = 20;
    /// Time limit (s) of the set-up (ordering, factorisation) and, separately, of each
    /// solve(), checked between steps (after the ordering, the symbolic and the numeric
    /// factorisation, each Newton iteration); 0: none. Config key solver.timeout_s. One step
    /// is not interrupted: a limit is overrun by at most one factorisation.
    double timeout_s = 0.0;
};

struct NodalSolution {
    Eigen::VectorXd node_volt;       // (node_count), ground included (= 0)
    Eigen::VectorXd source_current;  // (sources) i(V): from the + node through the source to ground
    int iterations = 0;              // Newton iterations (1 for ohmic circuits)
    int cg_iterations = 0;           // CG iterations over all linear solves (cached path)
    int factorizations = 0;          // numeric factorisations done by this solve
    bool warm_start = false;         // started from the previous solution (cached path) or a given start
};

/// Running totals of a solver's solves (nonlinear circuits).
struct NodalCounts {
    long solves = 0;
    long newton_iterations = 0;
    long cg_iterations = 0;
    long factorizations = 0;
    long warm_starts = 0;
    NodalCounts& operator+=(const NodalCounts& o) {
        solves += o.solves;
        newton_iterations += o.newton_iterations;
        cg_iterations += o.cg_iterations;
        factorizations += o.factorizations;
        warm_starts += o.warm_starts;
        return *this;
    }
};

class NodalSolver {
public:
    /// Analyses and (for the ohmic part) factorises the circuit. The circuit must outlive the
    /// solver; its source voltages may change between solves, its elements may not.
    explicit NodalSolver(const netlists::Circuit& circuit, NodalOptions options = {});
    ~NodalSolver();
    NodalSolver(const NodalSolver&) = delete;
    NodalSolver& operator=(const NodalSolver&) = delete;

    /// Solves with the circuit's current source voltages. Throws NodalError.
    NodalSolution solve() const;
    /// Solves with these source voltages (sources, in circuit order) instead, and optionally
    /// currents injected into nodes ((node_count) A into each node; at a source's node they
    /// reduce that source's current). For ohmic circuits this is const and safe to call from
    /// several threads at once (the factorisation is only read); not for nonlinear ones.
    NodalSolution solve(const Eigen::VectorXd& source_volt, const Eigen::VectorXd* injection = nullptr) const;
    /// Solves with the circuit's current source voltages like solve(), Newton starting from the
    /// node voltages `start_volt` ((node_count) V; the entries of fixed nodes are ignored)
    /// instead of the circuit linearised at zero bias: its first step linearises there, and
    /// its convergence test is the one of every solve, so the start changes the iterations,
    /// not the answer beyond the Newton tolerance. A start near the solution (a surrogate's
    /// answer for the same input) saves the iterations a zero-bias start needs to get there.
    /// Both Newton paths; ohmic circuits ignore the start. std::invalid_argument for a wrong
    /// size or a non-finite voltage at a free node.
    NodalSolution solve_from(const Eigen::VectorXd& start_volt) const;
    /// Ohmic circuits: K solves at once, the source voltages in the columns of source_volt
    /// (sources, K) and optionally injected currents in the columns of injection (node_count,
    /// K), on one pass over the factorisation (linalg/cholesky_block_solve.hpp). Solution k equals
    /// solve(source_volt.col(k), injection column k) up to the sign of zeros; const and safe
    /// from several threads at once like solve(). std::logic_error for a nonlinear circuit.
    std::vector<NodalSolution> solve_block(const Eigen::MatrixXd& source_volt,
                                           const Eigen::MatrixXd* injection = nullptr) const;

    /// Ohmic circuits: plans solves of the currents of `sources` alone (indices in circuit
    /// order, e.g. a crossbar's sense sources), replacing an earlier plan of other sources (the
    /// same sources again: nothing to do): the substitutions are restricted to the factor
    /// entries those currents need (linalg/pruned_substitution.hpp). The plan depends on the circuit
    /// only, not on its source voltages. std::logic_error for a nonlinear circuit,
    /// std::invalid_argument for a bad index.
    void plan_source_currents(std::vector<std::size_t> sources);
    /// The planned sources' currents (A, in the order planned) for these source voltages (or
    /// the circuit's own): bitwise solve(source_volt).source_current at those sources. const
    /// and safe from several threads at once like solve(); std::logic_error when nothing is
    /// planned.
    Eigen::VectorXd source_currents() const;
    Eigen::VectorXd source_currents(const Eigen::VectorXd& source_volt) const;
    /// Factor entries the planned solve reads in its forward and backward passes (the full
    /// substitution reads factor_nonzeros() in each); {0, 0} when nothing is planned.
    std::pair<long, long> planned_entries() const;

    /// Currents (A) through each resistor (a -> b) and each nonlinear element, in circuit order.
    Eigen::VectorXd resistor_currents(const NodalSolution& s) const;
    Eigen::VectorXd nonlinear_currents(const NodalSolution& s) const;
    /// Net current leaving each node through the elements (A), (node_count): zero at every
    /// node without a source (Kirchhoff's current law), the source's current elsewhere.
    Eigen::VectorXd node_current_balance(const NodalSolution& s) const;

    int unknowns() const;
    /// Nonzeros of the Cholesky factor of the ohmic part (its memory: 12 bytes each), 0 when
    /// only the Newton Jacobian is factorised.
    long factor_nonzeros() const;
    /// Bytes the solver holds between solves for an ohmic circuit (its conductance matrix, the
    /// Cholesky factor, the numbering and a source-current plan; not the circuit, nor a
    /// nonlinear solver's caches).
    double ohmic_bytes() const;
    bool nonlinear() const;
    /// Totals over every nonlinear solve so far.
    NodalCounts counts() const;
    /// Drops the cached factor and last solution: the next solve starts cold, as the first did.
    void clear_cache();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace kirchhoff::cosim
