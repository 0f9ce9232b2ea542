// The held-out check: failed ngspice samples are recorded and skipped, the rest still count.
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
    const auto ok = validation::check_surrogate(model, 2, session);
    CHECK(ok.samples == 2);
    CHECK(ok.failed == 0);
    CHECK(ok.nmse < 1e-20);
    // A time limit no solve of a 96x96 tile (about 0.2 s in ngspice) can meet: every sample
    // fails, none is lost silently. (A solve that finishes before the limit is checked is
    // not halted, so the tile must be big enough to still be running.)
    model.crossbar.spec.rows = model.crossbar.spec.cols = 96;
    model.crossbar.timeout_s = 1e-6;
    const auto failed = validation::check_surrogate(model, 3, session);
    CHECK(failed.samples == 0);
    CHECK(failed.failed == 3);
    REQUIRE(failed.errors.size() == 3);
    CHECK_THAT(failed.errors[0], ContainsSubstring("time limit"));
    // The session still solves afterwards.
    model.crossbar.timeout_s = 0;
    model.crossbar.spec.rows = model.crossbar.spec.cols = 12;
    CHECK(validation::check_surrogate(model, 1, session).samples == 1);
}
