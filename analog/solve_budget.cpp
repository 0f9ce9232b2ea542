// The memory budget check of a run's circuit solves (solve_budget.hpp).
#include "analog/solve_budget.hpp"

#include <omp.h>

#include <fmt/format.h>

#include "analog/check_cache.hpp"
#include "cosim/solve_memory.hpp"
#include "params/error.hpp"

namespace kirchhoff::analog {

int concurrent_nodal_solves() { return omp_get_max_threads(); }

void check_solve_budget(const AnalogConfig& config, cosim::Engine engine, std::optional<cosim::Engine> validate, bool circuit_reference,
                        double validate_cache_mib) {
    if (engine == cosim::Engine::nodal || validate == cosim::Engine::nodal || circuit_reference)
        cosim::check_memory_budget(config.crossbar, "nodal", concurrent_nodal_solves());
    if (validate_cache_mib > 0 && keeps_check_factors(config, engine, validate)) {
        const int threads = concurrent_nodal_solves();
        const double solves = cosim::estimated_solve_bytes(config.crossbar.spec, "nodal") * threads;
        const double budget = cosim::memory_budget_bytes(config.crossbar.memory_budget_mib);
        constexpr double mib = 1024.0 * 1024.0;
        if (solves + validate_cache_mib * mib > budget)
            throw InputError(fmt::format(
                "run.validate_cache_mib = {:.0f} MiB (factorisations kept for validation) plus about {:.0f} MiB for "
                "{} nodal solves at once is more than solver.memory_budget_mib = {:.0f} MiB{}; lower "
                "run.validate_cache_mib (0 keeps none; validation is then slower, not different) or raise the budget",
                validate_cache_mib, solves / mib, threads, budget / mib,
                config.crossbar.memory_budget_mib > 0 ? "" : " (0: three quarters of this machine's memory)"));
    }
    if (validate == cosim::Engine::spice) cosim::check_memory_budget(config.crossbar, "spice", 1);
}

}  // namespace kirchhoff::analog
