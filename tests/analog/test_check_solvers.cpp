// The device tiles' check engines on pooled solvers (analog/check_solvers.hpp) against nodal
// engines built for each tile (make_nodal_check_engine without a pool, the reference): bitwise
// the same outputs, tile after tile on one reused solver, from zero bias and from the line
// relaxation's solution; as many solvers as engines alive at once.
#include <catch2/catch_test_macros.hpp>

#include "analog/check_cache.hpp"
#include "analog/check_solvers.hpp"
#include "analog/tile_programming.hpp"
#include "netlists/cell_programming.hpp"
#include "support/analog_fixtures.hpp"
#include "support/stanford_response.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;

TEST_CASE("pooled check engines give bitwise the outputs of engines built per tile", "[analog]") {
    for (const bool from_surrogate : {false, true}) {
        INFO("from the surrogate's solution: " << from_surrogate);
        AnalogOptions o = test::analog_options_with(test::rram_tile_sets(), cosim::Engine::surrogate);
        o.response = test::stanford_response(o.config.crossbar);
        o.v_star_volt = 0.6 * o.config.crossbar.v_read_volt;
        o.validate = cosim::Engine::nodal;
        o.validate_from_surrogate = from_surrogate;
        REQUIRE(pools_check_solvers(o));
        CheckSolverPool pool;
        for (std::uint64_t seed : {21u, 22u, 23u}) {
            netlists::CrossbarConfig x = o.config.crossbar;
            x.seed = seed;
            const netlists::RandomTile rt = netlists::random_tile(x);
            const cosim::ProgrammedTile tile = cosim::program_tile(x, rt.g_siemens);
            const auto pooled = make_nodal_check_engine(o, tile, &pool);
            const auto built = make_nodal_check_engine(o, tile);
            const long before = pooled->solve_counts().newton_iterations;  // the solver's earlier tiles
            for (double scale : {1.0, 0.5, -0.7}) {
                const Eigen::VectorXd v = scale * rt.v_volt;
                CHECK(pooled->matvec(v) == built->matvec(v));  // bitwise
            }
            CHECK(pooled->solve_counts().newton_iterations - before == built->solve_counts().newton_iterations);
        }
        CHECK(pool.solvers() == 1);  // one engine alive at a time: one solver for every tile
        CHECK(pool.counts().solves >= 9);
    }
}

TEST_CASE("a check solver pool makes one solver per engine alive at once", "[analog]") {
    AnalogOptions o = test::analog_options_with(test::rram_tile_sets(), cosim::Engine::surrogate);
    o.response = test::stanford_response(o.config.crossbar);
    o.validate = cosim::Engine::nodal;
    CheckSolverPool pool;
    netlists::CrossbarConfig x = o.config.crossbar;
    const cosim::ProgrammedTile tile = cosim::program_tile(x, netlists::random_tile(x).g_siemens);
    {
        const auto a = pool.engine(tile), b = pool.engine(tile);
        CHECK(pool.solvers() == 2);
        CHECK(a->matvec(netlists::random_tile(x).v_volt) == b->matvec(netlists::random_tile(x).v_volt));
    }
    CHECK(pool.counts().solves == 2);  // both given back, one solve each
    {
        const auto c = pool.engine(tile);
        CHECK(pool.solvers() == 2);        // given back, then reused
        CHECK(pool.counts().solves == 1);  // the solver lent out is not counted
    }
    CHECK(pool.counts().solves == 2);
}
