// Kept validation factorisations and their budget (check_cache.hpp).
#include "analog/check_cache.hpp"

#include "cosim/solve_memory.hpp"
#include "cosim/tile_solver.hpp"

namespace kirchhoff::analog {

bool keeps_check_factors(const AnalogOptions& o) {
    return o.engine == cosim::Engine::surrogate && o.response.is_linear() && o.validate == cosim::Engine::nodal &&
           !o.make_check_engine && cosim::method_in_force(o.config.crossbar) == netlists::SolverMethod::direct;
}

double check_engine_bytes(const AnalogConfig& config) {
    const bool iterative = cosim::method_in_force(config.crossbar) == netlists::SolverMethod::iterative;
    return cosim::estimated_solve_bytes(config.crossbar.spec, iterative ? "iterative" : "nodal");
}

bool pools_check_solvers(const AnalogOptions& o) {
    return o.validate == cosim::Engine::nodal && !o.make_check_engine && !o.response.is_linear();
}

std::unique_ptr<cosim::MvmEngine> make_nodal_check_engine(const AnalogOptions& o, const cosim::ProgrammedTile& tile,
                                                          CheckSolverPool* pool) {
    std::shared_ptr<const cosim::LineRelaxation> start;
    if (o.validate_from_surrogate && o.engine == cosim::Engine::surrogate &&
        cosim::tier_in_force(o.response, o.surrogate) == cosim::SurrogateTier::line_relaxation)
        start = cosim::tile_line_relaxation(tile, o.response, o.v_star_volt, o.surrogate.line);
    if (pool) return pool->engine(tile, std::move(start));
    return start ? cosim::make_nodal_engine(tile, std::move(start)) : cosim::make_nodal_engine(tile);
}

CheckCacheBudget::CheckCacheBudget(double budget_mib) : budget_(budget_mib * 1024.0 * 1024.0) {}

bool CheckCacheBudget::admit(double bytes) {
    const std::lock_guard lock(mutex_);
    if (used_ + bytes > budget_) return false;
    used_ += bytes;
    return true;
}

double CheckCacheBudget::used_bytes() const {
    const std::lock_guard lock(mutex_);
    return used_;
}

}  // namespace kirchhoff::analog
