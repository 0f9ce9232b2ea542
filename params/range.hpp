// A closed or open interval of allowed values for one numeric parameter.
//
// Ranges are written the way Verilog-A writes them: [lo, hi] closed, (lo, hi) open, with
// infinities allowed, so that the same text appears in errors, --help and the docs.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace kirchhoff::params {

inline constexpr double inf = std::numeric_limits<double>::infinity();

struct Range {
    double lo = -inf;
    double hi = inf;
    bool lo_open = false;  // true: lo itself is not allowed
    bool hi_open = false;  // true: hi itself is not allowed

    static constexpr Range closed(double lo, double hi) { return {lo, hi, false, false}; }
    static constexpr Range positive() { return {0.0, inf, true, true}; }
    static constexpr Range non_negative() { return {0.0, inf, false, true}; }
    static constexpr Range any() { return {-inf, inf, true, true}; }

    /// True when x lies in the interval (NaN never does).
    bool contains(double x) const;
    /// "[1, 4096]", "(0, inf)", ...
    std::string str() const;
};

/// Formats a number the way it is echoed in errors and configuration listings: shortest
/// round-trip representation ("0.25", "1e-06", "4096").
std::string format_number(double x);

/// "WHERE: NAME = VALUE UNIT is outside the allowed range RANGE UNIT (MEANING)": the one
/// wording for every out-of-range parameter, from a config file, a flag or a model struct.
std::string out_of_range_message(std::string_view where, std::string_view name, double value,
                                 std::string_view unit, const Range& range,
                                 std::string_view meaning);
/// The same for an integer parameter: the value printed exactly (9223372036854775807, not
/// 9.223372036854776e+18).
std::string out_of_range_message(std::string_view where, std::string_view name,
                                 std::int64_t value, std::string_view unit, const Range& range,
                                 std::string_view meaning);

}  // namespace kirchhoff::params
