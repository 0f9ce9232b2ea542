// Nodal solves started from the line-relaxation surrogate's solution (surrogate_start.hpp,
// NodalSolver::solve_from) against the same solves from zero bias and against fresh
// factorisations (the reference), on Stanford-PKU 1R and 1T1R tiles in several geometries
// (differential columns or arrays, driver resistance, TIA sense, either edge), signed inputs up
// to 0.5 V behind 1 and 2.5 ohm wires. Tolerance: 1e-9 of the largest output (every solve
// meets the Newton test, every update below 1e-12 V + 1e-10 |v|); Kirchhoff's current law to
// 1e-12 A at every free node of the started solves; the start itself within 1e-3 of the
// largest input voltage of the solution at every node; fewer Newton iterations than from zero
// bias; the same numbers at 1 and 2 threads.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <omp.h>

#include <cmath>

#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/surrogate_start.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "support/stanford_response.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {

CrossbarConfig stanford(CellKind cell, int rows, int cols, double r_wire, double v_read) {
    CrossbarConfig x;
    x.spec.rows = rows;
    x.spec.cols = cols;
    x.spec.cell = cell;
    x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = r_wire;
    x.spec.differential = Differential::columns;
    x.device_preset = "stanford_rram_aimc";
    x.g_min_siemens = 2e-6;
    x.v_read_volt = v_read;
    x.seed = 13;
    return x;
}

std::vector<Eigen::VectorXd> signed_inputs(int rows, double v_read, int count) {
    SplitMix64 rng(9);
    std::vector<Eigen::VectorXd> out;
    for (int k = 0; k < count; ++k) {
        Eigen::VectorXd v(rows);
        for (int r = 0; r < rows; ++r) v(r) = v_read * (2.0 * rng.uniform() - 1.0);
        out.push_back(v);
    }
    return out;
}

double worst_free_node_balance(const CrossbarCircuit& x, const NodalSolver& solver, const NodalSolution& s) {
    const Eigen::VectorXd leaving = solver.node_current_balance(s);
    std::vector<char> sourced(std::size_t(x.circuit.node_count()), 0);
    for (const auto& src : x.circuit.sources()) sourced[std::size_t(src.p)] = 1;
    double worst = 0;
    for (int node = 1; node < x.circuit.node_count(); ++node)
        if (!sourced[std::size_t(node)]) worst = std::max(worst, std::abs(leaving(node)));
    return worst;
}

}  // namespace

TEST_CASE("Newton from the line relaxation's solution gives the zero-bias answer in fewer iterations", "[cosim]") {
    const CellKind cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    const int geometry = GENERATE(0, 1, 2);
    CrossbarConfig x = stanford(cell, 16, 8, geometry == 2 ? 2.5 : 1.0, geometry == 2 ? 0.5 : 0.3);
    if (geometry == 1) {  // the nodes the line maps do not hold: driver nodes, TIA inputs; other edges
        x.spec.r_driver_ohm = 20.0;
        x.spec.sense = SenseKind::tia;
        x.spec.driver_edge = DriverEdge::right;
        x.spec.sense_edge = SenseEdge::top;
    }
    if (geometry == 2) x.spec.differential = Differential::arrays;
    INFO(to_string(cell) << ", geometry " << geometry);
    const auto cells = program_cells(x, random_tile(x).g_siemens);
    const CellResponse response = test::stanford_response(x);
    const LineRelaxation line = LineRelaxation::build(x.spec, cells, response, 0.6 * x.v_read_volt);
    const auto inputs = signed_inputs(x.spec.rows, x.v_read_volt, 4);

    auto xbar = build_crossbar(x.spec, cells, inputs.front(), "surrogate start test");
    NodalOptions cold, fresh;
    cold.ordering = fresh.ordering = nested_dissection_order(xbar);
    fresh.newton = NewtonJacobian::fresh;
    long newton_cold = 0, newton_started = 0;
    for (const Eigen::VectorXd& v : inputs) {
        xbar.set_inputs(v);
        // One new solver per path and input: nothing carried from the solve before.
        const NodalSolver reference_solver(xbar.circuit, fresh), cold_solver(xbar.circuit, cold),
            started_solver(xbar.circuit, cold), started_fresh_solver(xbar.circuit, fresh);
        const NodalSolution reference = reference_solver.solve(), zero_bias = cold_solver.solve();
        LineRelaxationNodes nodes;
        line.sense_currents(v, nullptr, &nodes);
        const Eigen::VectorXd start = surrogate_start_voltages(xbar, nodes);
        REQUIRE(start.allFinite());
        const double v_max = v.cwiseAbs().maxCoeff();
        CHECK((start - reference.node_volt).cwiseAbs().maxCoeff() < 1e-3 * v_max);
        const NodalSolution started = started_solver.solve_from(start);
        const NodalSolution started_fresh = started_fresh_solver.solve_from(start);
        CHECK(started.warm_start);
        const Eigen::VectorXd out_ref = xbar.outputs(sense_currents(xbar, reference));
        const double scale = out_ref.cwiseAbs().maxCoeff();
        CHECK((xbar.outputs(sense_currents(xbar, zero_bias)) - out_ref).cwiseAbs().maxCoeff() < 1e-9 * scale);
        CHECK((xbar.outputs(sense_currents(xbar, started)) - out_ref).cwiseAbs().maxCoeff() < 1e-9 * scale);
        CHECK((xbar.outputs(sense_currents(xbar, started_fresh)) - out_ref).cwiseAbs().maxCoeff() < 1e-9 * scale);
        CHECK(worst_free_node_balance(xbar, started_solver, started) < 1e-12);  // A; cell currents ~1e-5 A
        newton_cold += zero_bias.iterations;
        newton_started += started.iterations;
    }
    INFO("Newton iterations: " << newton_cold << " from zero bias, " << newton_started << " started");
    CHECK(newton_started < newton_cold);
}

TEST_CASE("the surrogate-started nodal engine agrees with the zero-bias one, the same at 1 and 2 threads", "[cosim]") {
    const CellKind cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    // 24 x 48 differential: 2304 cells, above the size from which device evaluation is parallel.
    const CrossbarConfig x = stanford(cell, 24, 48, 1.0, 0.3);
    const ProgrammedTile tile = program_tile(x, random_tile(x).g_siemens);
    const CellResponse response = test::stanford_response(x);
    const auto inputs = signed_inputs(x.spec.rows, x.v_read_volt, 3);
    const int before = omp_get_max_threads();
    std::vector<std::vector<Eigen::VectorXd>> runs;
    NodalCounts started_counts, cold_counts;
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        const auto engine = make_nodal_engine(tile, tile_line_relaxation(tile, response, 0.18, LineRelaxationOptions{}));
        std::vector<Eigen::VectorXd>& out = runs.emplace_back();
        for (const auto& v : inputs) out.push_back(engine->matvec(v));
        started_counts = engine->solve_counts();
    }
    omp_set_num_threads(before);
    CHECK(runs[0] == runs[1]);  // bitwise
    const auto cold = make_nodal_engine(tile);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const Eigen::VectorXd ref = cold->matvec(inputs[k]);
        CHECK((runs[0][k] - ref).cwiseAbs().maxCoeff() < 1e-9 * ref.cwiseAbs().maxCoeff());
    }
    cold_counts = cold->solve_counts();
    CHECK(started_counts.warm_starts == long(inputs.size()));
    CHECK(started_counts.newton_iterations < cold_counts.newton_iterations);
}

TEST_CASE("a surrogate start of the wrong shape is refused", "[cosim]") {
    const CrossbarConfig x = stanford(CellKind::one_r, 4, 3, 1.0, 0.3);
    const auto cells = program_cells(x, random_tile(x).g_siemens);
    const auto xbar = build_crossbar(x.spec, cells, Eigen::VectorXd::Constant(4, 0.1), "shape test");
    LineRelaxationNodes nodes;
    CHECK_THROWS_AS(surrogate_start_voltages(xbar, nodes), std::invalid_argument);
    NodalOptions o;
    const NodalSolver solver(xbar.circuit, o);
    CHECK_THROWS_AS(solver.solve_from(Eigen::VectorXd::Zero(3)), std::invalid_argument);
    Eigen::VectorXd bad = Eigen::VectorXd::Zero(xbar.circuit.node_count());
    bad(xbar.row_nodes[0](1, 1)) = std::nan("");
    CHECK_THROWS_AS(solver.solve_from(bad), std::invalid_argument);
}
