// Read margin of a crossbar against sneak paths: the current sensed when one cell is read in
// ON and in OFF state, as the array grows, for each biasing scheme of the unselected lines
// (floating, V/2, V/3). The cells are the configured ones: passive (1R), with an access
// transistor (1T1R, gates of unselected rows off) or a selector (1S1R, selector.*), each
// holding an ohmic conductance or a device preset's state programmed to it (device.preset).
// The selected cell is the one farthest from both the drivers and the sense amplifiers (worst
// IR drop); the unselected cells are all ON (the worst case for sneak currents) or seeded
// random. Solved with the nodal solver.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "netlists/crossbar_config.hpp"

namespace kirchhoff::validation {

enum class SneakBackground { worst, random };

struct SneakPoint {
    int n = 0;                       // array is n x n
    netlists::SelectScheme scheme{};
    double i_on_a = 0.0;             // sensed current, selected cell ON (g_max)
    double i_off_a = 0.0;            // sensed current, selected cell OFF (g_min)
    double i_cell_on_a = 0.0;        // the selected memory element's own current alone, ON: g_max * V
                                     // (its read conductance at V is g_max by programming)
    double margin = 0.0;             // (i_on - i_off) / i_on
};

/// Runs the study for every size and scheme, calling `progress(done, total)` after each point.
/// `base` supplies the cells (array.cell, access.*, selector.*, device.preset), wires, edges,
/// sense amplifiers, g_min/g_max and the read voltage (input.v_read_volt); the size, the mode,
/// the selected cell and the scheme are the study's (array.differential is none). Throws
/// InputError when g_min/g_max lie outside the device preset's window.
std::vector<SneakPoint> run_sneak_study(const netlists::CrossbarConfig& base, const std::vector<int>& sizes,
                                        SneakBackground background,
                                        const std::function<void(std::size_t, std::size_t)>& progress = {});

/// Writes DIR/sneak_margin.csv and DIR/sneak_margin.png (with its .gp script); returns the files.
std::vector<std::filesystem::path> write_sneak_report(const std::vector<SneakPoint>& points,
                                                      const netlists::CrossbarConfig& base,
                                                      const std::filesystem::path& dir);

}  // namespace kirchhoff::validation
