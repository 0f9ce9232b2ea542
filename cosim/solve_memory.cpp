// Memory estimate of a tile's circuit solve and its budget check (solve_memory.hpp).
#include "cosim/solve_memory.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::cosim {

double tile_unknowns(const netlists::CrossbarSpec& spec) {
    const double per_cell = spec.cell == netlists::CellKind::one_r ? 2.0 : 3.0;
    return double(spec.rows) * double(spec.physical_cols()) * double(spec.arrays()) * per_cell;
}

double estimated_solve_bytes(const netlists::CrossbarSpec& spec, std::string_view engine) {
    const double n = tile_unknowns(spec);
    if (engine == "spice") return n * 4096.0 + 64.0 * 1024 * 1024;
    if (engine == "netlist") return n * 160.0 + 16.0 * 1024 * 1024;
    if (engine == "iterative") {
        const double cells = double(spec.rows) * double(spec.physical_cols()) * double(spec.arrays());
        return cells * 400.0 + 48.0 * 1024 * 1024;
    }
    return n * (16.5 * std::log2(std::max(n, 2.0)) + 400.0);
}

double memory_budget_bytes(double budget_mib) {
    if (budget_mib > 0) return budget_mib * 1024.0 * 1024.0;
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return 16.0 * 1024 * 1024 * 1024;  // unknown machine: 16 GiB
    return 0.75 * double(pages) * double(page);
}

void check_memory_budget(const netlists::CrossbarConfig& config, std::string_view engine, int concurrent) {
    const double one = estimated_solve_bytes(config.spec, engine);
    const double need = one * double(std::max(concurrent, 1));
    const double budget = memory_budget_bytes(config.memory_budget_mib);
    if (need <= budget) return;
    constexpr double mib = 1024.0 * 1024.0;
    const std::string at_once =
        concurrent > 1 ? fmt::format(" ({} MiB for {} solves at once, one per OpenMP thread; OMP_NUM_THREADS lowers it)",
                                     std::lround(need / mib), concurrent)
                       : std::string();
    throw InputError(fmt::format(
        "a {} x {} tile ({} unknowns) needs about {:.0f} MiB {}{}, more than "
        "solver.memory_budget_mib = {:.0f} MiB{}; use a smaller array.rows/array.cols, or raise the budget "
        "if the machine has the memory",
        config.spec.rows, config.spec.physical_cols(), tile_unknowns(config.spec), one / mib,
        engine == "netlist" ? std::string("to build and write its deck") : fmt::format("for one {} solve", engine), at_once,
        budget / mib, config.memory_budget_mib > 0 ? "" : " (0: three quarters of this machine's memory)"));
}

}  // namespace kirchhoff::cosim
