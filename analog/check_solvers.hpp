// The nodal check engines of device tiles, on a few circuit solvers passed from tile to tile.
//
// Every tile of a backend has the same circuit; only its cells' values differ. Building a
// tile's circuit, ordering its unknowns and setting up the nodal solver (numbering, assembly,
// stamp slots) cost about as much as the validated solve itself, and every tile paid them at
// its first validation; kept per tile they cost memory (about 7 MiB per 64 x 64 differential
// tile). The pool holds the solvers not in use: an engine borrows one, reprograms it with its
// tile's cells (cosim::TileCircuitSolver::reprogram) and gives it back when destroyed. Outputs
// are bitwise those of a nodal engine built for the tile (make_nodal_check_engine without a
// pool), since reprogramming drops all that the previous tile left (the Newton cache
// included): what a tile validates does not depend on which tiles a solver served before, so
// results are the same at any thread count. Memory: one solver per engine alive at once (the
// threads validating), not one per tile.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "cosim/mvm_engine.hpp"
#include "cosim/nodal_solver.hpp"

namespace kirchhoff::analog {

class CheckSolverPool {
public:
    CheckSolverPool();
    /// Destroys the solvers; every engine must be gone by then.
    ~CheckSolverPool();
    CheckSolverPool(const CheckSolverPool&) = delete;
    CheckSolverPool& operator=(const CheckSolverPool&) = delete;

    /// The nodal engine of `tile`, its direct Newton starting from `start`'s solution when given
    /// (cosim::make_nodal_engine(tile, start)), on a solver of the pool or a new one. Safe from
    /// several threads at once; the pool must outlive the engine.
    std::unique_ptr<cosim::MvmEngine> engine(const cosim::ProgrammedTile& tile,
                                             std::shared_ptr<const cosim::LineRelaxation> start = nullptr);
    /// Solvers made so far: the most engines that were alive at once (per circuit settings).
    int solvers() const;
    /// Totals of every solve of the solvers in the pool (not of those lent out to engines).
    cosim::NodalCounts counts() const;

private:
    void give_back(std::unique_ptr<cosim::TileCircuitSolver> solver);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<cosim::TileCircuitSolver>> free_;
    int made_ = 0;
};

}  // namespace kirchhoff::analog
