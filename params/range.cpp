// Interval membership and formatting for parameter ranges.
#include "params/range.hpp"

#include <cmath>
#include <fmt/format.h>

namespace kirchhoff::params {

bool Range::contains(double x) const {
    if (std::isnan(x)) return false;
    const bool above_lo = lo_open ? x > lo : x >= lo;
    const bool below_hi = hi_open ? x < hi : x <= hi;
    return above_lo && below_hi;
}

std::string format_number(double x) {
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    return fmt::format("{}", x);
}

std::string Range::str() const {
    return fmt::format("{}{}, {}{}", lo_open ? "(" : "[", format_number(lo), format_number(hi),
                       hi_open ? ")" : "]");
}

namespace {
std::string message(std::string_view where, std::string_view name, const std::string& value,
                    std::string_view unit, const Range& range, std::string_view meaning) {
    const std::string unit_text = unit.empty() || unit == "1" ? "" : fmt::format(" {}", unit);
    return fmt::format("{}: {} = {}{} is outside the allowed range {}{} ({})", where, name, value,
                       unit_text, range.str(), unit_text, meaning);
}
}  // namespace

std::string out_of_range_message(std::string_view where, std::string_view name, double value,
                                 std::string_view unit, const Range& range,
                                 std::string_view meaning) {
    return message(where, name, format_number(value), unit, range, meaning);
}

std::string out_of_range_message(std::string_view where, std::string_view name,
                                 std::int64_t value, std::string_view unit, const Range& range,
                                 std::string_view meaning) {
    return message(where, name, fmt::format("{}", value), unit, range, meaning);
}

}  // namespace kirchhoff::params
