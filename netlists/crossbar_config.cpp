// Crossbar configuration keys and the seeded random tile.
#include "netlists/crossbar_config.hpp"

#include <fmt/format.h>

#include "netlists/cell_programming.hpp"
#include "params/enum_names.hpp"
#include "params/error.hpp"

namespace kirchhoff::netlists {

using params::Range;

namespace {

template <class E>
E parse_enum(const std::string& text, std::initializer_list<E> values) {
    if (const std::optional<E> e = params::enum_from_name(text, values)) return *e;
    throw std::logic_error("choice key value not in its enum: " + text);  // the schema checked it
}

}  // namespace

params::Schema crossbar_schema() {
    using namespace params;
    Schema s;
    s.add(integer_key("seed", 1, Range::closed(0, 9.0e18), "seed of the random conductances and inputs"));
    s.add(integer_key("array.rows", 64, Range::closed(1, 4096), "word lines (inputs) of the tile"));
    s.add(integer_key("array.cols", 64, Range::closed(1, 4096),
                      "outputs of the tile (bit lines; twice as many for differential columns)"));
    s.add(choice_key("array.cell", "1R", {"1R", "1T1R", "1S1R"},
                     "cell: passive, with an access transistor, or with a selector"));
    s.add(real_key("array.r_wire_row_ohm", 1.0, "ohm", Range::closed(0, 1e6),
                   "word-line resistance per cell pitch (0: ideal wire)"));
    s.add(real_key("array.r_wire_col_ohm", 1.0, "ohm", Range::closed(0, 1e6),
                   "bit-line resistance per cell pitch (0: ideal wire)"));
    s.add(real_key("array.r_driver_ohm", 0.0, "ohm", Range::closed(0, 1e9), "row driver output resistance (0: ideal)"));
    s.add(choice_key("array.driver_edge", "left", {"left", "right"}, "edge the row drivers sit on"));
    s.add(choice_key("array.sense_edge", "bottom", {"bottom", "top"}, "edge the sense amplifiers sit on"));
    s.add(choice_key("array.differential", "none", {"none", "columns", "arrays"},
                     "signed weights: G+ and G- as column pairs or as two arrays"));
    s.add(choice_key("array.mode", "read", {"read", "select"},
                     "read: every row driven (MVM); select: one cell selected, the rest biased"));
    s.add(choice_key("sense.kind", "virtual_ground", {"virtual_ground", "tia"},
                     "ideal virtual ground, or a TIA with finite gain and input resistance"));
    s.add(real_key("sense.tia_gain", 1e4, "1", Range{0, 1e12, true, false}, "TIA open-loop gain"));
    s.add(real_key("sense.tia_r_in_ohm", 0.0, "ohm", Range::closed(0, 1e9), "TIA series input resistance"));
    s.add(real_key("sense.tia_r_feedback_ohm", 1e4, "ohm", Range{0, 1e12, true, false}, "TIA feedback resistor"));
    s.add(real_key("access.r_on_ohm", 5e3, "ohm", Range{0, 1e12, true, false}, "1T1R transistor on-resistance"));
    s.add(real_key("access.r_off_ohm", 1e10, "ohm", Range{0, 1e18, true, false}, "1T1R transistor off-resistance"));
    s.add(real_key("selector.i0_ampere", 1e-6, "A", Range{0, 1, true, false}, "1S1R selector current scale i0"));
    s.add(real_key("selector.v0_volt", 0.1, "V", Range{0, 10, true, false}, "1S1R selector voltage scale v0"));
    s.add(integer_key("select.row", 0, Range::closed(0, 4095), "select mode: row of the selected cell"));
    s.add(integer_key("select.col", 0, Range::closed(0, 8191), "select mode: physical column of the selected cell"));
    s.add(choice_key("select.scheme", "v_half", {"floating", "v_half", "v_third"},
                     "select mode: unselected lines floating, at V/2, or at V/3 (rows) and 2V/3 (columns)"));
    s.add(choice_key("device.preset", "linear", cell_model_names(),
                     "cell model: linear (ohmic), or an electrical device preset programmed to each conductance"));
    s.add(real_key("device.g_min_siemens", 1e-6, "S", Range{0.0, 1.0, true, false}, "lowest programmed cell conductance"));
    s.add(real_key("device.g_max_siemens", 1e-4, "S", Range{0.0, 1.0, true, false}, "highest programmed cell conductance"));
    s.add(real_key("input.v_read_volt", 0.2, "V", Range{0.0, 10.0, true, false},
                   "read: inputs uniform in [0, v_read]; select: the selected row's voltage"));
    s.add(real_key("solver.timeout_s", 0.0, "s", Range::closed(0, 1e6),
                   "time limit of one circuit solve, every engine (0: none); nodal: checked between steps, "
                   "spice: the analysis halted, and for solve/spice the ngspice process killed 1 s later"));
    s.add(real_key("solver.memory_budget_mib", 0.0, "MiB", Range::closed(0, 1e9),
                   "memory one circuit solve may need by its estimate, else it is refused before it starts "
                   "(0: three quarters of the machine's physical memory)"));
    const CrossbarConfig defaults;
    s.add(choice_key("solver.nodal_newton", defaults.nodal_cached ? "cached" : "fresh", {"cached", "fresh"},
                     "nodal solver's Newton steps: CG preconditioned by factors cached across steps and MVMs, or a "
                     "fresh factorisation every step (the reference)"));
    s.add(real_key("solver.nodal_cache_mib", defaults.nodal_cache_mib, "MiB", Range::closed(0, 1e6),
                   "memory one tile's nodal solver keeps between MVMs (cached factors, last solution); a tile "
                   "needing more keeps nothing and refactorises at every MVM"));
    s.add(choice_key("solver.method", std::string(to_string(defaults.solver_method)), {"direct", "iterative", "auto"},
                     "circuit solver of the nodal engine: direct (sparse factorisation), iterative (conjugate "
                     "gradients preconditioned along the word and bit lines, falling back to direct when it stalls; "
                     "read-mode 1R/1T1R tiles with resistive wires), or auto (iterative from 256 x 256 cells on, "
                     "direct below)"));
    s.add(real_key("solver.iterative_tolerance", defaults.iterative_tolerance, "1", Range::closed(1e-15, 1e-3),
                   "iterative solver: CG stops when the Kirchhoff-current-law residual |b - A x|_2 is this fraction "
                   "of the source currents |b|_2; 1e-13 keeps outputs within 1e-9 of the direct solver (device "
                   "cells: Newton's test on the update decides, as for direct)"));
    s.add(integer_key("solver.iterative_max_iterations", defaults.iterative_max_iterations, Range::closed(1, 1e6),
                      "iterative solver: CG iterations of one linear solve after which it counts as stalled and the "
                      "tile falls back to the direct solver"));
    return s;
}

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
    CrossbarConfig x;
    CrossbarSpec& s = x.spec;
    x.seed = std::uint64_t(c.integer("seed"));
    s.rows = int(c.integer("array.rows"));
    s.cols = int(c.integer("array.cols"));
    s.cell = parse_enum(c.text("array.cell"), {CellKind::one_r, CellKind::one_t_one_r, CellKind::one_s_one_r});
    s.r_wire_row_ohm = c.real("array.r_wire_row_ohm");
    s.r_wire_col_ohm = c.real("array.r_wire_col_ohm");
    s.r_driver_ohm = c.real("array.r_driver_ohm");
    s.driver_edge = parse_enum(c.text("array.driver_edge"), {DriverEdge::left, DriverEdge::right});
    s.sense_edge = parse_enum(c.text("array.sense_edge"), {SenseEdge::bottom, SenseEdge::top});
    s.differential = parse_enum(c.text("array.differential"),
                                {Differential::none, Differential::columns, Differential::arrays});
    s.mode = parse_enum(c.text("array.mode"), {Mode::read, Mode::select});
    s.sense = parse_enum(c.text("sense.kind"), {SenseKind::virtual_ground, SenseKind::tia});
    s.tia = Tia{c.real("sense.tia_gain"), c.real("sense.tia_r_in_ohm"), c.real("sense.tia_r_feedback_ohm")};
    s.access = AccessTransistor{c.real("access.r_on_ohm"), c.real("access.r_off_ohm")};
    s.selector = Selector{c.real("selector.i0_ampere"), c.real("selector.v0_volt")};
    s.select_row = int(c.integer("select.row"));
    s.select_col = int(c.integer("select.col"));
    s.scheme = parse_enum(c.text("select.scheme"),
                          {SelectScheme::floating, SelectScheme::v_half, SelectScheme::v_third});
    x.device_preset = c.text("device.preset");
    x.g_min_siemens = c.real("device.g_min_siemens");
    x.g_max_siemens = c.real("device.g_max_siemens");
    x.v_read_volt = c.real("input.v_read_volt");
    x.timeout_s = c.real("solver.timeout_s");
    x.memory_budget_mib = c.real("solver.memory_budget_mib");
    x.nodal_cached = c.text("solver.nodal_newton") == "cached";
    x.nodal_cache_mib = c.real("solver.nodal_cache_mib");
    x.solver_method = parse_enum(c.text("solver.method"),
                                 {SolverMethod::direct, SolverMethod::iterative, SolverMethod::automatic});
    x.iterative_tolerance = c.real("solver.iterative_tolerance");
    x.iterative_max_iterations = int(c.integer("solver.iterative_max_iterations"));

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
