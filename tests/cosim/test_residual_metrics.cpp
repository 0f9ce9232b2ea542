// Residual metrics against the circuit with the two baselines (cosim/residual_metrics.hpp):
// hand-computed vectors, and a 1x1 tile whose currents follow from Ohm's law, on which the
// ideal-wire baseline keeps the access transistor and drops every shared resistance.
#include <cmath>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>

#include "cosim/mvm_engine.hpp"
#include "cosim/residual_metrics.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("residual metrics on hand-computed outputs", "[cosim]") {
    const Eigen::Vector2d circuit(1.0, 2.0), ideal(1.0, 4.0), ideal_wire(1.0, 0.0);
    SECTION("an exact engine captures everything") {
        ResidualAccumulator acc;
        acc.add(circuit, circuit, ideal, ideal_wire);
        const auto m = acc.metrics();
        CHECK(m.vectors == 1);
        CHECK(m.nmse == 0.0);
        CHECK(m.captured_fraction == 1.0);
        CHECK(m.captured_fraction_ir == 1.0);
        CHECK(m.max_rel_err == 0.0);
    }
    SECTION("an engine equal to the ideal-wire baseline captures none of the IR drop") {
        ResidualAccumulator acc;
        acc.add(ideal_wire, circuit, ideal, ideal_wire);
        const auto m = acc.metrics();
        CHECK(m.captured_fraction_ir == 0.0);
        CHECK_THAT(m.captured_fraction, WithinAbs(0.0, 1e-15));  // |ideal_wire - c| = |ideal - c| = 2 here
        CHECK_THAT(m.ir_nmse, WithinRel(4.0 / 5.0, 1e-15));
    }
    SECTION("partial capture, relative errors per output") {
        // error (0, 0.5): nmse 0.25/5; vs ideal (0, 2) and ideal wire (0, 2): both 1 - 0.5/2.
        // Per-output errors relative to max |circuit| = 2: 0 and 0.25.
        ResidualAccumulator acc;
        acc.add(Eigen::Vector2d(1.0, 1.5), circuit, ideal, ideal_wire);
        // A second vector: circuit (4, 0), engine (3, 0), ideal (4, 0), ideal wire (2, 0):
        // errors 1 and 0 relative to 4: 0.25 and 0.
        acc.add(Eigen::Vector2d(3.0, 0.0), Eigen::Vector2d(4.0, 0.0), Eigen::Vector2d(4.0, 0.0), Eigen::Vector2d(2.0, 0.0));
        const auto m = acc.metrics();
        CHECK(m.vectors == 2);
        CHECK_THAT(m.nmse, WithinRel((0.25 + 1.0) / (5.0 + 16.0), 1e-15));
        CHECK_THAT(m.ideal_nmse, WithinRel(4.0 / 21.0, 1e-15));
        CHECK_THAT(m.ir_nmse, WithinRel((4.0 + 4.0) / 21.0, 1e-15));
        CHECK_THAT(m.captured_fraction, WithinRel(1.0 - std::sqrt(1.25 / 4.0), 1e-15));
        CHECK_THAT(m.captured_fraction_ir, WithinRel(1.0 - std::sqrt(1.25 / 8.0), 1e-15));
        CHECK(m.max_rel_err == 0.25);
        CHECK(m.mean_rel_err == 0.125);   // (0 + 0.25 + 0.25 + 0) / 4
        CHECK(m.median_rel_err == 0.125); // between 0 and 0.25
    }
    SECTION("no IR drop: the IR fraction is undefined, not 1") {
        ResidualAccumulator acc;
        acc.add(circuit, circuit, ideal, circuit);
        CHECK(std::isnan(acc.metrics().captured_fraction_ir));
    }
    SECTION("sizes must match") {
        ResidualAccumulator acc;
        CHECK_THROWS_AS(acc.add(circuit, Eigen::Vector3d::Ones(), ideal, ideal_wire), std::invalid_argument);
    }
}

TEST_CASE("the ideal-wire baseline keeps the cell and its access transistor, drops shared resistances", "[cosim]") {
    // One 1T1R cell: driver, word-line segment, transistor, cell, bit-line segment, TIA input
    // in series, so every current is v / (sum of resistances).
    netlists::CrossbarConfig x;
    x.spec.rows = x.spec.cols = 1;
    x.spec.cell = netlists::CellKind::one_t_one_r;
    x.spec.access.r_on_ohm = 5e3;
    x.spec.r_wire_row_ohm = 1e3;
    x.spec.r_wire_col_ohm = 1e3;
    x.spec.r_driver_ohm = 300.0;
    x.spec.sense = netlists::SenseKind::tia;
    x.spec.tia.r_in_ohm = 200.0;
    const double g = 1e-4, v = 0.2, r_tia = x.spec.tia.input_ohm();
    const auto tile = program_tile(x, {Eigen::MatrixXd::Constant(1, 1, g)});
    const Eigen::VectorXd in = Eigen::VectorXd::Constant(1, v);
    const double i_circuit = v / (300.0 + 1e3 + 5e3 + 1.0 / g + 1e3 + r_tia);
    const double i_ideal_wire = v / (5e3 + 1.0 / g);
    const double i_ideal = g * v;
    const auto circuit = make_nodal_engine(tile)->matvec(in);
    const auto ideal_wire = make_nodal_engine(ideal_wire_tile(tile))->matvec(in);
    const auto ideal = make_ideal_engine(tile)->matvec(in);
    CHECK_THAT(circuit(0), WithinRel(i_circuit, 1e-12));
    CHECK_THAT(ideal_wire(0), WithinRel(i_ideal_wire, 1e-12));
    CHECK(ideal(0) == i_ideal);
    // Judged by the old metric the ideal engine captures nothing (0); judged against the IR drop
    // alone it is far worse than ignoring the wires, since it also drops the 5 kohm transistor:
    // 1 - |i_ideal - i_circuit| / |i_ideal_wire - i_circuit|.
    ResidualAccumulator acc;
    acc.add(ideal, circuit, ideal, ideal_wire);
    const auto m = acc.metrics();
    CHECK(m.captured_fraction == 0.0);
    CHECK_THAT(m.captured_fraction_ir, WithinRel(1.0 - (i_ideal - i_circuit) / (i_ideal_wire - i_circuit), 1e-9));
    // With these resistances (ohm): circuit 17501 (TIA input 200 + 1e4 / 10001), ideal wire 15000,
    // ideal 10000: 1 - (1/10000 - 1/17501) / (1/15000 - 1/17501) = 1 - 1.5 * 7501 / 2501.
    CHECK_THAT(m.captured_fraction_ir, WithinRel(1.0 - 1.5 * (7500.0 + r_tia - 200.0) / (2500.0 + r_tia - 200.0), 1e-9));
    CHECK(m.captured_fraction_ir < -3.0);
}

TEST_CASE("the ideal-wire baseline of a device tile solves with no line nodes left", "[cosim]") {
    // 1R cells on ideal lines: every node is a driver or a sense node. Differential columns,
    // a nonlinear device: each output is I(v_r, m+) - I(v_r, m-) summed over rows.
    netlists::CrossbarConfig x;
    x.spec.rows = 5;
    x.spec.cols = 3;
    x.spec.differential = netlists::Differential::columns;
    x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = 2.5;
    x.device_preset = "stanford_rram_aimc";
    x.g_min_siemens = 2e-6;
    x.v_read_volt = 0.5;
    const auto random = netlists::random_tile(x);
    const auto tile = program_tile(x, random.g_siemens);
    const auto ideal_wire = make_nodal_engine(ideal_wire_tile(tile))->matvec(random.v_volt);
    const auto& cells = tile.cells[0];
    for (int c = 0; c < x.spec.cols; ++c) {
        double expected = 0.0;
        for (int r = 0; r < x.spec.rows; ++r)
            for (int s : {0, 1})
                expected += (s == 0 ? 1 : -1) * cells.model->current(random.v_volt(r), cells.value(r, 2 * c + s));
        CHECK_THAT(ideal_wire(c), WithinRel(expected, 1e-12));
    }
}
