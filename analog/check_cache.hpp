// The validation engines of ohmic tiles kept on the factorisation programming made.
//
// Building an ohmic tile's surrogate factorises the tile's circuit (cosim/tile_surrogate.hpp); with
// nodal validation the backend keeps that factorisation as the tile's check engine
// (cosim::make_nodal_engine(tile, factor)), so a validated MVM costs one substitution per tile
// instead of an ordering and a factorisation: at 1% sampling most tiles are validated about once,
// and each would otherwise pay the full set-up. The kept engines give bitwise the outputs of
// engines built at validation time (the same circuit, order and arithmetic). Memory:
// run.validate_cache_mib bounds the bytes kept over all tiles (cosim::TileFactor::bytes charges
// each), first come first served in the order programming finishes the tiles; a tile left out
// builds its check engine at each validation and drops it after, so the kept check engines never
// exceed the budget. Which tiles fit may depend on thread timing; the results do not.
// Device tiles read by the line-relaxation surrogate get a nodal engine whose Newton starts from
// the surrogate's solution of the same input (run.validate_start, cosim/surrogate_start.hpp).
#pragma once

#include <mutex>

#include "analog/analog_backend.hpp"

namespace kirchhoff::analog {

/// Whether factorisations are kept for validation, as far as the configuration tells before a
/// model or table is loaded: surrogate engine, ohmic cells (device.preset = linear), nodal
/// validation, direct solver method in force. The memory budget check (solve_budget.hpp) asks this.
bool keeps_check_factors(const AnalogConfig& config, cosim::Engine engine, std::optional<cosim::Engine> validate);
/// Whether prepare() keeps them: the above, with the cells' response linear and the default
/// validation engines (no make_check_engine).
bool keeps_check_factors(const AnalogOptions& options);

/// The nodal validation engine of a tile: started from the line-relaxation surrogate's solution
/// (cosim::make_nodal_engine(tile, response, v*, line)) when validate_from_surrogate is set, the
/// inference engine is the surrogate and its tier in force is line_relaxation (device cells);
/// else cosim::make_nodal_engine(tile), Newton from zero bias.
std::unique_ptr<cosim::MvmEngine> make_nodal_check_engine(const AnalogOptions& options, const cosim::ProgrammedTile& tile);

/// Bytes admitted against a budget, from any thread.
class CheckCacheBudget {
public:
    /// budget_mib >= 0.
    explicit CheckCacheBudget(double budget_mib);
    /// Takes `bytes` from what is left and returns true, or returns false (and takes nothing).
    bool admit(double bytes);
    double used_bytes() const;
    double budget_bytes() const { return budget_; }

private:
    mutable std::mutex mutex_;
    double budget_ = 0, used_ = 0;
};

}  // namespace kirchhoff::analog
