// Enum values from their names, for every enum whose namespace has `to_string(E)` (found by
// argument-dependent lookup): one loop and one message instead of one per enum.
//   enum_from_name(text, {E::a, E::b})        the value named `text`, or nullopt
//   enum_names({E::a, E::b})                  "a, b" (for messages and --help)
//   parse_enum(text, {E::a, E::b}, what, kind) the value, or InputError
//                                             "<what>: unknown <kind>; allowed: a, b"
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "params/error.hpp"

namespace kirchhoff::params {

template <class E>
std::optional<E> enum_from_name(std::string_view text, std::initializer_list<E> values) {
    for (E e : values)
        if (to_string(e) == text) return e;
    return std::nullopt;
}

template <class E>
std::string enum_names(std::initializer_list<E> values) {
    std::string out;
    for (E e : values) {
        if (!out.empty()) out += ", ";
        out += to_string(e);
    }
    return out;
}

template <class E>
E parse_enum(std::string_view text, std::initializer_list<E> values, std::string_view what, std::string_view kind) {
    if (const std::optional<E> e = enum_from_name(text, values)) return *e;
    throw InputError(std::string(what) + ": unknown " + std::string(kind) + "; allowed: " + enum_names(values));
}

}  // namespace kirchhoff::params
