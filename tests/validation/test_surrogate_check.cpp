// The held-out check: failed ngspice samples are recorded and skipped, the rest still count;
// the tiles checked have the layout asked for, and an exact surrogate captures the IR drop.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "validation/surrogate_check.hpp"

using namespace kirchhoff;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("check records failed ngspice samples and keeps going", "[validation][ngspice]") {
    params::Config c(cosim::surrogate_fit_schema());
    c.set_override("array.rows=12");
    c.set_override("array.cols=12");
    cosim::NgspiceSession session;
    auto model = cosim::fit_surrogate(c, session);
    const auto layout = netlists::inference_layout;
    cosim::SpicePool pool(1);
    const auto ok = validation::check_surrogate(model, layout, 2, pool);
    CHECK(ok.samples == 2);
    CHECK(ok.failed == 0);
    CHECK(ok.metrics.nmse < 1e-20);
    // Ohmic cells: the surrogate is exact, so it captures the whole IR drop (to the 1e-9 or so
    // that ngspice and the nodal solver differ by, relative to the IR drop's 1e-3).
    CHECK(ok.metrics.ir_nmse > 1e-6);
    CHECK(ok.metrics.captured_fraction_ir > 1 - 1e-6);
    CHECK(ok.metrics.captured_fraction > 1 - 1e-6);
    // A time limit no solve of a 96x96 tile (about 0.2 s in ngspice) can meet: every sample
    // fails, none is lost silently. (A solve that finishes before the limit is checked is
    // not halted, so the tile must be big enough to still be running.)
    model.crossbar.spec.rows = model.crossbar.spec.cols = 96;
    model.crossbar.timeout_s = 1e-6;
    const auto failed = validation::check_surrogate(model, layout, 3, pool);
    CHECK(failed.samples == 0);
    CHECK(failed.failed == 3);
    REQUIRE(failed.errors.size() == 3);
    CHECK_THAT(failed.errors[0], ContainsSubstring("time limit"));
    // The pool still solves afterwards.
    model.crossbar.timeout_s = 0;
    model.crossbar.spec.rows = model.crossbar.spec.cols = 12;
    CHECK(validation::check_surrogate(model, layout, 1, pool).samples == 1);
}

TEST_CASE("check measures the layout asked for, whatever the table was fitted on", "[validation][ngspice]") {
    params::Config c(cosim::surrogate_fit_schema());
    c.set_override("array.rows=6");
    c.set_override("array.cols=5");
    c.set_override("array.differential=none");
    c.set_override("fit.tiles=1");
    cosim::NgspiceSession session;
    const auto model = cosim::fit_surrogate(c, session);
    CHECK(model.crossbar.spec.differential == netlists::Differential::none);
    cosim::SpicePool pool(1);
    for (auto layout : {netlists::Differential::none, netlists::Differential::columns, netlists::Differential::arrays}) {
        const auto r = validation::check_surrogate(model, layout, 1, pool);
        CHECK(r.crossbar.spec.differential == layout);
        CHECK(r.crossbar.spec.rows == 6);
        CHECK(r.samples == 1);
        CHECK(r.metrics.nmse < 1e-20);  // ohmic: exact on any layout
    }
}
