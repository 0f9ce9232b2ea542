// The configuration of one crossbar tile, as `kirchhoff solve` and `kirchhoff netlist` take it:
// the declared keys (array.*, sense.*, access.*, selector.*, select.*, device.*, input.*,
// solver.*, seed), their typed view, and the seeded random tile (conductances, inputs) they
// describe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "devices/rng.hpp"
#include "netlists/crossbar_spec.hpp"
#include "params/config.hpp"
#include "params/table.hpp"

namespace kirchhoff::netlists {

/// How the nodal engine solves a tile's circuit: a sparse factorisation (cosim/nodal_solver.hpp),
/// preconditioned CG (cosim/iterative_solver.hpp, falling back to the factorisation when it
/// stalls), or the iterative solver from iterative_min_cells cells on and the direct one below.
enum class SolverMethod { direct, iterative, automatic };
std::string_view to_string(SolverMethod m);
/// solver.method = "auto" uses the iterative solver on tiles of at least this many cells
/// (rows x physical columns x arrays) that it supports. A first solve is cheaper iteratively
/// from 64 x 64 on, but a direct re-solve on a kept factorisation is cheaper than an iterative
/// solve (bench/iterative_bench, README "Benchmarks"), so an engine reading a tile many times
/// keeps the direct solver below this size, where its factor is small.
inline constexpr double iterative_min_cells = 256.0 * 256.0;

struct CrossbarConfig {
    CrossbarSpec spec;
    std::string device_preset = "linear";  // "linear": ohmic cells; else a device preset name
    double g_min_siemens = 1e-6;           // lowest programmed conductance
    double g_max_siemens = 1e-4;           // highest programmed conductance
    double v_read_volt = 0.2;              // largest row voltage (read), the select voltage (select)
    double timeout_s = 0.0;                // circuit solve time limit, 0 for none
    double memory_budget_mib = 0.0;        // circuit solve memory budget, 0: 3/4 of the machine
    // Nodal solver (cosim/nodal_solver.hpp); the schema takes these defaults.
    bool nodal_cached = true;              // Newton: CG on cached factors (else a fresh factor every step)
    double nodal_cache_mib = 64.0;         // memory one tile's nodal solver keeps between solves
    // Circuit solver of the nodal engine (cosim/tile_solver.hpp); the schema takes these defaults.
    SolverMethod solver_method = SolverMethod::automatic;
    double iterative_tolerance = 1e-13;    // CG relative residual (cosim/iterative_solver.hpp)
    int iterative_max_iterations = 2000;   // CG iterations of one linear solve before falling back
    std::uint64_t seed = 1;                // random tile and inputs
    bool operator==(const CrossbarConfig&) const = default;
};

/// The declared keys with defaults (CrossbarConfig{}'s), units, ranges and meanings.
params::Schema crossbar_schema();
/// The table crossbar_schema() and crossbar_config() are derived from (params/table.hpp).
const params::Table<CrossbarConfig>& crossbar_keys();

/// The layout `kirchhoff run` puts signed weights on (a differential pair per output, in
/// adjacent columns), and so the default of `kirchhoff fit` and `kirchhoff check`: a table
/// fitted with the defaults is one the run accepts, and the check measures the run's tiles.
inline constexpr Differential inference_layout = Differential::columns;
/// crossbar_schema() with array.differential defaulting to inference_layout.
params::Schema inference_crossbar_schema();

/// Typed view of a loaded configuration; throws InputError when keys contradict each other
/// (g_min >= g_max, a selected cell outside the array), naming the keys and their sources.
CrossbarConfig crossbar_config(const params::Config& config);

/// A seeded random tile: per array, conductances uniform in [g_min, g_max], shape (rows,
/// physical cols); inputs uniform in [0, v_read] (rows) in read mode, or {v_read} in select
/// mode. splitmix64 makes the numbers the same on every platform.
struct RandomTile {
    std::vector<Eigen::MatrixXd> g_siemens;  // one per array
    Eigen::VectorXd v_volt;
};
RandomTile random_tile(const CrossbarConfig& config);

using devices::SplitMix64;  // the project's generator (devices/rng.hpp)


}  // namespace kirchhoff::netlists
