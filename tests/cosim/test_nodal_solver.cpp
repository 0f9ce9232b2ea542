// The native nodal solver against closed forms, Kirchhoff's current law, the ideal GEMV, and
// ngspice on the same circuits (1e-6 relative for ohmic cells, 1e-4 for nonlinear ones).
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <array>
#include <cmath>

#include <Eigen/LU>

#include "cosim/crossbar_solve.hpp"
#include "devices/presets.hpp"
#include "netlists/ideal.hpp"
#include "crossbar_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;
using Catch::Matchers::ContainsSubstring;

namespace {
double max_rel_diff(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return ((a - b).array().abs() / b.array().abs().max(1e-30)).maxCoeff();
}
}  // namespace

TEST_CASE("a divider solves exactly and reports source currents the ngspice way", "[cosim]") {
    Circuit c("divider");
    const NodeId in = c.node("in"), out = c.node("out");
    c.add_source("v1", in, 1.0);
    c.add_resistor("r1", in, out, 1e3);
    c.add_resistor("r2", out, 0, 3e3);
    const NodalSolver solver(c);
    const auto s = solver.solve();
    CHECK(std::abs(s.node_volt(out) - 0.75) < 1e-15);
    CHECK(std::abs(s.source_current(0) + 0.25e-3) < 1e-18);
    CHECK(solver.unknowns() == 1);
}

TEST_CASE("zero wire resistance gives exactly G^T v", "[cosim]") {
    const auto x = test::random_tile_circuit(test::square_spec(32, 0.0), 5);
    const auto r = read_nodal(x);
    Eigen::MatrixXd g(32, 32);
    Eigen::VectorXd v(32);
    for (const auto& res : x.circuit.resistors()) {
        int row, col;
        REQUIRE(std::sscanf(res.name.c_str(), "rx%d_%d", &row, &col) == 2);
        g(row, col) = 1.0 / res.ohm;
    }
    for (int row = 0; row < 32; ++row) v(row) = x.circuit.sources()[x.row_sources[std::size_t(row)]].volt;
    CHECK(max_rel_diff(r.outputs, netlists::ideal_column_currents(g, v)) < 1e-13);
}

TEST_CASE("a 2x2 with word-line wires matches its closed form", "[cosim]") {
    // Ideal bit lines hold every cell's bottom at 0 V, so each word line is a ladder:
    // driver -Rw- n0 (G0 to ground) -Rw- n1 (G1 to ground).
    const double rw = 7.0, va = 0.3, vb = 0.2;
    Eigen::MatrixXd g(2, 2);
    g << 1e-3, 2e-3, 3e-3, 4e-3;
    CrossbarSpec spec;
    spec.rows = spec.cols = 2;
    spec.r_wire_row_ohm = rw;
    spec.r_wire_col_ohm = 0.0;
    const auto x = build_crossbar(spec, {{nullptr, g}}, Eigen::Vector2d(va, vb));
    const auto r = read_nodal(x);
    Eigen::Vector2d expected = Eigen::Vector2d::Zero();
    for (int row = 0; row < 2; ++row) {
        const double v = row == 0 ? va : vb, g0 = g(row, 0), g1 = g(row, 1);
        const double y0 = g0 + 1.0 / (rw + 1.0 / g1);  // admittance seen at n0
        const double v0 = v / (1.0 + rw * y0);
        const double v1 = v0 / (1.0 + rw * g1);
        expected(0) += g0 * v0;
        expected(1) += g1 * v1;
    }
    CHECK(max_rel_diff(r.outputs, expected) < 1e-13);
}

TEST_CASE("a 2x2 with bit-line wires matches its closed form", "[cosim]") {
    // Ideal word lines: column c is a ladder from its sense end: out -Rw- n1 (G1 from v1) -Rw- n0 (G0 from v0).
    const double rw = 11.0, v0 = 0.3, v1 = 0.1;
    Eigen::MatrixXd g(2, 2);
    g << 1e-3, 2e-3, 3e-3, 4e-3;
    CrossbarSpec spec;
    spec.rows = spec.cols = 2;
    spec.r_wire_row_ohm = 0.0;
    spec.r_wire_col_ohm = rw;
    const auto x = build_crossbar(spec, {{nullptr, g}}, Eigen::Vector2d(v0, v1));
    const auto r = read_nodal(x);
    for (int c = 0; c < 2; ++c) {
        // Unknowns: a = V(c0_c) (row 0), b = V(c1_c) (row 1). KCL:
        //   g0 (v0 - a) = (a - b) / rw ;  g1 (v1 - b) + (a - b) / rw = b / rw
        const double g0 = g(0, c), g1 = g(1, c), k = 1.0 / rw;
        Eigen::Matrix2d m;
        m << g0 + k, -k, -k, g1 + 2 * k;
        const Eigen::Vector2d ab = m.inverse() * Eigen::Vector2d(g0 * v0, g1 * v1);
        CHECK(std::abs(r.outputs(c) - ab(1) * k) < 1e-13 * ab(1) * k);
    }
}

TEST_CASE("sneak currents in a 3x3 with one selected cell match a hand calculation", "[cosim]") {
    // Equal cells G, ideal wires, cell (0, 0) selected at V. Floating lines: by symmetry the
    // unselected columns sit at a = 3V/5 and unselected rows at b = 2V/5, so the sense current
    // is G V (selected) + 2 G b (sneak) = 9 G V / 5. V/2 scheme: G V + 2 G V/2 = 2 G V.
    const double g = 1e-4, v = 0.5;
    CrossbarSpec spec;
    spec.rows = spec.cols = 3;
    spec.r_wire_row_ohm = spec.r_wire_col_ohm = 0.0;
    spec.mode = Mode::select;
    spec.scheme = SelectScheme::floating;
    const Eigen::MatrixXd cells = Eigen::MatrixXd::Constant(3, 3, g);
    const auto floating = read_nodal(build_crossbar(spec, {{nullptr, cells}}, Eigen::VectorXd::Constant(1, v)));
    CHECK(std::abs(floating.sense_current(0) - 9.0 * g * v / 5.0) < 1e-15);
    CHECK(std::isnan(floating.sense_current(1)));
    spec.scheme = SelectScheme::v_half;
    const auto half = read_nodal(build_crossbar(spec, {{nullptr, cells}}, Eigen::VectorXd::Constant(1, v)));
    CHECK(std::abs(half.sense_current(0) - 2.0 * g * v) < 1e-15);
    // V/3: unselected rows at V/3 and columns at 2V/3; column 0 collects G V + 2 G V/3.
    spec.scheme = SelectScheme::v_third;
    const auto third = read_nodal(build_crossbar(spec, {{nullptr, cells}}, Eigen::VectorXd::Constant(1, v)));
    CHECK(std::abs(third.sense_current(0) - (g * v + 2.0 * g * v / 3.0)) < 1e-15);
}

TEST_CASE("Kirchhoff's current law holds at every node", "[cosim]") {
    auto spec = test::square_spec(24, 2.0);
    spec.cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r, CellKind::one_s_one_r);
    spec.sense = SenseKind::tia;
    spec.r_driver_ohm = 20.0;
    const auto x = test::random_tile_circuit(spec, 7);
    const NodalSolver solver(x.circuit);
    const auto s = solver.solve();
    const Eigen::VectorXd leaving = solver.node_current_balance(s);
    std::vector<bool> sourced(std::size_t(x.circuit.node_count()), false);
    sourced[0] = true;
    for (const auto& src : x.circuit.sources()) sourced[std::size_t(src.p)] = true;
    const double scale = s.source_current.cwiseAbs().maxCoeff();
    for (int n = 0; n < x.circuit.node_count(); ++n)
        if (!sourced[std::size_t(n)]) CHECK(std::abs(leaving(n)) < 1e-12 * scale);
}

TEST_CASE("cell currents add up to each column current", "[cosim]") {
    // A bit line has no other way to the sense amplifier: its current is its cells' sum.
    auto spec = test::square_spec(12, 3.0);
    spec.cell = GENERATE(CellKind::one_r, CellKind::one_s_one_r);
    const auto x = test::random_tile_circuit(spec, 9);
    const auto r = read_nodal(x);
    REQUIRE(r.cell_current.size() == 1);
    const Eigen::VectorXd column_sums = r.cell_current[0].colwise().sum().transpose();
    CHECK(max_rel_diff(column_sums, r.sense_current) < 1e-12);
    CHECK((r.cell_current[0].array() > 0).all());  // every input is >= 0
}

TEST_CASE("a new input vector reuses the factorisation and equals a fresh solve", "[cosim]") {
    auto x = test::random_tile_circuit(test::square_spec(20, 1.0), 8);
    const NodalSolver solver(x.circuit);
    const auto first = solver.solve();
    x.set_inputs(Eigen::VectorXd::LinSpaced(20, 0.0, 0.2));
    const auto again = solver.solve();
    const auto fresh = NodalSolver(x.circuit).solve();
    CHECK((again.node_volt - fresh.node_volt).cwiseAbs().maxCoeff() < 1e-15);
    CHECK((again.node_volt - first.node_volt).cwiseAbs().maxCoeff() > 1e-3);
}

TEST_CASE("nodal agrees with ngspice on random tiles of every cell kind", "[cosim][ngspice]") {
    const int n = GENERATE(8, 33, 64);
    const auto cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r, CellKind::one_s_one_r);
    auto spec = test::square_spec(n, 1.5);
    spec.cell = cell;
    if (cell == CellKind::one_s_one_r) spec.selector = Selector{1e-5, 0.15};
    const auto x = test::random_tile_circuit(spec, std::uint64_t(n));
    const auto native = read_nodal(x);
    NgspiceSession session;
    const auto spice = read_spice(session, x);
    INFO(n << "x" << n << " " << to_string(cell) << ", " << native.iterations << " Newton iterations");
    const double tol = cell == CellKind::one_s_one_r ? 1e-4 : 1e-6;
    CHECK(max_rel_diff(native.outputs, spice.outputs) < tol);
}

TEST_CASE("nodal agrees with ngspice in select mode with floating lines", "[cosim][ngspice]") {
    auto spec = test::square_spec(16, 1.0);
    spec.mode = Mode::select;
    spec.select_row = 5;
    spec.select_col = 9;
    spec.scheme = GENERATE(SelectScheme::floating, SelectScheme::v_half, SelectScheme::v_third);
    netlists::CrossbarConfig cfg;
    cfg.spec = spec;
    const auto tile = random_tile(cfg);
    const auto x = build_crossbar(spec, program_cells(cfg, tile.g_siemens), Eigen::VectorXd::Constant(1, 0.4));
    const auto native = read_nodal(x);
    NgspiceSession session;
    const auto spice = read_spice(session, x);
    CHECK(std::abs(native.sense_current(9) - spice.sense_current(9)) < 1e-6 * std::abs(spice.sense_current(9)));
}

TEST_CASE("a node connected to nothing is a clear error", "[cosim]") {
    Circuit c("island");
    const NodeId a = c.node("a");
    c.node("lonely");
    c.add_source("v1", a, 1.0);
    c.add_resistor("r1", a, 0, 1e3);
    CHECK_THROWS_WITH(NodalSolver(c), ContainsSubstring("lonely") && ContainsSubstring("connected to nothing"));
}

TEST_CASE("nodal agrees with ngspice on tiles of device cells", "[cosim][ngspice]") {
    // Every electrical preset, programmed across most of its read window, on 1R and 1T1R tiles.
    // (VTEAM reads ohmically, so Newton takes one step there; the others are nonlinear.)
    for (const auto& name : cell_model_names()) {
        if (name == "linear") continue;
        for (const auto cell : {CellKind::one_r, CellKind::one_t_one_r}) {
            CrossbarConfig cfg;
            cfg.spec = test::square_spec(24, 2.0);
            cfg.spec.cell = cell;
            cfg.device_preset = name;
            cfg.v_read_volt = 0.2;
            const auto device = devices::make_device(devices::find_preset(name));
            const auto [lo, hi] = device->conductance_window_siemens(cfg.v_read_volt);
            cfg.g_min_siemens = lo * 1.2;
            cfg.g_max_siemens = hi / 1.2;
            const auto tile = random_tile(cfg);
            const auto x = build_crossbar(cfg.spec, program_cells(cfg, tile.g_siemens), tile.v_volt);
            const auto native = read_nodal(x);
            NgspiceSession session;
            const auto spice = read_spice(session, x);
            INFO(name << " " << to_string(cell) << ": " << native.iterations << " Newton iterations");
            CHECK(max_rel_diff(native.outputs, spice.outputs) < 1e-4);
        }
    }
}

TEST_CASE("solver.timeout_s: a nodal solve past its limit throws NodalError naming the key", "[cosim][hardening]") {
    const auto x = test::random_tile_circuit(test::square_spec(128, 1.0), 3);
    NodalOptions o;
    o.timeout_s = 1e-9;  // runs out during the set-up
    CHECK_THROWS_AS(read_nodal(x, o), NodalError);
    CHECK_THROWS_WITH(read_nodal(x, o), ContainsSubstring("solver.timeout_s") && ContainsSubstring("ran out"));
    o.timeout_s = 60;  // a generous limit changes nothing: bitwise the unlimited result
    CHECK(read_nodal(x, o).outputs == read_nodal(x).outputs);
}

TEST_CASE("block solves equal one solve per column, with and without injected currents", "[cosim]") {
    // cholesky_block_solve.hpp: each column of a block is Eigen's substitution of that column
    // alone, in the same order, so the solutions are equal (==, which ignores signs of zeros).
    const auto x = test::random_tile_circuit(test::square_spec(24, 1.0), 11);
    const NodalSolver solver(x.circuit, NodalOptions{.ordering = nested_dissection_order(x)});
    const Eigen::Index sources = Eigen::Index(x.circuit.sources().size()), k = 7;
    Eigen::MatrixXd volts = Eigen::MatrixXd::Zero(sources, k);
    Eigen::MatrixXd injection = Eigen::MatrixXd::Zero(x.circuit.node_count(), k);
    for (Eigen::Index j = 0; j < k; ++j) {
        for (int r = 0; r < x.spec.rows; ++r)
            volts(Eigen::Index(x.row_sources[std::size_t(r)]), j) = j == 3 ? 0.0 : 0.01 * double((r * 7 + j * 5) % 23) - 0.1;
        if (j % 2) injection(1 + (j * 37) % (x.circuit.node_count() - 1), j) = 1e-6 * double(j);
    }
    volts(Eigen::Index(x.row_sources[5]), 3) = 0.2;  // column 3: one row driven, as the surrogate build drives
    for (const Eigen::MatrixXd* inject : std::array<const Eigen::MatrixXd*, 2>{nullptr, &injection}) {
        const std::vector<NodalSolution> block = solver.solve_block(volts, inject);
        REQUIRE(block.size() == std::size_t(k));
        for (Eigen::Index j = 0; j < k; ++j) {
            const Eigen::VectorXd inj = inject ? Eigen::VectorXd(inject->col(j)) : Eigen::VectorXd();
            const NodalSolution one = solver.solve(volts.col(j), inject ? &inj : nullptr);
            CHECK(block[std::size_t(j)].node_volt == one.node_volt);
            CHECK(block[std::size_t(j)].source_current == one.source_current);
            CHECK(block[std::size_t(j)].iterations == 1);
        }
    }
    CHECK_THROWS_AS(solver.solve_block(Eigen::MatrixXd::Zero(sources + 1, 2)), std::invalid_argument);
    CHECK(solver.solve_block(Eigen::MatrixXd::Zero(sources, 0)).empty());
}
