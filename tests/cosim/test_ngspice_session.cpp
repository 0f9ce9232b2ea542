// ngspice session: analytic circuits, every failure path, and recovery after each.
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <cmath>

#include "cosim/ngspice_session.hpp"

using namespace kirchhoff::cosim;
using Catch::Matchers::ContainsSubstring;

namespace {
const char* divider = "divider\nV1 in 0 DC 1\nR1 in out 1k\nR2 out 0 3k\n.end\n";

// After any failure the same session must still solve correctly.
void expect_divider_works(NgspiceSession& s) {
    s.load(divider);
    s.run("op");
    CHECK(s.vector("v(out)")[0] == Catch::Approx(0.75).epsilon(1e-15));
    CHECK(s.vector("i(v1)")[0] == Catch::Approx(-0.25e-3).epsilon(1e-15));
}
}  // namespace

TEST_CASE("a resistive divider solves exactly", "[cosim][ngspice]") {
    NgspiceSession s;
    CHECK(std::stoi(s.ngspice_version()) >= 42);
    CHECK(s.klu_compiled());
    s.load(divider);
    CHECK(s.title() == "divider");
    s.run("op");
    CHECK(s.last_solver() == "KLU");
    CHECK(s.vector("out")[0] == 0.75);
    CHECK(s.vector("v(out)")[0] == 0.75);
    CHECK(s.vector("V1#branch")[0] == -0.25e-3);
}

TEST_CASE("an RC step response matches its closed form", "[cosim][ngspice]") {
    NgspiceSession s;
    // tau = 1 us; a step at t = 0 through PWL with a 1 ps rise.
    s.load("rc step\nV1 in 0 PWL(0 0 1p 1)\nR1 in out 1k\nC1 out 0 1n\n"
           ".options reltol=1e-6 abstol=1e-15 vntol=1e-9\n.end\n");
    s.run("tran 1n 5u 0 1n");
    const auto t = s.vector("time");
    const auto v = s.vector("v(out)");
    REQUIRE(t.size() == v.size());
    REQUIRE(t.size() > 100);
    double worst = 0;
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (t[k] < 0.1e-6) continue;  // skip the first tenth of tau, where the PWL edge matters
        const double exact = 1.0 - std::exp(-(t[k] - 0.5e-12) / 1e-6);
        worst = std::max(worst, std::abs(v[k] - exact) / exact);
    }
    CHECK(worst < 1e-3);
}

TEST_CASE("a dc sweep returns one point per step", "[cosim][ngspice]") {
    NgspiceSession s;
    s.load(divider);
    s.run("dc V1 0 2 0.5");
    const auto out = s.vector("out");
    REQUIRE(out.size() == 5);
    for (std::size_t k = 0; k < out.size(); ++k) CHECK(out[k] == Catch::Approx(0.375 * double(k)));
}

TEST_CASE("the deck's own analysis runs with 'run'", "[cosim][ngspice]") {
    NgspiceSession s;
    s.load("own op\nV1 in 0 2\nR1 in out 1k\nR2 out 0 1k\n.op\n.end\n");
    s.run("run");
    CHECK(s.vector("out")[0] == Catch::Approx(1.0));
}

TEST_CASE("parse errors become SpiceError with title, analysis and message", "[cosim][ngspice]") {
    NgspiceSession s;
    try {
        s.load("broken deck\nV1 in 0 1\nQ5 a b\n.end\n");
        FAIL("expected a SpiceError");
    } catch (const SpiceError& e) {
        CHECK(e.title() == "broken deck");
        CHECK(e.analysis() == "load");
        CHECK_THAT(e.ngspice_message(), ContainsSubstring("q5 a b"));
        CHECK_THAT(std::string(e.what()), ContainsSubstring("broken deck"));
    }
    CHECK_THROWS_AS(s.run("op"), SpiceError);  // nothing is loaded now
    expect_divider_works(s);
    // A line ngspice would silently drop is an error too.
    CHECK_THROWS_WITH(s.load("dropped line\nV1 in 0 1\nR1 in out\nR2 in 0 1k\n.end\n"),
                      ContainsSubstring("not a valid"));
    expect_divider_works(s);
}

TEST_CASE("a singular matrix is reported as an error", "[cosim][ngspice]") {
    NgspiceSession s;
    s.load("voltage loop\nV1 in 0 1\nV2 in 0 2\nR1 in 0 1k\n.end\n");
    try {
        s.run("op");
        FAIL("expected a SpiceError");
    } catch (const SpiceError& e) {
        CHECK(e.title() == "voltage loop");
        CHECK(e.analysis() == "op");
        CHECK_THAT(e.ngspice_message(), ContainsSubstring("singular matrix"));
    }
    expect_divider_works(s);
}

TEST_CASE("an operating point that cannot converge is reported as an error", "[cosim][ngspice]") {
    NgspiceSession s;
    // The B source sinks +-1 A but the 1k resistor can deliver at most 1 mA: no solution
    // exists, so gmin and source stepping both fail.
    s.load("no convergence\nV1 in 0 1\nR1 in a 1k\nB1 a 0 I=V(a)>0.5 ? 1 : -1\n.end\n");
    try {
        s.run("op");
        FAIL("expected a SpiceError");
    } catch (const SpiceError& e) {
        CHECK(e.analysis() == "op");
        CHECK_THAT(e.ngspice_message(), ContainsSubstring("could not be simulated"));
    }
    expect_divider_works(s);
}

TEST_CASE("ngspice's exit callback becomes an error and the session reloads", "[cosim][ngspice]") {
    NgspiceSession s;
    try {
        s.load("quitter\nV1 in 0 1\nR1 in 0 1k\n.control\nop\nquit\n.endc\n.end\n");
        FAIL("expected a SpiceError");
    } catch (const SpiceError& e) {
        CHECK(e.title() == "quitter");
        CHECK_THAT(e.ngspice_message(), ContainsSubstring("exited"));
    }
    expect_divider_works(s);
}

TEST_CASE("an unknown vector names the vectors that exist", "[cosim][ngspice]") {
    NgspiceSession s;
    s.load(divider);
    s.run("op");
    CHECK_THROWS_WITH(s.vector("v(nosuch)"),
                      ContainsSubstring("no vector 'v(nosuch)'") && ContainsSubstring("out"));
    expect_divider_works(s);
}

TEST_CASE("a time limit halts a long analysis cleanly", "[cosim][ngspice]") {
    NgspiceSession s;
    s.load("long transient\nV1 in 0 SIN(0 1 1e6)\nR1 in out 1k\nC1 out 0 1n\n.end\n");
    const auto start = std::chrono::steady_clock::now();
    try {
        s.run("tran 1n 100m", 0.3);
        FAIL("expected a SpiceTimeout");
    } catch (const SpiceTimeout& e) {
        CHECK_THAT(e.ngspice_message(), ContainsSubstring("0.3 s"));
    }
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(took < 5.0);
    expect_divider_works(s);
}

TEST_CASE("two sessions in one process are independent simulators", "[cosim][ngspice]") {
    NgspiceSession a, b;
    a.load(divider);
    b.load("other\nV1 in 0 DC 2\nR1 in out 1k\nR2 out 0 1k\n.end\n");
    a.run("op");
    b.run("op");
    CHECK(a.vector("out")[0] == Catch::Approx(0.75));
    CHECK(b.vector("out")[0] == Catch::Approx(1.0));
}
