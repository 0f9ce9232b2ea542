// The nodal engine's circuit solve of one programmed tile by the method solver.method names:
// the direct nodal solver (nodal_solver.hpp, a sparse factorisation), the iterative solver
// (iterative_solver.hpp, preconditioned CG), or auto (iterative on tiles of at least
// netlists::iterative_min_cells cells that it supports, direct below). When the iterative
// solver stalls (or cannot take the tile) the direct one solves instead, and the report says
// so and why: a fallback is never silent. After a stall the tile stays on the direct solver.
//
// One set-up serves every input vector: the direct solver's factorisation (and its Newton
// cache) or the iterative solver's line and coarse factors are made once, by the first solve,
// and reused by each vector of a batch. Direct results of a batch are bitwise those of the
// same vectors solved one by one on a fresh solver for ohmic cells (one factorisation, one
// substitution each); device cells on the direct solver's cached Newton path carry its cache
// from one vector to the next (nodal_solver.hpp), within its Newton tolerance. Iterative
// results do not depend on the vectors before (each solve starts from zero).
// Not thread-safe: one object per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "cosim/iterative_solver.hpp"
#include "cosim/line_relaxation.hpp"
#include "cosim/nodal_solver.hpp"
#include "cosim/tile_factor.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::cosim {

/// What produced one solve's result.
struct TileSolveReport {
    std::string method;           // "direct" or "iterative"
    bool fell_back = false;       // the iterative solver was asked for but the direct one solved
    std::string fallback_reason;  // why (its stall message, or why it cannot take the tile)
    int newton_iterations = 0;    // 1 for ohmic cells
    int cg_iterations = 0;        // iterative: CG iterations over all linear solves
    double relative_residual = 0; // iterative: |b - A x|_2 / |b|_2 at the end (recomputed)
};

/// The method `config` asks for, resolved for its tile: direct or iterative (auto decided).
/// `reason` (optional) receives why the iterative solver cannot take the tile, when it cannot.
netlists::SolverMethod method_in_force(const netlists::CrossbarConfig& config, std::string* reason = nullptr);

/// Whether a solver of tiles of config `a` can take tiles of config `b` (reprogram()): the same
/// circuit and solver settings; only what programming alone reads (the conductance window, the
/// read voltage, the random tile's seed) may differ.
bool same_circuit_settings(const netlists::CrossbarConfig& a, const netlists::CrossbarConfig& b);

class TileCircuitSolver {
public:
    /// `cells` as netlists::program_cells makes them; nothing is solved or factorised yet.
    TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells);
    /// The direct solver on a factorisation already made of this tile's circuit (ohmic cells,
    /// the surrogate's, tile_factor.hpp): solves are substitutions, bitwise those of a fresh
    /// solver. std::invalid_argument unless the method in force is direct and `factor` holds
    /// an ohmic circuit of the configured spec.
    TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells, TileFactor factor);
    /// Device cells: the direct solver's Newton starts from `start`'s solution of each input
    /// (the line relaxation of the same tile, surrogate_start.hpp) instead of zero bias; when
    /// the line relaxation fails on an input, that solve starts from zero bias. The iterative
    /// solver ignores it.
    TileCircuitSolver(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells,
                      std::shared_ptr<const LineRelaxation> start);
    ~TileCircuitSolver();

    /// Sense currents (arrays * physical cols, A) for row voltages v (rows, V). Throws
    /// NodalError when the direct solver fails too.
    Eigen::VectorXd sense_currents(const Eigen::VectorXd& v_volt, TileSolveReport* report = nullptr);
    /// Logical outputs (cols, K) for the K input vectors in the columns of v (rows, K), on one
    /// set-up; reports (K) per vector when given.
    Eigen::MatrixXd outputs(const Eigen::MatrixXd& v_volt, std::vector<TileSolveReport>* reports = nullptr);

    const netlists::CrossbarConfig& config() const { return config_; }
    /// Totals over every solve so far (direct and iterative).
    NodalCounts counts() const;
    /// Drops the direct solver's Newton cache (replays are bitwise equal).
    void restart();
    /// Takes another tile of a compatible config (same_circuit_settings) in place of this one:
    /// from here it solves as TileCircuitSolver(config, cells, start) would, bitwise, but keeps
    /// the circuit (its cells' values swapped in, netlists::CrossbarCircuit::set_cells), its
    /// elimination order and, for device cells, the direct solver's analysis (numbering,
    /// assembly, stamp slots; its Newton cache dropped). Ohmic cells are refactorised at the
    /// next solve; the iterative solver is set up again. counts() keep adding up.
    /// std::invalid_argument for an incompatible config or cells (nothing changed then).
    void reprogram(const netlists::CrossbarConfig& config, std::vector<netlists::CellArray> cells,
                   std::shared_ptr<const LineRelaxation> start = nullptr);

private:
    Eigen::VectorXd solve_direct(const Eigen::VectorXd& v, TileSolveReport& r);

    netlists::CrossbarConfig config_;
    std::vector<netlists::CellArray> cells_;
    bool use_iterative_ = false;
    std::string not_iterative_;  // the reason the iterative solver is not used (when asked for)
    std::unique_ptr<CrossbarIterativeSolver> iterative_;
    void choose_method();  // use_iterative_ and not_iterative_ from config_

    std::unique_ptr<netlists::CrossbarCircuit> xbar_;
    std::vector<netlists::NodeId> ordering_;  // xbar_'s elimination order once computed
    std::unique_ptr<NodalSolver> direct_;
    std::shared_ptr<const LineRelaxation> start_;  // optional: the direct Newton's start
    NodalCounts iterative_counts_;
    NodalCounts direct_counts_;  // of direct solvers dropped by reprogram()
};

}  // namespace kirchhoff::cosim
