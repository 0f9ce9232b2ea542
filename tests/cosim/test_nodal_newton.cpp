// The nodal solver's cached Newton path (CG preconditioned by cached factors, optional warm
// start) against the fresh path (a factorisation every step: the reference) and ngspice, on
// small Stanford-PKU 1R and 1T1R tiles with differential columns, 1 ohm wires, signed inputs
// up to 0.3 V. Tolerances: cached vs fresh 1e-9 of the largest output (both meet the Newton
// test, every update below 1e-12 V + 1e-10 |v|; the fresh path's own error is far below it),
// vs ngspice 1e-4 relative (as for every nonlinear tile); the same numbers at 1 and 2 threads
// and on a replay after clear_cache(), bit for bit.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <omp.h>

#include <cmath>

#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {

struct Tile {
    CrossbarConfig config;
    std::vector<CellArray> cells;
    std::vector<Eigen::VectorXd> inputs;  // signed, in [-v_read, v_read]
};

Tile stanford_tile(CellKind cell, int rows, int cols, int mvms) {
    Tile t;
    t.config.spec.rows = rows;
    t.config.spec.cols = cols;
    t.config.spec.cell = cell;
    t.config.spec.differential = Differential::columns;
    t.config.device_preset = "stanford_rram_aimc";
    t.config.g_min_siemens = 2e-6;
    t.config.v_read_volt = 0.3;
    t.config.seed = 11;
    t.cells = program_cells(t.config, random_tile(t.config).g_siemens);
    SplitMix64 rng(5);
    for (int k = 0; k < mvms; ++k) {
        Eigen::VectorXd v(rows);
        for (int r = 0; r < rows; ++r) v(r) = t.config.v_read_volt * (2.0 * rng.uniform() - 1.0);
        t.inputs.push_back(v);
    }
    return t;
}

struct Reads {
    std::vector<Eigen::VectorXd> outputs;
    std::vector<NodalSolution> solutions;
    NodalCounts counts;
};

// Every input of the tile through one solver with these options, as the nodal engine does it.
Reads read_all(const Tile& t, NodalOptions o) {
    auto x = build_crossbar(t.config.spec, t.cells, t.inputs.front(), "newton test tile");
    o.ordering = nested_dissection_order(x);
    NodalSolver solver(x.circuit, o);
    Reads r;
    for (const Eigen::VectorXd& v : t.inputs) {
        x.set_inputs(v);
        r.solutions.push_back(solver.solve());
        r.outputs.push_back(x.outputs(sense_currents(x, r.solutions.back())));
        // Kirchhoff's current law at every free node of the solution.
        const Eigen::VectorXd leaving = solver.node_current_balance(r.solutions.back());
        double worst = 0;
        for (int node = 1; node < x.circuit.node_count(); ++node) {
            bool sourced = false;
            for (const auto& s : x.circuit.sources()) sourced = sourced || s.p == node;
            if (!sourced) worst = std::max(worst, std::abs(leaving(node)));
        }
        CHECK(worst < 1e-12);  // A; cell currents are ~1e-5 A
    }
    r.counts = solver.counts();
    return r;
}

double max_abs(const std::vector<Eigen::VectorXd>& a) {
    double m = 0;
    for (const auto& v : a) m = std::max(m, v.cwiseAbs().maxCoeff());
    return m;
}

double max_diff(const std::vector<Eigen::VectorXd>& a, const std::vector<Eigen::VectorXd>& b) {
    double m = 0;
    for (std::size_t k = 0; k < a.size(); ++k) m = std::max(m, (a[k] - b[k]).cwiseAbs().maxCoeff());
    return m;
}

NodalOptions fresh() {
    NodalOptions o;
    o.newton = NewtonJacobian::fresh;
    return o;
}

}  // namespace

TEST_CASE("cached Newton agrees with fresh factorisations on Stanford 1R and 1T1R tiles", "[cosim]") {
    const CellKind cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    const Tile t = stanford_tile(cell, 16, 8, 6);
    const Reads reference = read_all(t, fresh());
    NodalOptions cold;  // the default: cached, cold start
    NodalOptions warm;
    warm.warm_start = true;
    const Reads cached = read_all(t, cold), warmed = read_all(t, warm);
    const double scale = max_abs(reference.outputs);
    INFO(to_string(cell) << ": fresh " << reference.counts.newton_iterations << " Newton iterations, "
                         << reference.counts.factorizations << " factorisations; cached "
                         << cached.counts.newton_iterations << " Newton, " << cached.counts.cg_iterations << " CG, "
                         << cached.counts.factorizations << " factorisations; warm " << warmed.counts.newton_iterations
                         << " Newton, " << warmed.counts.cg_iterations << " CG");
    CHECK(max_diff(cached.outputs, reference.outputs) < 1e-9 * scale);
    CHECK(max_diff(warmed.outputs, reference.outputs) < 1e-9 * scale);
    // The fresh path factorises every step and runs no CG; the cached one does the reverse here
    // (the split preconditioner never stalls on these tiles).
    CHECK(reference.counts.cg_iterations == 0);
    CHECK(reference.counts.factorizations == reference.counts.newton_iterations + long(t.inputs.size()));
    CHECK(cached.counts.factorizations == 0);
    CHECK(cached.counts.cg_iterations > 0);
    CHECK(cached.counts.warm_starts == 0);
    CHECK(warmed.counts.warm_starts == long(t.inputs.size()) - 1);  // all but the first
    // The totals are the per-solve numbers summed.
    long newton = 0, cg = 0;
    for (const NodalSolution& s : cached.solutions) {
        CHECK(s.iterations >= 1);
        newton += s.iterations;
        cg += s.cg_iterations;
    }
    CHECK(newton == cached.counts.newton_iterations);
    CHECK(cg == cached.counts.cg_iterations);
    CHECK(cached.counts.solves == long(t.inputs.size()));
}

TEST_CASE("a cache budget too small for the factors keeps nothing and changes nothing", "[cosim]") {
    const Tile t = stanford_tile(CellKind::one_r, 12, 6, 4);
    NodalOptions none;
    none.warm_start = true;
    none.cache_budget_mib = 0.0;
    const Reads tight = read_all(t, none), reference = read_all(t, fresh());
    CHECK(tight.counts.warm_starts == 0);  // nothing kept, so no solve can start warm
    CHECK(max_diff(tight.outputs, reference.outputs) < 1e-9 * max_abs(reference.outputs));
}

TEST_CASE("the cached path gives the same numbers at 1 and 2 threads and on a replay", "[cosim]") {
    // 24 x 48 differential: 2304 cells, above the size from which device evaluation is parallel.
    const Tile t = stanford_tile(CellKind::one_r, 24, 48, 3);
    ProgrammedTile tile;
    tile.config = t.config;
    tile.cells = t.cells;
    std::vector<std::vector<Eigen::VectorXd>> runs;
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        const auto engine = make_nodal_engine(tile);
        std::vector<Eigen::VectorXd>& out = runs.emplace_back();
        for (const auto& v : t.inputs) out.push_back(engine->matvec(v));
        engine->restart();  // a replay from a cleared cache: the same numbers again
        for (const auto& v : t.inputs) out.push_back(engine->matvec(v));
        CHECK(engine->solve_counts().solves == 2 * long(t.inputs.size()));
        CHECK(engine->solve_counts().newton_iterations > 0);
    }
    omp_set_num_threads(omp_get_num_procs());
    for (std::size_t k = 0; k < t.inputs.size(); ++k) {
        CHECK((runs[0][k].array() == runs[1][k].array()).all());
        CHECK((runs[0][k].array() == runs[0][k + t.inputs.size()].array()).all());
    }
}

TEST_CASE("the cached path agrees with ngspice on Stanford 1R and 1T1R tiles", "[cosim][ngspice]") {
    const CellKind cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    const Tile t = stanford_tile(cell, 16, 8, 3);
    ProgrammedTile tile;
    tile.config = t.config;
    tile.cells = t.cells;
    const auto nodal = make_nodal_engine(tile);
    NgspiceSession session;
    const auto spice = make_spice_engine(tile, session);
    for (const auto& v : t.inputs) {
        const Eigen::VectorXd a = nodal->matvec(v), b = spice->matvec(v);
        INFO(to_string(cell) << ": max |nodal - ngspice| / max |ngspice| = "
                             << (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff());
        CHECK((a - b).cwiseAbs().maxCoeff() < 1e-4 * b.cwiseAbs().maxCoeff());
    }
    const NodalCounts c = nodal->solve_counts();
    INFO(c.newton_iterations << " Newton and " << c.cg_iterations << " CG iterations over " << c.solves << " solves");
    CHECK(c.solves == long(t.inputs.size()));
}
