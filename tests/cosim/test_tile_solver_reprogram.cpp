// A tile circuit solver reprogrammed with another tile's cells (TileCircuitSolver::reprogram,
// CrossbarCircuit::set_cells) against a solver built for that tile (the reference): bitwise the
// same outputs and Newton iterations, for Stanford-PKU 1R and 1T1R tiles from zero bias and
// from the line relaxation's solution, for ohmic tiles (refactorised) and on the iterative
// solver; the swapped-in circuit equals the one build_crossbar makes; incompatible configs and
// cells are refused before anything changes.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <cmath>

#include "cosim/mvm_engine.hpp"
#include "cosim/tile_solver.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "support/stanford_response.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {

CrossbarConfig tile_config(CellKind cell, const std::string& preset) {
    CrossbarConfig x;
    x.spec.rows = 20;
    x.spec.cols = 12;
    x.spec.cell = cell;
    x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = 2.0;
    x.spec.differential = Differential::columns;
    x.device_preset = preset;
    x.g_min_siemens = 2e-6;
    x.v_read_volt = 0.3;
    return x;
}

ProgrammedTile tile_with_seed(CrossbarConfig x, std::uint64_t seed) {
    x.seed = seed;
    return program_tile(x, random_tile(x).g_siemens);
}

// Outputs of `solver` for `inputs`, with the Newton iterations of each solve.
std::pair<std::vector<Eigen::VectorXd>, std::vector<int>> solve_all(TileCircuitSolver& solver,
                                                                     const std::vector<Eigen::VectorXd>& inputs) {
    std::pair<std::vector<Eigen::VectorXd>, std::vector<int>> out;
    for (const auto& v : inputs) {
        TileSolveReport r;
        out.first.push_back(solver.sense_currents(v, &r));
        out.second.push_back(r.newton_iterations);
    }
    return out;
}

std::vector<Eigen::VectorXd> inputs_of(const CrossbarConfig& x) {
    std::vector<Eigen::VectorXd> out;
    for (std::uint64_t s : {3u, 4u, 5u}) {
        CrossbarConfig c = x;
        c.seed = s;
        out.push_back(random_tile(c).v_volt);
    }
    return out;
}

}  // namespace

TEST_CASE("a reprogrammed tile solver solves bitwise as one built for the new tile", "[cosim]") {
    const auto param = GENERATE(
        std::tuple(CellKind::one_r, std::string("stanford_rram_aimc"), SolverMethod::direct, false),
        std::tuple(CellKind::one_r, std::string("stanford_rram_aimc"), SolverMethod::direct, true),
        std::tuple(CellKind::one_t_one_r, std::string("stanford_rram_aimc"), SolverMethod::direct, true),
        std::tuple(CellKind::one_r, std::string("linear"), SolverMethod::direct, false),
        std::tuple(CellKind::one_t_one_r, std::string("linear"), SolverMethod::iterative, false));
    // Named copies, not a structured binding: Clang 16 cannot capture those under OpenMP.
    const CellKind cell = std::get<0>(param);
    const std::string preset = std::get<1>(param);
    const SolverMethod method = std::get<2>(param);
    const bool started = std::get<3>(param);
    INFO(to_string(cell) << " " << preset << " started " << started);
    CrossbarConfig x = tile_config(cell, preset);
    x.solver_method = method;
    const ProgrammedTile first = tile_with_seed(x, 11), second = tile_with_seed(x, 12);
    REQUIRE(first.cells[0].value != second.cells[0].value);
    const auto inputs = inputs_of(x);
    auto start_of = [&](const ProgrammedTile& t) -> std::shared_ptr<const LineRelaxation> {
        if (!started) return nullptr;
        return tile_line_relaxation(t, test::stanford_response(x), 0.18, LineRelaxationOptions{});
    };

    TileCircuitSolver reused(first.config, first.cells, start_of(first));
    const auto before = solve_all(reused, inputs);  // sets up the circuit, ordering and solver
    reused.reprogram(second.config, second.cells, start_of(second));
    const auto swapped = solve_all(reused, inputs);
    TileCircuitSolver fresh(second.config, second.cells, start_of(second));
    const auto reference = solve_all(fresh, inputs);
    CHECK(swapped.first == reference.first);    // bitwise
    CHECK(swapped.second == reference.second);  // the same Newton path
    CHECK(swapped.first != before.first);       // the second tile's cells, not the first's
    // And back: the first tile again gives its own outputs.
    reused.reprogram(first.config, first.cells, start_of(first));
    CHECK(solve_all(reused, inputs).first == before.first);
    if (preset != "linear") CHECK(reused.counts().solves == 3 * long(inputs.size()));  // totals keep adding up
}

TEST_CASE("set_cells makes the circuit build_crossbar makes for those cells", "[netlists]") {
    for (const std::string preset : {"stanford_rram_aimc", "linear"}) {
        INFO(preset);
        const CrossbarConfig x = tile_config(CellKind::one_t_one_r, preset);
        const ProgrammedTile a = tile_with_seed(x, 1), b = tile_with_seed(x, 2);
        const Eigen::VectorXd v = Eigen::VectorXd::Constant(x.spec.rows, 0.1);
        CrossbarCircuit swapped = build_crossbar(x.spec, a.cells, v);
        swapped.set_cells(b.cells);
        const CrossbarCircuit built = build_crossbar(x.spec, b.cells, v);
        CHECK(spice_deck(swapped.circuit) == spice_deck(built.circuit));
    }
}

TEST_CASE("reprogram and set_cells refuse other circuits and cells, changing nothing", "[cosim]") {
    const CrossbarConfig x = tile_config(CellKind::one_r, "stanford_rram_aimc");
    const ProgrammedTile a = tile_with_seed(x, 1);
    const auto inputs = inputs_of(x);
    TileCircuitSolver solver(a.config, a.cells);
    const auto reference = solve_all(solver, inputs);

    CrossbarConfig wider = x;
    wider.spec.r_wire_row_ohm = 3.0;
    CHECK_THROWS_AS(solver.reprogram(wider, tile_with_seed(wider, 2).cells), std::invalid_argument);
    CHECK_FALSE(same_circuit_settings(x, wider));
    CrossbarConfig reseeded = x;
    reseeded.seed = 99;
    reseeded.g_max_siemens = 5e-5;
    CHECK(same_circuit_settings(x, reseeded));  // programming's keys only

    const ProgrammedTile ohmic = tile_with_seed(tile_config(CellKind::one_r, "linear"), 2);
    CHECK_THROWS_AS(solver.reprogram(x, ohmic.cells), std::invalid_argument);  // device circuit, ohmic cells
    std::vector<CellArray> small = a.cells;
    small[0].value = small[0].value.topRows(4).eval();
    CHECK_THROWS_AS(solver.reprogram(x, small), std::invalid_argument);
    CHECK_THROWS_AS(solver.reprogram(x, {}), std::invalid_argument);
    std::vector<CellArray> bad = tile_with_seed(x, 3).cells;
    bad[0].value(bad[0].value.rows() - 1, bad[0].value.cols() - 1) = std::nan("");  // the last cell: after the others
    CHECK_THROWS_AS(solver.reprogram(x, bad), std::invalid_argument);
    CHECK(solve_all(solver, inputs).first == reference.first);  // still the first tile
}
