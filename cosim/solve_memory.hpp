// Memory a circuit solve of one tile will need, estimated before it starts, and the check of
// that estimate against the budget key solver.memory_budget_mib (0: three quarters of the
// machine's physical memory). A refused solve is an InputError naming the key, the estimate
// and the budget, instead of std::bad_alloc (or the kernel's OOM killer) half-way through.
#pragma once

#include <string_view>

#include "netlists/crossbar_config.hpp"

namespace kirchhoff::cosim {

/// Unknown node voltages of the tile's circuit: two nodes per cell (word and bit line), three
/// with an access transistor or selector, times the arrays.
double tile_unknowns(const netlists::CrossbarSpec& spec);

/// Estimated peak bytes of one solve. engine "nodal": unknowns x (16.5 log2(unknowns) + 400)
/// (the sparse Cholesky factor grows as n log n under nested dissection; fitted above the
/// peak resident sets measured at 256 x 256 and 512 x 512, README "Reliability");
/// engine "spice": unknowns x 4096 + 64 MiB (ngspice's own structures, same measurement);
/// "netlist" (`kirchhoff netlist`: the circuit and its deck text): unknowns x 160 + 16 MiB,
/// above the 143 and 122 B per unknown measured at 256 x 256 and 512 x 512.
/// engine "iterative" (the nodal engine on iterative_solver.hpp): cells x 400 + 48 MiB (the
/// programmed cells, line factors and a dozen vectors of the cells' size; measured peak resident
/// set 154 MiB at 1024 x 1024 ohmic, README "Benchmarks").
double estimated_solve_bytes(const netlists::CrossbarSpec& spec, std::string_view engine);

/// The budget in bytes: `budget_mib` if > 0, else 3/4 of the physical memory.
double memory_budget_bytes(double budget_mib);

/// InputError when `concurrent` x estimated_solve_bytes exceeds the budget of `config`
/// (solver.memory_budget_mib), naming the tile, the engine, the estimate and the key.
void check_memory_budget(const netlists::CrossbarConfig& config, std::string_view engine, int concurrent = 1);

}  // namespace kirchhoff::cosim
