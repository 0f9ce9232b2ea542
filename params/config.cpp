// Configuration schema, TOML loading and --set overrides.
#include "params/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "params/error.hpp"
#include "params/regular_file.hpp"

namespace kirchhoff::params {

namespace {

const char* type_name(Type t) {
    switch (t) {
        case Type::integer: return "an integer";
        case Type::real: return "a number";
        case Type::boolean: return "true or false";
        case Type::text: return "a string";
        case Type::choice: return "a string";
    }
    return "?";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string nearest_key_hint(const Schema& schema, std::string_view name) {
    const Key* best = nullptr;
    std::size_t best_d = 4;  // suggest only close misspellings
    for (const Key& k : schema.keys()) {
        const std::size_t d = edit_distance(k.name, name);
        if (d < best_d) best = &k, best_d = d;
    }
    return best ? fmt::format(" (did you mean '{}'?)", best->name)
                : " (run with --help to list the keys)";
}

std::optional<double> parse_real(std::string_view s) {
    const std::string text(s);
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
    return v;
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// An integer inside `r`. Beyond 2^53 an integer's double rounds (9e18 + 1 becomes 9e18), so
// an end that int64 holds is compared as an integer.
bool integer_in_range(std::int64_t v, const Range& r) {
    constexpr double exact = 9.0e18;  // ends within this convert to int64 exactly after floor/ceil
    const double x = double(v);
    const bool above_lo = std::isfinite(r.lo) && std::abs(r.lo) <= exact
                              ? (r.lo_open ? v > std::int64_t(std::floor(r.lo)) : v >= std::int64_t(std::ceil(r.lo)))
                              : (r.lo_open ? x > r.lo : x >= r.lo);
    const bool below_hi = std::isfinite(r.hi) && std::abs(r.hi) <= exact
                              ? (r.hi_open ? v < std::int64_t(std::ceil(r.hi)) : v <= std::int64_t(std::floor(r.hi)))
                              : (r.hi_open ? x < r.hi : x <= r.hi);
    return above_lo && below_hi;
}

}  // namespace

std::string Key::allowed() const {
    switch (type) {
        case Type::integer:
        case Type::real: return range.str();
        case Type::boolean: return "true|false";
        case Type::text: return "text";
        case Type::choice: {
            std::string out = "one of:";
            for (const auto& c : choices) out += " " + c;
            return out;
        }
    }
    return {};
}

Key integer_key(std::string name, std::int64_t def, Range range, std::string meaning) {
    return Key{std::move(name), Type::integer, def, "1", range, {}, std::move(meaning)};
}
Key real_key(std::string name, double def, std::string unit, Range range, std::string meaning) {
    return Key{std::move(name), Type::real, def, std::move(unit), range, {}, std::move(meaning)};
}
Key boolean_key(std::string name, bool def, std::string meaning) {
    return Key{std::move(name), Type::boolean, def, "", Range::any(), {}, std::move(meaning)};
}
Key text_key(std::string name, std::string def, std::string meaning) {
    return Key{std::move(name), Type::text, std::move(def), "", Range::any(), {},
               std::move(meaning)};
}
Key choice_key(std::string name, std::string def, std::vector<std::string> choices,
               std::string meaning) {
    return Key{std::move(name), Type::choice, std::move(def), "", Range::any(),
               std::move(choices), std::move(meaning)};
}

Schema& Schema::add(Key key) {
    if (find(key.name)) throw std::logic_error("configuration key declared twice: " + key.name);
    keys_.push_back(std::move(key));
    return *this;
}

Schema& Schema::add(const Schema& other) {
    for (const Key& k : other.keys()) add(k);
    return *this;
}

const Key* Schema::find(std::string_view name) const {
    for (const Key& k : keys_)
        if (k.name == name) return &k;
    return nullptr;
}

std::string Schema::help() const {
    struct Row {
        std::string name, value, allowed, meaning;
    };
    std::vector<Row> rows;
    std::size_t w_name = 0, w_value = 0, w_allowed = 0;
    for (const Key& k : keys_) {
        const std::string unit = k.unit.empty() || k.unit == "1" ? "" : " " + k.unit;
        rows.push_back({k.name, format_value(k.default_value) + unit, k.allowed(), k.meaning});
        w_name = std::max(w_name, rows.back().name.size());
        w_value = std::max(w_value, rows.back().value.size());
        w_allowed = std::max(w_allowed, rows.back().allowed.size());
    }
    std::string out;
    for (const Row& r : rows)
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}\n", r.name, w_name, r.value, w_value,
                           r.allowed, w_allowed, r.meaning);
    return out;
}

std::string format_value(const Value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                std::ostringstream os;
                os << toml::value<std::string>(x);
                return os.str();
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                // TOML needs a float to look like one: "1.0", not "1".
                std::string s = format_number(x);
                if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
                return s;
            } else {
                return fmt::format("{}", x);
            }
        },
        v);
}

Config::Config(Schema schema) : schema_(std::move(schema)) {
    for (const Key& k : schema_.keys()) values_.emplace(k.name, Entry{k.default_value, "default"});
}

const Key& Config::require_key(std::string_view name, std::string_view where) const {
    const Key* key = schema_.find(name);
    if (!key)
        throw InputError(fmt::format("{}: unknown configuration key '{}'{}", where, name,
                                     nearest_key_hint(schema_, name)));
    return *key;
}

void Config::assign(const Key& key, Value v, std::string source) {
    if (key.type == Type::integer || key.type == Type::real) {
        const double x = key.type == Type::integer ? double(std::get<std::int64_t>(v))
                                                   : std::get<double>(v);
        const bool inside = key.type == Type::integer ? integer_in_range(std::get<std::int64_t>(v), key.range)
                                                      : key.range.contains(x);
        if (!inside)
            throw InputError(key.type == Type::integer
                                 ? out_of_range_message(source, key.name, std::get<std::int64_t>(v),
                                                        key.unit, key.range, key.meaning)
                                 : out_of_range_message(source, key.name, x, key.unit, key.range,
                                                        key.meaning));
    }
    if (key.type == Type::choice) {
        const auto& s = std::get<std::string>(v);
        if (std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end())
            throw InputError(fmt::format("{}: {} = \"{}\" is not allowed; {} ({})", source,
                                         key.name, s, key.allowed(), key.meaning));
    }
    values_[key.name] = Entry{std::move(v), std::move(source)};
}

void Config::load_file(const std::filesystem::path& path) {
    require_regular_file(path, "configuration", std::uintmax_t{64} << 20);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(fmt::format("{}: cannot open configuration file", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    load_string(text.str(), path.string());
}

void Config::load_string(std::string_view toml_text, std::string_view source) {
    toml::table root;
    try {
        root = toml::parse(toml_text, std::string(source));
    } catch (const toml::parse_error& e) {
        throw InputError(fmt::format("{}:{}:{}: TOML syntax error: {}", source,
                                     e.source().begin.line, e.source().begin.column,
                                     e.description()));
    }
    // Flatten nested tables to dotted names, checking each leaf against the schema.
    std::function<void(const toml::table&, const std::string&)> visit =
        [&](const toml::table& table, const std::string& prefix) {
        for (const auto& [k, node] : table) {
            const std::string name = prefix.empty() ? std::string(k.str())
                                                    : prefix + "." + std::string(k.str());
            const std::string where = fmt::format("{}:{}", source, node.source().begin.line);
            if (const auto* sub = node.as_table()) {
                visit(*sub, name);
                continue;
            }
            const Key& key = require_key(name, where);
            auto wrong_type = [&] {
                std::ostringstream got;
                node.visit([&](const auto& leaf) { got << leaf; });
                return InputError(fmt::format("{}: {} expects {}, got {} ({})", where, name,
                                              type_name(key.type), got.str(), key.meaning));
            };
            switch (key.type) {
                case Type::integer:
                    if (auto v = node.value_exact<std::int64_t>()) assign(key, *v, where);
                    else throw wrong_type();
                    break;
                case Type::real:
                    if (auto v = node.value_exact<double>()) assign(key, *v, where);
                    else if (auto i = node.value_exact<std::int64_t>()) assign(key, double(*i), where);
                    else throw wrong_type();
                    break;
                case Type::boolean:
                    if (auto v = node.value_exact<bool>()) assign(key, *v, where);
                    else throw wrong_type();
                    break;
                case Type::text:
                case Type::choice:
                    if (auto v = node.value_exact<std::string>()) assign(key, *v, where);
                    else throw wrong_type();
                    break;
            }
        }
    };
    visit(root, "");
}

void Config::set_override(std::string_view assignment) {
    const std::string where = fmt::format("--set {}", assignment);
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw InputError(fmt::format("{}: expected section.key=value", where));
    set_text(assignment.substr(0, eq), assignment.substr(eq + 1), "--set", where);
}

void Config::set_text(std::string_view name, std::string_view text, std::string source, std::string_view where) {
    const Key& key = require_key(name, where);
    auto wrong_type = [&] {
        return InputError(fmt::format("{}: {} expects {}, got '{}' ({})", where, key.name,
                                      type_name(key.type), text, key.meaning));
    };
    switch (key.type) {
        case Type::integer:
            if (auto v = parse_integer(text)) assign(key, *v, std::move(source));
            else throw wrong_type();
            break;
        case Type::real:
            if (auto v = parse_real(text)) assign(key, *v, std::move(source));
            else throw wrong_type();
            break;
        case Type::boolean:
            if (text == "true") assign(key, true, std::move(source));
            else if (text == "false") assign(key, false, std::move(source));
            else throw wrong_type();
            break;
        case Type::text:
        case Type::choice: {
            std::string s(text);
            if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
            assign(key, std::move(s), std::move(source));
            break;
        }
    }
}

void Config::set(std::string_view name, const Value& value, std::string source) {
    const Key& key = require_key(name, source);
    Value v = value;
    if (key.type == Type::real && std::holds_alternative<std::int64_t>(v)) v = double(std::get<std::int64_t>(v));
    const bool text_key = key.type == Type::text || key.type == Type::choice;
    const bool ok = (key.type == Type::integer && std::holds_alternative<std::int64_t>(v)) ||
                    (key.type == Type::real && std::holds_alternative<double>(v)) ||
                    (key.type == Type::boolean && std::holds_alternative<bool>(v)) ||
                    (text_key && std::holds_alternative<std::string>(v));
    if (!ok)
        throw InputError(fmt::format("{}: {} expects {}, got {} ({})", source, key.name, type_name(key.type),
                                     format_value(v), key.meaning));
    assign(key, std::move(v), std::move(source));
}

void Config::copy_from(const Config& other, std::string_view name) {
    const Key& key = require_key(name, other.source(name));
    const Key* theirs = other.schema().find(name);
    if (!theirs || theirs->type != key.type)
        throw std::logic_error(fmt::format("configuration key '{}' has another type in the source schema", name));
    assign(key, other.value(name), other.source(name));
}

const Config::Entry& Config::entry(std::string_view name, Type expected) const {
    const Key* key = schema_.find(name);
    if (!key) throw std::logic_error(fmt::format("undeclared configuration key '{}'", name));
    const bool ok = key->type == expected ||
                    (expected == Type::text && key->type == Type::choice);
    if (!ok)
        throw std::logic_error(fmt::format("configuration key '{}' read as the wrong type", name));
    return values_.find(name)->second;
}

std::int64_t Config::integer(std::string_view name) const {
    return std::get<std::int64_t>(entry(name, Type::integer).value);
}
double Config::real(std::string_view name) const {
    return std::get<double>(entry(name, Type::real).value);
}
bool Config::boolean(std::string_view name) const {
    return std::get<bool>(entry(name, Type::boolean).value);
}
const std::string& Config::text(std::string_view name) const {
    return std::get<std::string>(entry(name, Type::text).value);
}
const Value& Config::value(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end())
        throw std::logic_error(fmt::format("undeclared configuration key '{}'", name));
    return it->second.value;
}
const std::string& Config::source(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end())
        throw std::logic_error(fmt::format("undeclared configuration key '{}'", name));
    return it->second.source;
}

std::string Config::to_toml() const {
    // Top-level keys first, then one [section] per dotted prefix, in schema order.
    std::vector<std::string> sections;
    for (const Key& k : schema_.keys()) {
        const auto dot = k.name.rfind('.');
        const std::string section = dot == std::string::npos ? "" : k.name.substr(0, dot);
        if (std::find(sections.begin(), sections.end(), section) == sections.end())
            sections.push_back(section);
    }
    std::stable_partition(sections.begin(), sections.end(),
                          [](const std::string& s) { return s.empty(); });
    std::string out;
    for (const std::string& section : sections) {
        if (!section.empty()) out += fmt::format("\n[{}]\n", section);
        for (const Key& k : schema_.keys()) {
            const auto dot = k.name.rfind('.');
            const std::string key_section = dot == std::string::npos ? "" : k.name.substr(0, dot);
            if (key_section != section) continue;
            const std::string leaf = dot == std::string::npos ? k.name : k.name.substr(dot + 1);
            const Entry& e = values_.at(k.name);
            const std::string unit = k.unit.empty() || k.unit == "1" ? "" : k.unit + ", ";
            out += fmt::format("{} = {}  # {}{}\n", leaf, format_value(e.value), unit, e.source);
        }
    }
    return out;
}

nlohmann::json Config::to_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const Key& k : schema_.keys())
        std::visit([&](const auto& x) { out[k.name] = x; }, values_.at(k.name).value);
    return out;
}

}  // namespace kirchhoff::params
