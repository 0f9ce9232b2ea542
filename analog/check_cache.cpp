// Kept validation factorisations and their budget (check_cache.hpp).
#include "analog/check_cache.hpp"

#include "cosim/tile_solver.hpp"

namespace kirchhoff::analog {

bool keeps_check_factors(const AnalogConfig& config, cosim::Engine engine, std::optional<cosim::Engine> validate) {
    return engine == cosim::Engine::surrogate && config.crossbar.device_preset == "linear" &&
           validate == cosim::Engine::nodal && cosim::method_in_force(config.crossbar) == netlists::SolverMethod::direct;
}

bool keeps_check_factors(const AnalogOptions& o) {
    return o.response.is_linear() && !o.make_check_engine && keeps_check_factors(o.config, o.engine, o.validate);
}

std::unique_ptr<cosim::MvmEngine> make_nodal_check_engine(const AnalogOptions& o, const cosim::ProgrammedTile& tile) {
    if (o.validate_from_surrogate && o.engine == cosim::Engine::surrogate &&
        cosim::tier_in_force(o.response, o.surrogate) == cosim::SurrogateTier::line_relaxation)
        return cosim::make_nodal_engine(tile, o.response, o.v_star_volt, o.surrogate.line);
    return cosim::make_nodal_engine(tile);
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
