// The memory budget check of a run's circuit solves (solve_budget.hpp).
#include "analog/solve_budget.hpp"

#include <omp.h>

#include "cosim/solve_memory.hpp"

namespace kirchhoff::analog {

int concurrent_nodal_solves() { return omp_get_max_threads(); }

void check_solve_budget(const AnalogConfig& config, EngineKind engine, CheckEngine validate, bool circuit_reference) {
    if (engine == EngineKind::nodal || validate == CheckEngine::nodal || circuit_reference)
        cosim::check_memory_budget(config.crossbar, "nodal", concurrent_nodal_solves());
    if (validate == CheckEngine::spice) cosim::check_memory_budget(config.crossbar, "spice", 1);
}

}  // namespace kirchhoff::analog
