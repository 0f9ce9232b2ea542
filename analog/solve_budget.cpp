// The memory budget check of a run's circuit solves (solve_budget.hpp).
#include "analog/solve_budget.hpp"

#include <omp.h>

#include "cosim/solve_memory.hpp"

namespace kirchhoff::analog {

int concurrent_nodal_solves() { return omp_get_max_threads(); }

void check_solve_budget(const AnalogConfig& config, cosim::Engine engine, std::optional<cosim::Engine> validate, bool circuit_reference) {
    if (engine == cosim::Engine::nodal || validate == cosim::Engine::nodal || circuit_reference)
        cosim::check_memory_budget(config.crossbar, "nodal", concurrent_nodal_solves());
    if (validate == cosim::Engine::spice) cosim::check_memory_budget(config.crossbar, "spice", 1);
}

}  // namespace kirchhoff::analog
