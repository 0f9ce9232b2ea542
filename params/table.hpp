// Configuration keys declared once, beside the struct member they set: a Table<S> row gives a
// key's name, the member (a pointer to member, or a path through nested structs), the unit,
// the allowed range or choices and the one-line meaning; the default is the member's value in a
// default-initialised S. From the one table come the Schema (TOML keys, --set, --help, range
// checks) and the binding of a loaded Config into an S, so a default, a range or a key name
// cannot disagree between the two.
//
// Example:
//   struct Tile { int rows = 64; double r_wire_ohm = 1.0; Mode mode = Mode::read; };
//   Table<Tile> t;
//   t.integer("array.rows", &Tile::rows, Range::closed(1, 4096), "word lines");
//   t.real("array.r_wire_ohm", &Tile::r_wire_ohm, "ohm", Range::non_negative(), "wire per cell");
//   t.choice("array.mode", &Tile::mode, {Mode::read, Mode::select}, "read or select");
//   Schema s = t.schema();               // defaults 64, 1.0, "read"
//   Tile x = t.read(load_config(s, file, overrides));
// Enum choices are named by the enum's to_string (argument-dependent lookup), as in
// enum_names.hpp. Cross-key checks (g_min < g_max) stay with the caller, after read().
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "params/config.hpp"

namespace kirchhoff::params {

/// A path to a member of a member: `in(&Config::spec, &Spec::rows)` reads `config.spec.rows`.
template <class S, class M, class T>
auto in(M S::*outer, T M::*inner) {
    return [outer, inner](auto& s) -> auto& { return (s.*outer).*inner; };
}

template <class S>
class Table {
    /// The type of the member an accessor (pointer to member, or in(...)) reaches.
    template <class A>
    using Member = std::remove_cvref_t<std::invoke_result_t<A, S&>>;

public:
    struct Row {
        Key key;                                      // default taken from S{}
        std::function<Value(const S&)> get;           // the member as a configuration value
        std::function<void(S&, const Config&)> set;   // the loaded value into the member
    };

    /// A real key for a double member.
    template <class A>
    Table& real(std::string name, A member, std::string unit, Range range, std::string meaning) {
        static_assert(std::is_same_v<Member<A>, double>, "real keys bind double members");
        return add(real_key(name, at(defaults_, member), std::move(unit), range, std::move(meaning)),
                   member, [](const Config& c, const std::string& n) { return c.real(n); },
                   [](double v) { return Value(v); });
    }

    /// An integer key for an integral member (int, std::int64_t, std::uint64_t, ...).
    template <class A>
    Table& integer(std::string name, A member, Range range, std::string meaning) {
        using T = Member<A>;
        static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "integer keys bind integral members");
        return add(integer_key(name, std::int64_t(at(defaults_, member)), range, std::move(meaning)), member,
                   [](const Config& c, const std::string& n) { return T(c.integer(n)); },
                   [](T v) { return Value(std::int64_t(v)); });
    }

    /// A true/false key for a bool member.
    template <class A>
    Table& boolean(std::string name, A member, std::string meaning) {
        static_assert(std::is_same_v<Member<A>, bool>, "boolean keys bind bool members");
        return add(boolean_key(name, at(defaults_, member), std::move(meaning)), member,
                   [](const Config& c, const std::string& n) { return c.boolean(n); },
                   [](bool v) { return Value(v); });
    }

    /// A free text key for a std::string member.
    template <class A>
    Table& text(std::string name, A member, std::string meaning) {
        static_assert(std::is_same_v<Member<A>, std::string>, "text keys bind std::string members");
        return add(text_key(name, at(defaults_, member), std::move(meaning)), member,
                   [](const Config& c, const std::string& n) { return c.text(n); },
                   [](const std::string& v) { return Value(v); });
    }

    /// A choice key for an enum member, its choices named by to_string(E), in the order given.
    template <class A, class E = Member<A>>
        requires std::is_enum_v<E>
    Table& choice(std::string name, A member, std::initializer_list<E> values, std::string meaning) {
        std::vector<std::pair<std::string, E>> named;
        for (E e : values) named.emplace_back(std::string(to_string(e)), e);
        return choice(std::move(name), member, std::move(named), std::move(meaning));
    }

    /// A choice key for any member, each choice's name paired with the member value it sets
    /// (a bool as "cached"/"fresh", say).
    template <class A, class T = Member<A>>
    Table& choice(std::string name, A member, std::vector<std::pair<std::string, T>> named, std::string meaning) {
        std::vector<std::string> names;
        for (const auto& [n, v] : named) names.push_back(n);
        const std::string def = name_of(named, at(defaults_, member), name);
        return add(choice_key(name, def, std::move(names), std::move(meaning)), member,
                   [named](const Config& c, const std::string& n) { return value_of(named, c.text(n), n); },
                   [named, name](const T& v) { return Value(name_of(named, v, name)); });
    }

    /// A choice key for a std::string member restricted to `choices`.
    template <class A>
        requires std::is_same_v<Member<A>, std::string>
    Table& choice(std::string name, A member, std::vector<std::string> choices, std::string meaning) {
        return add(choice_key(name, at(defaults_, member), std::move(choices), std::move(meaning)), member,
                   [](const Config& c, const std::string& n) { return c.text(n); },
                   [](const std::string& v) { return Value(v); });
    }

    /// The declared keys, in table order.
    Schema schema() const {
        Schema s;
        for (const Row& r : rows_) s.add(r.key);
        return s;
    }

    /// Every declared key's value from `config` into its member of `s`; members the table does
    /// not declare keep their value.
    void bind(const Config& config, S& s) const {
        for (const Row& r : rows_) r.set(s, config);
    }
    /// A default-initialised S with every declared key's value from `config`.
    S read(const Config& config) const {
        S s{};
        bind(config, s);
        return s;
    }

    const std::vector<Row>& rows() const { return rows_; }

private:
    template <class A>
    static decltype(auto) at(S& s, A member) { return std::invoke(member, s); }
    template <class A>
    static decltype(auto) at(const S& s, A member) { return std::invoke(member, s); }

    template <class T>
    static std::string name_of(const std::vector<std::pair<std::string, T>>& named, const T& v,
                               const std::string& key) {
        for (const auto& [n, x] : named)
            if (x == v) return n;
        throw std::logic_error("choice key " + key + ": member value has no declared name");
    }
    template <class T>
    static T value_of(const std::vector<std::pair<std::string, T>>& named, const std::string& text,
                      const std::string& key) {
        for (const auto& [n, x] : named)
            if (n == text) return x;
        throw std::logic_error("choice key " + key + ": value not declared: " + text);  // the schema checked it
    }

    template <class A, class Load, class Store>
    Table& add(Key key, A member, Load load, Store store) {
        const std::string name = key.name;
        rows_.push_back(Row{std::move(key),
                            [member, store](const S& s) { return store(at(s, member)); },
                            [member, load, name](S& s, const Config& c) { at(s, member) = load(c, name); }});
        return *this;
    }

    S defaults_{};
    std::vector<Row> rows_;
};

}  // namespace kirchhoff::params
