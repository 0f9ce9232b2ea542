// Range membership, formatting, and struct field tables.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>

#include "params/fields.hpp"
#include "params/range.hpp"

using namespace kirchhoff;
using namespace kirchhoff::params;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("ranges include or exclude their ends as declared", "[params]") {
    CHECK(Range::closed(1, 4).contains(1));
    CHECK(Range::closed(1, 4).contains(4));
    CHECK_FALSE(Range::closed(1, 4).contains(4.0000001));
    CHECK_FALSE(Range::positive().contains(0.0));
    CHECK(Range::positive().contains(1e-300));
    CHECK(Range::non_negative().contains(0.0));
    CHECK_FALSE(Range::any().contains(std::nan("")));
    CHECK_FALSE(Range::positive().contains(inf));
    CHECK(Range::closed(1, 4096).str() == "[1, 4096]");
    CHECK(Range::positive().str() == "(0, inf)");
}

namespace {
struct Divider {
    double r_top_ohm = 1e3;
    double ratio = 0.5;
};
constexpr Field<Divider> divider_fields[] = {
    {"r_top_ohm", &Divider::r_top_ohm, "ohm", Range::positive(), "upper resistor"},
    {"ratio", &Divider::ratio, "1", Range::closed(0, 1), "division ratio"},
};
}  // namespace

TEST_CASE("field tables validate structs and name the bad parameter", "[params]") {
    Divider d;
    CHECK_NOTHROW(validate_fields(d, std::span(divider_fields), "divider"));
    d.r_top_ohm = -5;
    CHECK_THROWS_WITH(validate_fields(d, std::span(divider_fields), "divider preset 'x'"),
                      ContainsSubstring("divider preset 'x'") && ContainsSubstring("r_top_ohm") &&
                          ContainsSubstring("-5") && ContainsSubstring("(0, inf)") &&
                          ContainsSubstring("upper resistor"));
    d.r_top_ohm = 1;
    d.ratio = 2;
    CHECK_THROWS_AS(validate_fields(d, std::span(divider_fields), "divider"), InputError);
    CHECK(find_field(std::span(divider_fields), "ratio")->member == &Divider::ratio);
    CHECK(find_field(std::span(divider_fields), "nope") == nullptr);
}
