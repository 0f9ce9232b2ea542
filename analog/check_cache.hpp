// The validation engines kept between validations, within run.validate_cache_mib: ohmic tiles'
// on the factorisation programming made, and every other tile's nodal check engine once built.
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
// Device tiles' nodal check engines are not kept: each validation borrows a solver of a pool,
// reprogrammed with the tile's cells (check_solvers.hpp), which costs about half of a built
// engine's set-up and solve and holds one solver per validating thread, not one per tile.
// Every other tile's nodal check engine (the iterative method, or an ohmic tile whose surrogate
// kept nothing) is built at its first validation and charged check_engine_bytes(): kept if that
// fits what is left of the same budget, else built and dropped at each validation. Those
// decisions are made in tile order as the checks run (in a fixed order), so the same tiles are
// kept in every run. ngspice validation engines hold little and are always kept.
// Device tiles read by the line-relaxation surrogate get a nodal engine whose Newton starts from
// the surrogate's solution of the same input (run.validate_start, cosim/surrogate_start.hpp).
#pragma once

#include <mutex>

#include "analog/analog_backend.hpp"
#include "analog/check_solvers.hpp"

namespace kirchhoff::analog {

/// Whether prepare() keeps programming's factorisations for validation: surrogate engine, ohmic
/// cells (linear response), nodal validation with the default engines (no make_check_engine),
/// direct solver method in force.
bool keeps_check_factors(const AnalogOptions& options);

/// Whether a tile's check engine is kept between validations.
enum class CheckKeep : char {
    kept,       // within the budget (or not budgeted: ngspice, a make_check_engine's)
    transient,  // built and dropped at each validation
    undecided,  // decided at the tile's first validation
};

/// What a nodal check engine built at validation is charged against the budget: the estimated
/// peak bytes of one solve of the tile (cosim::estimated_solve_bytes, by the method in force),
/// an upper bound of what the engine keeps (its circuit, ordering and cached factors).
double check_engine_bytes(const AnalogConfig& config);

/// Whether nodal check engines come from a CheckSolverPool (check_solvers.hpp): device cells,
/// nodal validation with the default engines (no make_check_engine). They hold nothing of
/// their tile between validations, so they are never kept nor charged to the budget.
bool pools_check_solvers(const AnalogOptions& options);

/// The nodal validation engine of a tile, on a solver of `pool` when given: Newton started from
/// the line-relaxation surrogate's solution (cosim::make_nodal_engine(tile, start)) when
/// validate_from_surrogate is set, the inference engine is the surrogate and its tier in force
/// is line_relaxation (device cells); else from zero bias, as cosim::make_nodal_engine(tile).
std::unique_ptr<cosim::MvmEngine> make_nodal_check_engine(const AnalogOptions& options, const cosim::ProgrammedTile& tile,
                                                          CheckSolverPool* pool = nullptr);

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
