// Kirchhoff's own DC solver: nodal analysis of a netlists::Circuit with Eigen sparse matrices.
//
// Grounded voltage sources fix their nodes; every other node is an unknown. Resistors give a
// symmetric positive definite conductance matrix K, factorised once (sparse Cholesky,
// simplicial LL^T, in the caller's elimination order, e.g. a crossbar's nested dissection,
// or AMD). Ohmic circuits are then one solve per input vector, and
// a new input vector reuses the factorisation (only the right-hand side changes). Nonlinear
// two-terminal elements are solved by Newton's method on K plus their small-signal
// conductances, with the symbolic analysis done once; the Jacobian falls back to sparse LU
// when it is not positive definite (a negative differential conductance).
//
// Results use ngspice's conventions, so the two solvers compare directly: node voltages, and
// source currents i(V) flowing from the source's + node through the source to ground.
// Concurrent solve() calls on one object are safe for ohmic circuits only; solves of different
// objects may always run in parallel. Device evaluations inside one Newton step use OpenMP.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "netlists/circuit.hpp"

namespace kirchhoff::cosim {

/// Newton did not converge, or the circuit is singular (a node with no path to a source).
class NodalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NodalOptions {
    int max_iterations = 100;      // Newton iterations before giving up
    double abs_tol_volt = 1e-12;   // converged when every |dv| <= abs_tol + rel_tol * |v|
    double rel_tol = 1e-10;
    double max_step_volt = 0.1;    // Newton steps are limited to this per node (sinh/exp I-Vs)
    /// Elimination order of the nodes (e.g. netlists::nested_dissection_order for a crossbar);
    /// fixed nodes in it are skipped, free nodes missing from it go last. Empty: AMD.
    std::vector<netlists::NodeId> ordering;
};

struct NodalSolution {
    Eigen::VectorXd node_volt;       // (node_count), ground included (= 0)
    Eigen::VectorXd source_current;  // (sources) i(V): from the + node through the source to ground
    int iterations = 0;              // Newton iterations (1 for ohmic circuits)
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
    bool nonlinear() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace kirchhoff::cosim
