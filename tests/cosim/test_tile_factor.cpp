// The nodal engine on the factorisation an ohmic surrogate's build kept (tile_factor.hpp) against a
// fresh nodal engine (bitwise: the same circuit, order and arithmetic) and against a fresh direct
// solve of the circuit built for the input (1e-12 relative: a different elimination order's
// rounding); what it charges a budget; and what it refuses.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <stdexcept>

#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/solve_memory.hpp"
#include "crossbar_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {
double max_rel(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) {
    return (a - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff();
}
}  // namespace

TEST_CASE(
    "a nodal engine on the surrogate's kept factorisation is a fresh "
    "nodal engine",
    "[cosim]") {
    CrossbarConfig cfg;
    cfg.spec = test::square_spec(GENERATE(16, 40), 2.0);
    cfg.spec.cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    cfg.spec.differential = GENERATE(Differential::none, Differential::columns);
    cfg.seed = 11;
    const ProgrammedTile tile = program_tile(cfg, random_tile(cfg).g_siemens);
    TileFactor factor;
    const auto surrogate = make_surrogate_engine(tile, CellResponse::linear(), 0.0, -1, {}, &factor);
    REQUIRE(factor.solver);
    REQUIRE(factor.xbar);
    // The charge covers at least the factor's values and indices, and stays below the peak of one
    // solve that the memory budget estimates (solve_memory.hpp).
    CHECK(factor.bytes() >= 12.0 * double(factor.solver->factor_nonzeros()));
    CHECK(factor.bytes() < estimated_solve_bytes(cfg.spec, "nodal"));
    const auto kept = make_nodal_engine(tile, std::move(factor));
    const auto fresh = make_nodal_engine(tile);
    for (int trial = 0; trial < 3; ++trial) {
        const Eigen::VectorXd v = 0.2 * Eigen::VectorXd::Random(cfg.spec.rows);  // signed, as two-phase reads are not
        const Eigen::VectorXd a = kept->matvec(v);
        CHECK(a == fresh->matvec(v));  // bitwise
        const Eigen::VectorXd direct = read_nodal(build_crossbar(cfg.spec, tile.cells, v)).outputs;
        CHECK(max_rel(a, direct) < 1e-12);
        CHECK(max_rel(surrogate->matvec(v), a) < 1e-12);
    }
}

TEST_CASE("a kept factorisation is refused where it does not fit", "[cosim]") {
    CrossbarConfig cfg;
    cfg.spec = test::square_spec(16, 2.0);
    const ProgrammedTile tile = program_tile(cfg, random_tile(cfg).g_siemens);
    CHECK_THROWS_AS(make_nodal_engine(tile, TileFactor{}),
                    std::invalid_argument);  // empty
    TileFactor factor;
    make_surrogate_engine(tile, CellResponse::linear(), 0.0, -1, {}, &factor);
    ProgrammedTile iterative = tile;
    iterative.config.solver_method = SolverMethod::iterative;
    CHECK_THROWS_AS(make_nodal_engine(iterative, std::move(factor)), std::invalid_argument);
    TileFactor other;
    CrossbarConfig bigger = cfg;
    bigger.spec = test::square_spec(20, 2.0);
    make_surrogate_engine(program_tile(bigger, random_tile(bigger).g_siemens), CellResponse::linear(), 0.0, -1, {},
                          &other);
    CHECK_THROWS_AS(make_nodal_engine(tile, std::move(other)),
                    std::invalid_argument);  // another spec
}
