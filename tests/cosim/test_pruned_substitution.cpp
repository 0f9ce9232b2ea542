// Outputs-only solves of ohmic circuits (pruned_substitution.hpp, NodalSolver::source_currents)
// against the full solve: bitwise equal source currents (the same operations in the same order
// on every entry they read), on crossbars (1R and 1T1R, single and differential, several sizes,
// zero, partly zero and random inputs, nonzero sense-source voltages) and on a random resistor
// network in AMD order; the nodal engine (which solves this way for ohmic tiles) against the full
// solve of read_nodal, bitwise; and what is refused.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <memory>
#include <random>
#include <stdexcept>

#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "netlists/sinh_selector.hpp"
#include "crossbar_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {

Eigen::VectorXd circuit_volts(const Circuit& c) {
    Eigen::VectorXd v(Eigen::Index(c.sources().size()));
    for (std::size_t k = 0; k < c.sources().size(); ++k) v(Eigen::Index(k)) = c.sources()[k].volt;
    return v;
}

// solver.source_currents(volt) against the full solve's currents of `sources`, bitwise.
void check_bitwise(const NodalSolver& solver, const std::vector<std::size_t>& sources, const Eigen::VectorXd& volt) {
    const Eigen::VectorXd full = solver.solve(volt).source_current;
    const Eigen::VectorXd part = solver.source_currents(volt);
    REQUIRE(part.size() == Eigen::Index(sources.size()));
    for (std::size_t k = 0; k < sources.size(); ++k) {
        INFO("source " << sources[k]);
        CHECK(part(Eigen::Index(k)) == full(Eigen::Index(sources[k])));
    }
}

}  // namespace

TEST_CASE("an outputs-only solve gives the full solve's sense currents bitwise", "[cosim]") {
    CrossbarSpec spec = test::square_spec(GENERATE(16, 40), 2.0);
    spec.cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    spec.differential = GENERATE(Differential::none, Differential::columns);
    spec.r_driver_ohm = GENERATE(0.0, 50.0);
    const CrossbarCircuit xbar = test::random_tile_circuit(spec, 7);
    NodalOptions o;
    o.ordering = nested_dissection_order(xbar);
    NodalSolver solver(xbar.circuit, o);
    plan_sense_currents(solver, xbar);
    std::vector<std::size_t> sense;
    for (std::size_t s : xbar.sense_sources)
        if (s != no_source) sense.push_back(s);
    // Each pass reads part of the factor (the full substitution reads all of it in each).
    const auto [forward, backward] = solver.planned_entries();
    CHECK(forward < solver.factor_nonzeros());
    CHECK(backward < solver.factor_nonzeros());

    const Eigen::VectorXd base = circuit_volts(xbar.circuit);
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(-0.3, 0.3);
    Eigen::VectorXd random = base, half = base, zero = Eigen::VectorXd::Zero(base.size()), all = base;
    for (std::size_t r = 0; r < xbar.row_sources.size(); ++r) {
        const auto s = Eigen::Index(xbar.row_sources[r]);
        random(s) = u(rng);
        half(s) = r % 2 ? 0.0 : u(rng);
    }
    for (Eigen::Index s = 0; s < all.size(); ++s) all(s) = u(rng);  // sense sources off 0 V too
    for (const Eigen::VectorXd& v : {base, random, half, zero, all}) check_bitwise(solver, sense, v);
    CHECK(solver.source_currents(zero).isZero(0.0));

    // Another set of sources: the row drivers' currents.
    std::vector<std::size_t> rows(xbar.row_sources.begin(), xbar.row_sources.end());
    solver.plan_source_currents(rows);
    check_bitwise(solver, rows, random);
    check_bitwise(solver, rows, all);
}

TEST_CASE("an outputs-only solve of a random resistor network in AMD order is bitwise the full solve", "[cosim]") {
    // 300 nodes, each tied to a random earlier one (connected) and to two more random nodes, a
    // few to ground, four sources: any pattern, not a crossbar's.
    std::mt19937 rng(GENERATE(1u, 2u, 3u));
    std::uniform_real_distribution<double> ohm(10.0, 1e4), volt(-1.0, 1.0);
    Circuit c("random network");
    const int nodes = 300;
    std::vector<NodeId> id;
    for (int i = 0; i < nodes; ++i) id.push_back(c.node("n" + std::to_string(i)));
    int r = 0;
    auto resistor = [&](NodeId a, NodeId b) { c.add_resistor("r" + std::to_string(r++), a, b, ohm(rng)); };
    for (int i = 1; i < nodes; ++i) resistor(id[std::size_t(i)], id[std::size_t(rng() % unsigned(i))]);
    for (int i = 0; i < nodes; ++i)
        for (int k = 0; k < 2; ++k) {
            const int j = int(rng() % unsigned(nodes));
            if (j != i) resistor(id[std::size_t(i)], id[std::size_t(j)]);
        }
    for (int i = 0; i < nodes; i += 37) resistor(id[std::size_t(i)], 0);
    for (int s = 0; s < 4; ++s) c.add_source("v" + std::to_string(s), id[std::size_t(s * 71 + 5)], volt(rng));
    NodalSolver solver(c);  // AMD
    for (const std::vector<std::size_t>& sources :
         {std::vector<std::size_t>{1}, std::vector<std::size_t>{3, 0}, std::vector<std::size_t>{0, 1, 2, 3}}) {
        solver.plan_source_currents(sources);
        check_bitwise(solver, sources, circuit_volts(c));
        Eigen::VectorXd one = Eigen::VectorXd::Zero(4);
        one(2) = 0.5;
        check_bitwise(solver, sources, one);
    }
}

TEST_CASE("the nodal engine of an ohmic tile gives the full solve's outputs bitwise", "[cosim]") {
    // The engine (fresh, and on the surrogate's kept factor) solves for the sense currents
    // alone; read_nodal solves the same circuit in the same order in full.
    CrossbarConfig cfg;
    cfg.spec = test::square_spec(GENERATE(16, 33), 2.0);
    cfg.spec.cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    cfg.spec.differential = GENERATE(Differential::none, Differential::columns);
    cfg.seed = 5;
    const ProgrammedTile tile = program_tile(cfg, random_tile(cfg).g_siemens);
    TileFactor factor;
    make_surrogate_engine(tile, CellResponse::linear(), 0.0, -1, {}, &factor);
    const auto kept = make_nodal_engine(tile, std::move(factor));
    const auto fresh = make_nodal_engine(tile);
    for (int trial = 0; trial < 3; ++trial) {
        Eigen::VectorXd v = 0.2 * Eigen::VectorXd::Random(cfg.spec.rows);
        if (trial == 1) v.head(cfg.spec.rows / 2).setZero();
        if (trial == 2) v.setZero();
        const Eigen::VectorXd full = read_nodal(build_crossbar(cfg.spec, tile.cells, v)).outputs;
        CHECK(fresh->matvec(v) == full);
        CHECK(kept->matvec(v) == full);
    }
}

TEST_CASE("outputs-only solves are refused where they do not apply", "[cosim]") {
    Circuit c("divider");
    const NodeId in = c.node("in"), out = c.node("out");
    c.add_source("v1", in, 1.0);
    c.add_resistor("r1", in, out, 1e3);
    c.add_resistor("r2", out, 0, 3e3);
    NodalSolver solver(c);
    CHECK_THROWS_AS(solver.source_currents(), std::logic_error);  // nothing planned
    CHECK_THROWS_AS(solver.plan_source_currents({1}), std::invalid_argument);
    solver.plan_source_currents({0});
    CHECK(solver.source_currents()(0) == solver.solve().source_current(0));
    CHECK_THROWS_AS(solver.source_currents(Eigen::VectorXd::Zero(2)), std::invalid_argument);

    Circuit d("diode");
    const NodeId a = d.node("a");
    d.add_source("v1", a, 0.5);
    d.add_nonlinear("x1", a, 0, d.add_model(std::make_shared<SinhSelector>(Selector{})), 0.0);
    NodalSolver nonlinear(d);
    CHECK_THROWS_AS(nonlinear.plan_source_currents({0}), std::logic_error);
}
