// Declared-once configuration tables (params/table.hpp): each table's defaults are its struct's,
// every key binds its own member and no other, and every key of a command's schema is bound by
// a table (the keys still declared the old way are listed here by prefix, so the list shrinks
// as they are converted and a new unbound key fails).
#include <catch2/catch_test_macros.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "analog/analog_config.hpp"
#include "analog/energy_model.hpp"
#include "cosim/surrogate_options.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/table.hpp"
#include "training/config.hpp"

using namespace kirchhoff;
using params::Config;
using params::Key;
using params::Type;
using params::Value;

namespace {

/// A value of `key` other than its default and inside its range or choices.
Value other_value(const Key& key) {
    switch (key.type) {
        case Type::integer: {
            const std::int64_t d = std::get<std::int64_t>(key.default_value);
            return key.range.contains(double(d + 1)) ? d + 1 : d - 1;
        }
        case Type::real: {
            const double d = std::get<double>(key.default_value);
            const double lo = std::isfinite(key.range.lo) ? key.range.lo : -1.0;
            const double hi = std::isfinite(key.range.hi) ? key.range.hi : 1e3;
            for (double v : {d * 2.0, d + 1.0, d / 2.0, 0.5 * (lo + hi), 0.75 * lo + 0.25 * hi})
                if (v != d && key.range.contains(v)) return v;
            FAIL("no other value in range for " << key.name);
            return d;
        }
        case Type::boolean: return !std::get<bool>(key.default_value);
        case Type::text: return std::get<std::string>(key.default_value) + "x";
        case Type::choice:
            for (const std::string& c : key.choices)
                if (c != std::get<std::string>(key.default_value)) return c;
            FAIL("choice key with one choice: " << key.name);
    }
    return key.default_value;
}

/// Defaults equal the struct's, and setting each key changes its own member and no other.
template <class S>
void check_table(const params::Table<S>& table) {
    const S defaults{};
    const Config config(table.schema());
    const S read = table.read(config);
    std::set<std::string> names;
    for (const auto& row : table.rows()) {
        INFO(row.key.name);
        CHECK(names.insert(row.key.name).second);
        CHECK(row.key.default_value == row.get(defaults));
        CHECK(row.get(read) == row.get(defaults));
    }
    for (const auto& row : table.rows()) {
        INFO("set " << row.key.name);
        Config changed = config;
        const Value v = other_value(row.key);
        changed.set(row.key.name, v, "test");
        const S s = table.read(changed);
        CHECK(row.get(s) == v);
        for (const auto& other : table.rows())
            if (&other != &row) {
                INFO("member of " << other.key.name << " unchanged");
                CHECK(other.get(s) == other.get(defaults));
            }
    }
}

template <class S>
void bound_by(const params::Table<S>& table, std::set<std::string>& names) {
    for (const auto& row : table.rows()) names.insert(row.key.name);
}

/// Every key of `schema` is in `bound` or starts with one of `not_yet` (keys not declared by a table yet).
void check_bound(const params::Schema& schema, const std::set<std::string>& bound,
                 const std::vector<std::string>& not_yet) {
    for (const Key& k : schema.keys()) {
        bool listed = bound.count(k.name) > 0;
        for (const std::string& prefix : not_yet) listed = listed || k.name.rfind(prefix, 0) == 0;
        INFO(k.name);
        CHECK(listed);
    }
}

}  // namespace

TEST_CASE("crossbar keys: one table, its defaults CrossbarConfig{}'s, each key its own member", "[params][quick]") {
    check_table(netlists::crossbar_keys());
    std::set<std::string> bound;
    bound_by(netlists::crossbar_keys(), bound);
    check_bound(netlists::crossbar_schema(), bound, {});
    // The typed view is the table's binding plus cross-key checks.
    const Config config(netlists::crossbar_schema());
    const netlists::CrossbarConfig x = netlists::crossbar_config(config);
    for (const auto& row : netlists::crossbar_keys().rows()) CHECK(row.get(x) == row.key.default_value);
}

TEST_CASE("analog keys: one table, its defaults AnalogConfig{}'s, each key its own member", "[params][quick]") {
    check_table(analog::analog_keys());
    std::set<std::string> bound;
    bound_by(netlists::crossbar_keys(), bound);
    bound_by(analog::analog_keys(), bound);
    bound_by(cosim::surrogate_keys(), bound);
    bound_by(analog::energy_keys(), bound);
    check_bound(analog::analog_schema(), bound, {});
    const Config config(analog::analog_schema());
    const analog::AnalogConfig a = analog::analog_config(config);
    for (const auto& row : analog::analog_keys().rows()) CHECK(row.get(a) == row.key.default_value);
}

TEST_CASE("surrogate keys: one table, its defaults SurrogateOptions{}'s, each key its own member", "[params][quick]") {
    check_table(cosim::surrogate_keys());
}

TEST_CASE("energy keys: one table, its defaults EnergyConfig{}'s, each key its own member", "[params][quick]") {
    check_table(analog::energy_keys());
}

TEST_CASE("training keys: one table, its defaults TrainConfig{}'s, each key its own member", "[params][quick]") {
    check_table(training::training_keys());
    std::set<std::string> bound;
    bound_by(training::training_keys(), bound);
    check_bound(training::training_schema(), bound, {});
}
