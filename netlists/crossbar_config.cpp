// Crossbar configuration keys and the seeded random tile.
#include "netlists/crossbar_config.hpp"

#include <fmt/format.h>

#include "netlists/cell_programming.hpp"
#include "params/error.hpp"
#include "params/table.hpp"

namespace kirchhoff::netlists {

using params::Range;

namespace {

// The crossbar keys, each declared once beside the member it sets; defaults from CrossbarConfig{}.
const params::Table<CrossbarConfig>& crossbar_table() {
    static const params::Table<CrossbarConfig> table = [] {
        using params::in;
        using X = CrossbarConfig;
        using S = CrossbarSpec;
        params::Table<X> t;
        t.integer("seed", &X::seed, Range::closed(0, 9.0e18), "seed of the random conductances and inputs");
        t.integer("array.rows", in(&X::spec, &S::rows), Range::closed(1, 4096), "word lines (inputs) of the tile");
        t.integer("array.cols", in(&X::spec, &S::cols), Range::closed(1, 4096),
                  "outputs of the tile (bit lines; twice as many for differential columns)");
        t.choice("array.cell", in(&X::spec, &S::cell), {CellKind::one_r, CellKind::one_t_one_r, CellKind::one_s_one_r},
                 "cell: passive, with an access transistor, or with a selector");
        t.real("array.r_wire_row_ohm", in(&X::spec, &S::r_wire_row_ohm), "ohm", Range::closed(0, 1e6),
               "word-line resistance per cell pitch (0: ideal wire)");
        t.real("array.r_wire_col_ohm", in(&X::spec, &S::r_wire_col_ohm), "ohm", Range::closed(0, 1e6),
               "bit-line resistance per cell pitch (0: ideal wire)");
        t.real("array.r_driver_ohm", in(&X::spec, &S::r_driver_ohm), "ohm", Range::closed(0, 1e9),
               "row driver output resistance (0: ideal)");
        t.choice("array.driver_edge", in(&X::spec, &S::driver_edge), {DriverEdge::left, DriverEdge::right},
                 "edge the row drivers sit on");
        t.choice("array.sense_edge", in(&X::spec, &S::sense_edge), {SenseEdge::bottom, SenseEdge::top},
                 "edge the sense amplifiers sit on");
        t.choice("array.differential", in(&X::spec, &S::differential),
                 {Differential::none, Differential::columns, Differential::arrays},
                 "signed weights: G+ and G- as column pairs or as two arrays");
        t.choice("array.mode", in(&X::spec, &S::mode), {Mode::read, Mode::select},
                 "read: every row driven (MVM); select: one cell selected, the rest biased");
        t.choice("sense.kind", in(&X::spec, &S::sense), {SenseKind::virtual_ground, SenseKind::tia},
                 "ideal virtual ground, or a TIA with finite gain and input resistance");
        const auto tia = [](auto member) { return [member](auto& x) -> auto& { return x.spec.tia.*member; }; };
        t.real("sense.tia_gain", tia(&Tia::gain), "1", Range{0, 1e12, true, false}, "TIA open-loop gain");
        t.real("sense.tia_r_in_ohm", tia(&Tia::r_in_ohm), "ohm", Range::closed(0, 1e9), "TIA series input resistance");
        t.real("sense.tia_r_feedback_ohm", tia(&Tia::r_feedback_ohm), "ohm", Range{0, 1e12, true, false},
               "TIA feedback resistor");
        const auto access = [](auto member) { return [member](auto& x) -> auto& { return x.spec.access.*member; }; };
        t.real("access.r_on_ohm", access(&AccessTransistor::r_on_ohm), "ohm", Range{0, 1e12, true, false},
               "1T1R transistor on-resistance");
        t.real("access.r_off_ohm", access(&AccessTransistor::r_off_ohm), "ohm", Range{0, 1e18, true, false},
               "1T1R transistor off-resistance");
        const auto selector = [](auto member) { return [member](auto& x) -> auto& { return x.spec.selector.*member; }; };
        t.real("selector.i0_ampere", selector(&Selector::i0_ampere), "A", Range{0, 1, true, false},
               "1S1R selector current scale i0");
        t.real("selector.v0_volt", selector(&Selector::v0_volt), "V", Range{0, 10, true, false},
               "1S1R selector voltage scale v0");
        t.integer("select.row", in(&X::spec, &S::select_row), Range::closed(0, 4095),
                  "select mode: row of the selected cell");
        t.integer("select.col", in(&X::spec, &S::select_col), Range::closed(0, 8191),
                  "select mode: physical column of the selected cell");
        t.choice("select.scheme", in(&X::spec, &S::scheme),
                 {SelectScheme::floating, SelectScheme::v_half, SelectScheme::v_third},
                 "select mode: unselected lines floating, at V/2, or at V/3 (rows) and 2V/3 (columns)");
        t.choice("device.preset", &X::device_preset, cell_model_names(),
                 "cell model: linear (ohmic), or an electrical device preset programmed to each conductance");
        t.real("device.g_min_siemens", &X::g_min_siemens, "S", Range{0.0, 1.0, true, false},
               "lowest programmed cell conductance");
        t.real("device.g_max_siemens", &X::g_max_siemens, "S", Range{0.0, 1.0, true, false},
               "highest programmed cell conductance");
        t.real("input.v_read_volt", &X::v_read_volt, "V", Range{0.0, 10.0, true, false},
               "read: inputs uniform in [0, v_read]; select: the selected row's voltage");
        t.real("solver.timeout_s", &X::timeout_s, "s", Range::closed(0, 1e6),
               "time limit of one circuit solve, every engine (0: none); nodal: checked between steps, "
               "spice: the analysis halted, and for solve/spice the ngspice process killed 1 s later");
        t.real("solver.memory_budget_mib", &X::memory_budget_mib, "MiB", Range::closed(0, 1e9),
               "memory one circuit solve may need by its estimate, else it is refused before it starts "
               "(0: three quarters of the machine's physical memory)");
        t.choice("solver.nodal_newton", &X::nodal_cached, {{"cached", true}, {"fresh", false}},
                 "nodal solver's Newton steps: CG preconditioned by factors cached across steps and MVMs, or a "
                 "fresh factorisation every step (the reference)");
        t.real("solver.nodal_cache_mib", &X::nodal_cache_mib, "MiB", Range::closed(0, 1e6),
               "memory one tile's nodal solver keeps between MVMs (cached factors, last solution); a tile "
               "needing more keeps nothing and refactorises at every MVM");
        t.choice("solver.method", &X::solver_method,
                 {SolverMethod::direct, SolverMethod::iterative, SolverMethod::automatic},
                 "circuit solver of the nodal engine: direct (sparse factorisation), iterative (conjugate "
                 "gradients preconditioned along the word and bit lines, falling back to direct when it stalls; "
                 "read-mode 1R/1T1R tiles with resistive wires), or auto (iterative from 256 x 256 cells on, "
                 "direct below)");
        t.real("solver.iterative_tolerance", &X::iterative_tolerance, "1", Range::closed(1e-15, 1e-3),
               "iterative solver: CG stops when the Kirchhoff-current-law residual |b - A x|_2 is this fraction "
               "of the source currents |b|_2; 1e-13 keeps outputs within 1e-9 of the direct solver (device "
               "cells: Newton's test on the update decides, as for direct)");
        t.integer("solver.iterative_max_iterations", &X::iterative_max_iterations, Range::closed(1, 1e6),
                  "iterative solver: CG iterations of one linear solve after which it counts as stalled and the "
                  "tile falls back to the direct solver");
        return t;
    }();
    return table;
}

}  // namespace

const params::Table<CrossbarConfig>& crossbar_keys() { return crossbar_table(); }

params::Schema crossbar_schema() { return crossbar_table().schema(); }

params::Schema inference_crossbar_schema() {
    const params::Schema tile = crossbar_schema();  // alive through the loop: keys() is a reference
    params::Schema s;
    for (params::Key k : tile.keys()) {
        if (k.name == "array.differential") k.default_value = std::string(to_string(inference_layout));
        s.add(std::move(k));
    }
    return s;
}

CrossbarConfig crossbar_config(const params::Config& c) {
    const CrossbarConfig x = crossbar_table().read(c);
    const CrossbarSpec& s = x.spec;
    if (!(x.g_min_siemens < x.g_max_siemens))
        throw InputError(fmt::format(
            "device.g_min_siemens = {} S ({}) must be below device.g_max_siemens = {} S ({})",
            x.g_min_siemens, c.source("device.g_min_siemens"), x.g_max_siemens, c.source("device.g_max_siemens")));
    if (s.mode == Mode::select) {
        if (s.select_row >= s.rows)
            throw InputError(fmt::format("select.row = {} ({}) is outside the allowed range [0, {}] (array.rows = {})",
                                         s.select_row, c.source("select.row"), s.rows - 1, s.rows));
        if (s.select_col >= s.physical_cols())
            throw InputError(fmt::format(
                "select.col = {} ({}) is outside the allowed range [0, {}] ({} physical columns)", s.select_col,
                c.source("select.col"), s.physical_cols() - 1, s.physical_cols()));
    }
    return x;
}

std::string_view to_string(SolverMethod m) {
    switch (m) {
        case SolverMethod::direct: return "direct";
        case SolverMethod::iterative: return "iterative";
        case SolverMethod::automatic: return "auto";
    }
    return "?";
}

RandomTile random_tile(const CrossbarConfig& x) {
    const CrossbarSpec& s = x.spec;
    SplitMix64 rng(x.seed);
    RandomTile t;
    for (int a = 0; a < s.arrays(); ++a) {
        Eigen::MatrixXd& g = t.g_siemens.emplace_back(s.rows, s.physical_cols());
        for (int r = 0; r < s.rows; ++r)
            for (int c = 0; c < s.physical_cols(); ++c)
                g(r, c) = x.g_min_siemens + (x.g_max_siemens - x.g_min_siemens) * rng.uniform();
    }
    if (s.mode == Mode::select) {
        t.v_volt = Eigen::VectorXd::Constant(1, x.v_read_volt);
    } else {
        t.v_volt.resize(s.rows);
        for (int r = 0; r < s.rows; ++r) t.v_volt(r) = x.v_read_volt * rng.uniform();
    }
    return t;
}

}  // namespace kirchhoff::netlists
