// The configuration of one crossbar tile read, as the `solve` and `netlist` commands take it:
// declared keys (array.*, device.*, input.*, solver.*, seed), their typed view, and the seeded
// random tile (conductances and inputs) they describe.
#pragma once

#include <cstdint>

#include "netlists/resistive_crossbar.hpp"
#include "params/config.hpp"

namespace kirchhoff::netlists {

struct CrossbarConfig {
    int rows = 64;                     // word lines (inputs)
    int cols = 64;                     // bit lines (outputs)
    double r_wire_row_ohm = 1.0;       // word-line resistance per cell pitch
    double r_wire_col_ohm = 1.0;       // bit-line resistance per cell pitch
    double g_min_siemens = 1e-6;       // lowest programmed conductance
    double g_max_siemens = 1e-4;       // highest programmed conductance
    double v_read_volt = 0.2;          // largest row voltage
    double timeout_s = 0.0;            // circuit solve time limit, 0 for none
    std::uint64_t seed = 1;            // random tile and inputs
};

/// The declared keys with defaults, units, ranges and meanings.
params::Schema crossbar_schema();

/// Typed view of a loaded configuration; throws InputError when keys contradict each other
/// (g_min >= g_max), naming both keys and where each came from.
CrossbarConfig crossbar_config(const params::Config& config);

/// A tile with conductances uniform in [g_min, g_max] and inputs uniform in [0, v_read],
/// drawn from `seed` with a generator that gives the same numbers on every platform.
ResistiveCrossbar random_crossbar(const CrossbarConfig& config);

}  // namespace kirchhoff::netlists
