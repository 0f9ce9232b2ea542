// Declared-once configuration tables (params/table.hpp): each table's defaults are its struct's,
// every key binds its own member and no other, a value outside a key's range or choices is
// refused naming the key, the value and what is allowed, and every key of a command's schema
// is bound by a table (check_bound takes a list of prefixes still declared the old way; it is
// empty everywhere now, so a new unbound key fails).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "analog/analog_config.hpp"
#include "analog/energy_model.hpp"
#include "cosim/fit_options.hpp"
#include "cosim/surrogate_model.hpp"
#include "cosim/surrogate_options.hpp"
#include "evaluation/model_evaluation.hpp"
#include "evaluation/run_spec.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/error.hpp"
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

/// Values just outside `key`'s range (the finite closed or open ends) or choices, as --set text.
std::vector<std::string> refused_values(const Key& key) {
    std::vector<std::string> out;
    const auto& r = key.range;
    if (key.type == Type::integer) {
        if (std::isfinite(r.lo)) out.push_back(std::to_string(std::int64_t(std::floor(r.lo)) - (r.lo_open ? 0 : 1)));
        if (std::isfinite(r.hi)) out.push_back(std::to_string(std::int64_t(std::ceil(r.hi)) + (r.hi_open ? 0 : 1)));
    } else if (key.type == Type::real) {
        if (std::isfinite(r.lo)) out.push_back(params::format_number(r.lo_open ? r.lo : r.lo - 1.0 - std::abs(r.lo)));
        if (std::isfinite(r.hi)) out.push_back(params::format_number(r.hi_open ? r.hi : r.hi + 1.0 + std::abs(r.hi)));
        out.push_back("nan");
    } else if (key.type == Type::choice) {
        out.push_back("no_such_choice");
    }
    return out;
}

/// Each value outside a key's range or choices is an InputError naming where it came from, the
/// key, the value and the allowed range or choices.
void check_refusals(const params::Schema& schema) {
    for (const Key& key : schema.keys())
        for (const std::string& bad : refused_values(key)) {
            INFO(key.name << " = " << bad);
            Config c(schema);
            try {
                c.set_override(key.name + "=" + bad);
                FAIL("accepted");
            } catch (const InputError& e) {
                const std::string m = e.what();
                CHECK(m.find("--set") != std::string::npos);
                CHECK(m.find(key.name) != std::string::npos);
                CHECK(m.find(bad) != std::string::npos);
                CHECK(m.find(key.allowed()) != std::string::npos);
            }
        }
}

/// Defaults equal the struct's, setting each key changes its own member and no other, and bad
/// values are refused.
template <class S>
void check_table(const params::Table<S>& table) {
    check_refusals(table.schema());
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

/// The keys of the hardware tables: analog_schema()'s.
std::set<std::string> hardware_keys() {
    std::set<std::string> bound;
    bound_by(netlists::crossbar_keys(), bound);
    bound_by(analog::analog_keys(), bound);
    bound_by(cosim::surrogate_keys(), bound);
    bound_by(analog::energy_keys(), bound);
    return bound;
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
    check_bound(analog::analog_schema(), hardware_keys(), {});
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

TEST_CASE("run keys: one table, its defaults RunSpec{}'s, each key its own member", "[params][quick]") {
    using evaluation::RunSpec;
    check_table(evaluation::run_keys());
    std::set<std::string> bound = hardware_keys();
    bound_by(evaluation::run_keys(), bound);
    check_bound(evaluation::evaluation_schema(), bound, {});
    // run_spec() is the table's binding: the defaults are RunSpec{}'s, a --set reaches its member.
    Config config(evaluation::evaluation_schema());
    const RunSpec d = evaluation::run_spec(config);
    CHECK(d.tokens == RunSpec{}.tokens);
    CHECK(d.engine == cosim::Engine::surrogate);
    CHECK(d.validate == cosim::Engine::nodal);
    CHECK(d.validate_in_background);
    config.set_override("run.engine=nodal");
    config.set_override("run.validate_engine=spice");
    config.set_override("run.validate_in_background=false");
    const RunSpec s = evaluation::run_spec(config);
    CHECK(s.engine == cosim::Engine::nodal);
    CHECK(s.validate == cosim::Engine::spice);
    CHECK_FALSE(s.validate_in_background);
    // The cross-key check the table cannot state: a reference window of 2 to run.tokens tokens.
    config.set_override("run.reference_tokens=1");
    CHECK_THROWS_WITH(evaluation::run_spec(config), Catch::Matchers::ContainsSubstring("run.reference_tokens") &&
                                                        Catch::Matchers::ContainsSubstring("[2, 256]"));
    config.set_override("run.reference_tokens=300");
    CHECK_THROWS_WITH(evaluation::run_spec(config), Catch::Matchers::ContainsSubstring("= 300") &&
                                                        Catch::Matchers::ContainsSubstring("[2, 256]"));
    config.set_override("run.tokens=0");  // all the text's tokens: checked once it is read
    CHECK(evaluation::run_spec(config).reference_tokens == 300);
}

TEST_CASE("fit keys: one table, its defaults FitOptions{}'s, each key its own member", "[params][quick]") {
    check_table(cosim::fit_keys());
    std::set<std::string> bound;
    bound_by(netlists::crossbar_keys(), bound);
    bound_by(cosim::surrogate_keys(), bound);
    bound_by(cosim::fit_keys(), bound);
    check_bound(cosim::surrogate_fit_schema(), bound, {});
    // The defaults the fit used before the table (tables fitted then load with the same grid).
    const cosim::FitOptions f = cosim::fit_keys().read(Config(cosim::surrogate_fit_schema()));
    CHECK(f.tiles == 3);
    CHECK(f.inputs_per_tile == 4);
    CHECK(f.table_points_v == 961);
    CHECK(f.table_points_memory == 481);
    CHECK(f.table_v_span == 1.5);
    CHECK(f.rank_tolerance == 1e-6);
    CHECK(f.max_rank == 4);
}

TEST_CASE("key flags: a value set by name records the flag as its source and is checked like --set", "[params][quick]") {
    Config c(evaluation::run_schema());
    c.set_text("run.tokens", "64", "--tokens", "--tokens 64");
    CHECK(c.integer("run.tokens") == 64);
    CHECK(c.source("run.tokens") == "--tokens");
    CHECK_THROWS_WITH(c.set_text("run.tokens", "-1", "--tokens", "--tokens -1"),
                      Catch::Matchers::ContainsSubstring("--tokens: run.tokens = -1 is outside the allowed range [0, "));
    CHECK_THROWS_WITH(c.set_text("run.tokens", "many", "--tokens", "--tokens many"),
                      Catch::Matchers::ContainsSubstring("--tokens many: run.tokens expects an integer, got 'many'"));
    CHECK_THROWS_WITH(c.set_text("run.engine", "spicy", "--engine", "--engine spicy"),
                      Catch::Matchers::ContainsSubstring("--engine: run.engine = \"spicy\" is not allowed; one of: ideal "
                                                         "surrogate nodal"));
}
