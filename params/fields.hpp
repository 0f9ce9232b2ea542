// Parameter tables for plain structs of doubles: one row per member with its unit, allowed
// range and one-line meaning. Device models declare their parameters this way (STYLE.md:
// declared once, used for validation, --help, the printed configuration and the docs).
//
// Example:
//   struct Divider { double r_top_ohm = 1e3; };
//   constexpr Field<Divider> divider_fields[] = {
//       {"r_top_ohm", &Divider::r_top_ohm, "ohm", Range::positive(), "upper resistor"}};
//   validate_fields(d, std::span(divider_fields), "divider");
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "params/error.hpp"
#include "params/range.hpp"

namespace kirchhoff::params {

template <class P>
struct Field {
    const char* name;     // parameter name as written in configs and Verilog-A
    double P::*member;    // the struct member it describes
    const char* unit;     // SI unit ("m", "V", "K/W"), "1" for dimensionless
    Range range;          // allowed values
    const char* meaning;  // one line
};

/// Throws InputError naming `context`, the parameter, the value and its range for the first
/// member of `p` outside its range.
template <class P, std::size_t N>
void validate_fields(const P& p, std::span<const Field<P>, N> fields, std::string_view context) {
    for (const Field<P>& f : fields) {
        const double value = p.*(f.member);
        if (!f.range.contains(value))
            throw InputError(
                out_of_range_message(context, f.name, value, f.unit, f.range, f.meaning));
    }
}

/// Finds a field by name; nullptr when there is none.
template <class P, std::size_t N>
const Field<P>* find_field(std::span<const Field<P>, N> fields, std::string_view name) {
    for (const Field<P>& f : fields)
        if (name == f.name) return &f;
    return nullptr;
}

}  // namespace kirchhoff::params
