// Check engines on solvers passed from tile to tile (check_solvers.hpp).
#include "analog/check_solvers.hpp"

#include "cosim/tile_solver.hpp"

namespace kirchhoff::analog {

CheckSolverPool::CheckSolverPool() = default;
CheckSolverPool::~CheckSolverPool() = default;

std::unique_ptr<cosim::MvmEngine> CheckSolverPool::engine(const cosim::ProgrammedTile& tile,
                                                          std::shared_ptr<const cosim::LineRelaxation> start) {
    std::unique_ptr<cosim::TileCircuitSolver> solver;
    {
        const std::lock_guard lock(mutex_);
        for (auto it = free_.begin(); it != free_.end(); ++it)
            if (cosim::same_circuit_settings((*it)->config(), tile.config)) {
                solver = std::move(*it);
                free_.erase(it);
                break;
            }
        if (!solver) ++made_;
    }
    if (solver) {
        solver->reprogram(tile.config, tile.cells, std::move(start));  // throws: the solver is dropped
    } else {
        solver = std::make_unique<cosim::TileCircuitSolver>(tile.config, tile.cells, std::move(start));
    }
    return cosim::make_nodal_engine(tile.config.spec, std::move(solver),
                                    [this](std::unique_ptr<cosim::TileCircuitSolver> s) { give_back(std::move(s)); });
}

void CheckSolverPool::give_back(std::unique_ptr<cosim::TileCircuitSolver> solver) {
    const std::lock_guard lock(mutex_);
    free_.push_back(std::move(solver));
}

int CheckSolverPool::solvers() const {
    const std::lock_guard lock(mutex_);
    return made_;
}

cosim::NodalCounts CheckSolverPool::counts() const {
    const std::lock_guard lock(mutex_);
    cosim::NodalCounts total;
    for (const auto& s : free_) total += s->counts();
    return total;
}

}  // namespace kirchhoff::analog
