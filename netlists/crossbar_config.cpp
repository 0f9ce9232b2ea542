// Crossbar configuration keys and the seeded random tile.
#include "netlists/crossbar_config.hpp"

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::netlists {

using params::Range;

params::Schema crossbar_schema() {
    params::Schema s;
    s.add(params::integer_key("seed", 1, Range::closed(0, 9.0e18),
                              "seed of the random conductances and inputs"));
    s.add(params::integer_key("array.rows", 64, Range::closed(1, 4096), "word lines (inputs) of the tile"));
    s.add(params::integer_key("array.cols", 64, Range::closed(1, 4096), "bit lines (outputs) of the tile"));
    s.add(params::real_key("array.r_wire_row_ohm", 1.0, "ohm", Range::closed(0, 1e6),
                           "word-line resistance per cell pitch (0: ideal wire)"));
    s.add(params::real_key("array.r_wire_col_ohm", 1.0, "ohm", Range::closed(0, 1e6),
                           "bit-line resistance per cell pitch (0: ideal wire)"));
    s.add(params::real_key("device.g_min_siemens", 1e-6, "S", Range{0.0, 1.0, true, false},
                           "lowest programmed cell conductance"));
    s.add(params::real_key("device.g_max_siemens", 1e-4, "S", Range{0.0, 1.0, true, false},
                           "highest programmed cell conductance"));
    s.add(params::real_key("input.v_read_volt", 0.2, "V", Range{0.0, 10.0, true, false},
                           "largest row voltage; inputs are uniform in [0, v_read]"));
    s.add(params::real_key("solver.timeout_s", 0.0, "s", Range::closed(0, 1e6),
                           "time limit of one circuit solve (0: none)"));
    return s;
}

CrossbarConfig crossbar_config(const params::Config& c) {
    CrossbarConfig x;
    x.seed = std::uint64_t(c.integer("seed"));
    x.rows = int(c.integer("array.rows"));
    x.cols = int(c.integer("array.cols"));
    x.r_wire_row_ohm = c.real("array.r_wire_row_ohm");
    x.r_wire_col_ohm = c.real("array.r_wire_col_ohm");
    x.g_min_siemens = c.real("device.g_min_siemens");
    x.g_max_siemens = c.real("device.g_max_siemens");
    x.v_read_volt = c.real("input.v_read_volt");
    x.timeout_s = c.real("solver.timeout_s");
    if (!(x.g_min_siemens < x.g_max_siemens))
        throw InputError(fmt::format(
            "device.g_min_siemens = {} S ({}) must be below device.g_max_siemens = {} S ({})",
            x.g_min_siemens, c.source("device.g_min_siemens"), x.g_max_siemens,
            c.source("device.g_max_siemens")));
    return x;
}

namespace {

// splitmix64 (Steele, Lea, Flood, OOPSLA 2014): tiny, fast, and the same everywhere, unlike
// the distributions of <random>, whose output differs between standard libraries.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1) with 53 random bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t state_;
};

}  // namespace

ResistiveCrossbar random_crossbar(const CrossbarConfig& c) {
    SplitMix64 rng(c.seed);
    ResistiveCrossbar x;
    x.g_siemens.resize(c.rows, c.cols);
    for (int r = 0; r < c.rows; ++r)
        for (int col = 0; col < c.cols; ++col)
            x.g_siemens(r, col) = c.g_min_siemens + (c.g_max_siemens - c.g_min_siemens) * rng.uniform();
    x.v_volt.resize(c.rows);
    for (int r = 0; r < c.rows; ++r) x.v_volt(r) = c.v_read_volt * rng.uniform();
    x.r_wire_row_ohm = c.r_wire_row_ohm;
    x.r_wire_col_ohm = c.r_wire_col_ohm;
    x.title = fmt::format("kirchhoff {}x{} crossbar seed {}", c.rows, c.cols, c.seed);
    return x;
}

}  // namespace kirchhoff::netlists
