// A tile's circuit solve by the configured method, with the iterative solver's fallback (tile_solver.hpp).
#include "cosim/tile_solver.hpp"

#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "cosim/crossbar_solve.hpp"
#include "cosim/solve_memory.hpp"
#include "cosim/surrogate_start.hpp"
#include "params/error.hpp"

namespace kirchhoff::cosim {

netlists::SolverMethod method_in_force(const netlists::CrossbarConfig& config, std::string* reason) {
    using netlists::SolverMethod;
    const std::string why = CrossbarIterativeSolver::unsupported(config.spec);
    if (reason) *reason = why;
    if (config.solver_method == SolverMethod::direct || !why.empty()) return SolverMethod::direct;
    if (config.solver_method == SolverMethod::iterative) return SolverMethod::iterative;
    const auto& s = config.spec;
    const double cells = double(s.rows) * double(s.physical_cols()) * double(s.arrays());
    return cells >= netlists::iterative_min_cells ? SolverMethod::iterative : SolverMethod::direct;
}

bool same_circuit_settings(const netlists::CrossbarConfig& a, const netlists::CrossbarConfig& b) {
    netlists::CrossbarConfig same = b;
    same.g_min_siemens = a.g_min_siemens;
    same.g_max_siemens = a.g_max_siemens;
    same.v_read_volt = a.v_read_volt;
    same.seed = a.seed;
    return same == a;
}

TileCircuitSolver::TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells)
    : config_(config), cells_(std::move(cells)) {
    choose_method();
}

void TileCircuitSolver::choose_method() {
    use_iterative_ = method_in_force(config_, &not_iterative_) == netlists::SolverMethod::iterative;
    if (config_.solver_method != netlists::SolverMethod::iterative) not_iterative_.clear();  // nothing to report
    else if (!not_iterative_.empty()) not_iterative_ = "the iterative solver does not handle " + not_iterative_;
}

void TileCircuitSolver::reprogram(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells,
                                  std::shared_ptr<const LineRelaxation> start) {
    if (!same_circuit_settings(config_, config))
        throw std::invalid_argument("TileCircuitSolver::reprogram: the tile's circuit or solver settings differ");
    if (xbar_) xbar_->set_cells(cells);  // checks the cells first
    config_ = config;
    cells_ = std::move(cells);
    start_ = std::move(start);
    choose_method();
    iterative_.reset();
    if (direct_ && direct_->nonlinear()) {
        direct_->clear_cache();  // the analysis is the circuit's, not its values'
    } else if (direct_) {
        direct_counts_ += direct_->counts();
        direct_.reset();  // ohmic: K's values changed
    }
}

TileCircuitSolver::TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells,
                                     TileFactor factor)
    : TileCircuitSolver(config, std::move(cells)) {
    if (use_iterative_ || !not_iterative_.empty())
        throw std::invalid_argument("TileCircuitSolver: a kept factorisation serves the direct method only");
    if (!factor.xbar || !factor.solver || factor.solver->nonlinear() || factor.xbar->spec.rows != config_.spec.rows ||
        factor.xbar->spec.physical_cols() != config_.spec.physical_cols() ||
        factor.xbar->spec.arrays() != config_.spec.arrays())
        throw std::invalid_argument("TileCircuitSolver: the kept factorisation is not of an ohmic tile of this spec");
    xbar_ = std::move(factor.xbar);
    direct_ = std::move(factor.solver);
    plan_sense_currents(*direct_, *xbar_);  // usually planned already (tile_surrogate.cpp)
}

TileCircuitSolver::TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells,
                                     std::shared_ptr<const LineRelaxation> start)
    : TileCircuitSolver(config, std::move(cells)) {
    start_ = std::move(start);
}

TileCircuitSolver::~TileCircuitSolver() = default;

Eigen::VectorXd TileCircuitSolver::solve_direct(const Eigen::VectorXd& v, TileSolveReport& r) {
    if (!direct_) {
        if (r.fell_back) {
            // The direct solver needs far more memory than the iterative one: check first.
            try {
                check_memory_budget(config_, "nodal");
            } catch (const InputError& e) {
                throw NodalError(fmt::format("{}; the direct solver cannot take over: {}", r.fallback_reason, e.what()));
            }
        }
        if (!xbar_)
            xbar_ = std::make_unique<netlists::CrossbarCircuit>(netlists::build_crossbar(
                config_.spec, cells_, Eigen::VectorXd::Zero(config_.spec.rows), "tile circuit"));
        if (ordering_.empty()) ordering_ = netlists::nested_dissection_order(*xbar_);
        NodalOptions o;
        o.ordering = ordering_;
        o.newton = config_.nodal_cached ? NewtonJacobian::cached : NewtonJacobian::fresh;
        o.cache_budget_mib = config_.nodal_cache_mib;
        o.timeout_s = config_.timeout_s;
        direct_ = std::make_unique<NodalSolver>(xbar_->circuit, o);
        if (!direct_->nonlinear()) plan_sense_currents(*direct_, *xbar_);
    }
    xbar_->set_inputs(v);
    r.method = "direct";
    if (!direct_->nonlinear()) {
        // Ohmic: only the sense currents, bitwise those of the full solve (crossbar_solve.hpp).
        r.newton_iterations = 1;
        return planned_sense_currents(*direct_, *xbar_);
    }
    std::optional<Eigen::VectorXd> start;
    if (start_) {
        try {
            LineRelaxationNodes nodes;
            start_->sense_currents(v, nullptr, &nodes);
            start = surrogate_start_voltages(*xbar_, nodes);
        } catch (const NodalError&) {
            // The line relaxation did not converge on this input: Newton starts from zero bias.
        }
    }
    const NodalSolution s = start ? direct_->solve_from(*start) : direct_->solve();
    r.newton_iterations = s.iterations;
    r.cg_iterations = s.cg_iterations;
    return cosim::sense_currents(*xbar_, s);
}

Eigen::VectorXd TileCircuitSolver::sense_currents(const Eigen::VectorXd& v, TileSolveReport* report) {
    TileSolveReport r;
    if (!not_iterative_.empty()) {
        r.fell_back = true;
        r.fallback_reason = not_iterative_;
    }
    Eigen::VectorXd out;
    if (use_iterative_) {
        try {
            if (!iterative_) {
                IterativeOptions o;
                o.tolerance = config_.iterative_tolerance;
                o.max_iterations = config_.iterative_max_iterations;
                o.timeout_s = config_.timeout_s;
                iterative_ = std::make_unique<CrossbarIterativeSolver>(config_.spec, cells_, o);
            }
            IterativeStats s;
            out = iterative_->sense_currents(v, &s);
            r.method = "iterative";
            r.newton_iterations = s.newton_iterations;
            r.cg_iterations = s.cg_iterations;
            r.relative_residual = s.relative_residual;
            ++iterative_counts_.solves;
            iterative_counts_.newton_iterations += s.newton_iterations;
            iterative_counts_.cg_iterations += s.cg_iterations;
        } catch (const IterativeStall& e) {
            // Stalled: this tile goes to the direct solver from now on, and says why.
            use_iterative_ = false;
            iterative_.reset();
            not_iterative_ = fmt::format("the iterative solver stalled ({})", e.what());
            r.fell_back = true;
            r.fallback_reason = not_iterative_;
        }
    }
    if (!use_iterative_) out = solve_direct(v, r);
    if (report) *report = r;
    return out;
}

Eigen::MatrixXd TileCircuitSolver::outputs(const Eigen::MatrixXd& v, std::vector<TileSolveReport>* reports) {
    Eigen::MatrixXd out(config_.spec.cols, v.cols());
    if (reports) reports->assign(std::size_t(v.cols()), {});
    for (Eigen::Index k = 0; k < v.cols(); ++k) {
        TileSolveReport r;
        out.col(k) = netlists::logical_outputs(config_.spec, sense_currents(v.col(k), &r));
        if (reports) (*reports)[std::size_t(k)] = r;
    }
    return out;
}

NodalCounts TileCircuitSolver::counts() const {
    NodalCounts c = direct_counts_;
    if (direct_) c += direct_->counts();
    c += iterative_counts_;
    return c;
}

void TileCircuitSolver::restart() {
    if (direct_) direct_->clear_cache();
}

}  // namespace kirchhoff::cosim
