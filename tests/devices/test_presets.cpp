// The preset registry and parameter validation: every preset is valid, bad values name the
// model, the parameter, the value and the allowed range.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <set>
#include <string>

#include "devices/presets.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using namespace kirchhoff::devices;
using Catch::Matchers::ContainsSubstring;

namespace {
// A value just outside `r`, or NaN when r is unbounded (NaN is never in a range).
double outside(const params::Range& r) {
    if (std::isfinite(r.hi)) return r.hi + std::abs(r.hi) + 1.0;
    if (std::isfinite(r.lo)) return r.lo - std::abs(r.lo) - 1.0;
    return std::nan("");
}
}  // namespace

TEST_CASE("every preset passes validate() and cites a source", "[devices][presets]") {
    std::set<std::string> names;
    for (const Preset& p : presets()) {
        INFO(p.name);
        CHECK(names.insert(std::string(p.name)).second);
        CHECK_FALSE(p.citation.empty());
        CHECK_FALSE(p.summary.empty());
        CHECK_NOTHROW(validate(p.make()));
        if (is_electrical(p)) {
            const auto d = make_device(p);
            CHECK(d->model() == p.model);
            CHECK_NOTHROW(d->validate());
            CHECK(p.protocol.v_read_volt != 0.0);
            CHECK(p.protocol.loop_period_s > 0.0);
        }
    }
    // One of each model at least.
    for (const char* model : {"stanford_rram", "vteam", "pcm_electrical", "pcm_statistical"}) {
        bool found = false;
        for (const Preset& p : presets()) found = found || p.model == model;
        CHECK(found);
    }
}

TEST_CASE("the re-ranged Stanford preset reads 1-100 uS at 0.1 V", "[devices][presets]") {
    const auto d = make_device(find_preset("stanford_rram_aimc"));
    const auto [g_lo, g_hi] = d->conductance_window_siemens(0.1);
    CHECK(std::abs(g_lo / 1e-6 - 1.0) < 1e-12);
    CHECK(std::abs(g_hi / 100e-6 - 1.0) < 1e-12);
    const auto [lo, hi] = d->state_bounds();
    CHECK(std::abs(lo[0] - 0.93e-9) < 0.01e-9);  // "gap about 0.9-2.1 nm"
    CHECK(std::abs(hi[0] - 2.08e-9) < 0.01e-9);
}

TEST_CASE("unknown presets and statistical presets are InputErrors", "[devices][presets]") {
    CHECK_THROWS_WITH(find_preset("stanfrd"), ContainsSubstring("stanfrd") &&
                                                  ContainsSubstring("stanford_rram_aimc"));
    CHECK_THROWS_AS(make_device(find_preset("pcm_joshi2020")), InputError);
    CHECK_FALSE(is_electrical(find_preset("pcm_joshi2020")));
}

TEST_CASE("each out-of-range parameter names model, parameter, value and range",
          "[devices][presets]") {
    for (const Preset& p : presets()) {
        if (!is_electrical(p)) continue;
        const auto nominal = make_device(p);
        for (const ParameterView& row : nominal->parameters()) {
            INFO(p.name << "." << row.name);
            auto d = nominal->clone();
            const double bad = outside(row.range);
            d->set_parameter(row.name, bad);
            try {
                d->validate();
                FAIL("expected an InputError");
            } catch (const InputError& e) {
                const std::string msg = e.what();
                CHECK_THAT(msg, ContainsSubstring(std::string(p.model)));
                CHECK_THAT(msg, ContainsSubstring(row.name));
                CHECK_THAT(msg, ContainsSubstring(params::format_number(bad)));
                CHECK_THAT(msg, ContainsSubstring(row.range.str()));
            }
        }
    }
}

TEST_CASE("the statistical model validates its table and orderings", "[devices][presets]") {
    PcmStatisticalParams p;
    CHECK_NOTHROW(p.validate());
    p.g_max_siemens = -1.0;
    CHECK_THROWS_WITH(p.validate(), ContainsSubstring("g_max_siemens") &&
                                        ContainsSubstring("-1") && ContainsSubstring("(0, inf)"));
    p = {};
    p.nu_mu_min = 0.2;
    CHECK_THROWS_WITH(p.validate(), ContainsSubstring("nu_mu_min") && ContainsSubstring("nu_mu_max"));
}

TEST_CASE("cross-parameter constraints are checked", "[devices][presets]") {
    StanfordRramParams s;
    s.gap_min_m = 2e-9;
    CHECK_THROWS_WITH(s.validate(), ContainsSubstring("gap_min_m") && ContainsSubstring("gap_max_m"));
    VteamParams v;
    v.r_on_ohm = 2e3;
    CHECK_THROWS_WITH(v.validate(), ContainsSubstring("r_on_ohm") && ContainsSubstring("r_off_ohm"));
    PcmElectricalParams c;
    c.v_hold_volt = 1.5;
    CHECK_THROWS_WITH(c.validate(), ContainsSubstring("v_hold_volt"));
}

TEST_CASE("set_parameter rejects unknown names and lists the known ones", "[devices][presets]") {
    auto d = make_device(find_preset("vteam"));
    CHECK_THROWS_WITH(d->set_parameter("r_onn_ohm", 1.0),
                      ContainsSubstring("r_onn_ohm") && ContainsSubstring("r_on_ohm"));
    d->set_parameter("r_on_ohm", 77.0);
    bool seen = false;
    for (const auto& row : d->parameters()) seen = seen || (row.name == "r_on_ohm" && row.value == 77.0);
    CHECK(seen);
}
