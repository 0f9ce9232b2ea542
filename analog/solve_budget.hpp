// The memory budget check of a `kirchhoff run` or sweep point, before the model is loaded or a
// tile built: the circuit solves it will run at once (cosim/solve_memory.hpp estimates one)
// against solver.memory_budget_mib. Nodal solves of the engine, of the validation, and of the
// circuit reference run one per OpenMP thread; ngspice validation runs one solve at a time in
// its worker process. The estimate is of the solves in flight, at the configured array size
// (the largest a tile can be); the factor each nodal tile keeps between MVMs is bounded
// separately by solver.nodal_cache_mib, and the factorisations kept for validation by
// run.validate_cache_mib, which counts against solver.memory_budget_mib beside the solves.
#pragma once

#include "analog/analog_backend.hpp"
#include "analog/analog_config.hpp"

namespace kirchhoff::analog {

/// Nodal solves in flight at once: the OpenMP threads of this process.
int concurrent_nodal_solves();

/// InputError (exit 2) naming solver.memory_budget_mib and the estimate when the solves of
/// `engine`, `validate` (nullopt when nothing is validated) and, with `circuit_reference`, the
/// nodal circuit reference need more than the budget; when factorisations are kept for
/// validation (keeps_check_factors, check_cache.hpp), together with `validate_cache_mib`
/// (run.validate_cache_mib).
void check_solve_budget(const AnalogConfig& config, cosim::Engine engine, std::optional<cosim::Engine> validate, bool circuit_reference,
                        double validate_cache_mib = 0.0);

}  // namespace kirchhoff::analog
