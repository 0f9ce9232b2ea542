// Run configuration: a schema of declared keys and the values a run uses.
//
// Every key ("array.rows") is declared once with its type, default, unit, allowed range and
// one-line meaning. Values come from the defaults, then a TOML file, then `--set key=value`
// overrides, in that order. Unknown keys, wrong types and out-of-range values are InputErrors
// that name the file and line (or the --set flag), the key, the value and the allowed range.
// Not here: command-line parsing (cli/) and the meaning of the keys (each library declares
// its own).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "params/range.hpp"

namespace kirchhoff::params {

enum class Type { integer, real, boolean, text, choice };

using Value = std::variant<std::int64_t, double, bool, std::string>;

struct Key {
    std::string name;                  // dotted: "section.key", or a top-level "key"
    Type type = Type::real;
    Value default_value;               // of the alternative that matches `type`
    std::string unit;                  // SI unit, "1" for dimensionless, "" for text
    Range range = Range::any();        // integer and real keys
    std::vector<std::string> choices;  // choice keys
    std::string meaning;               // one line

    /// "[1, 4096]" for numbers, "one of: 1R, 1T1R" for choices, "true|false", "text".
    std::string allowed() const;
};

/// Key builders that keep declarations one line each.
Key integer_key(std::string name, std::int64_t def, Range range, std::string meaning);
Key real_key(std::string name, double def, std::string unit, Range range, std::string meaning);
Key boolean_key(std::string name, bool def, std::string meaning);
Key text_key(std::string name, std::string def, std::string meaning);
Key choice_key(std::string name, std::string def, std::vector<std::string> choices,
               std::string meaning);

class Schema {
public:
    Schema() = default;
    /// Adds a key; declaring the same name twice is a programming error (std::logic_error).
    Schema& add(Key key);
    Schema& add(const Schema& other);
    const Key* find(std::string_view name) const;
    const std::vector<Key>& keys() const { return keys_; }
    /// One line per key: name, type, default, unit, allowed range, meaning (for --help).
    std::string help() const;

private:
    std::vector<Key> keys_;
};

/// Formats a value as TOML writes it ("64", "0.25", "true", "\"1R\"").
std::string format_value(const Value& v);

class Config {
public:
    explicit Config(Schema schema);

    /// Reads a TOML file; every table entry must be a declared key.
    void load_file(const std::filesystem::path& path);
    /// Same, from text; `source` names it in errors.
    void load_string(std::string_view toml_text, std::string_view source);
    /// Applies "section.key=value" as given to --set.
    void set_override(std::string_view assignment);
    /// Sets `name` from its text form as --set parses it (a flag's argument, say): `source` is
    /// recorded as where the value came from and names it in range errors; `where` ("--tokens
    /// abc") names it in unknown-key and wrong-type errors.
    void set_text(std::string_view name, std::string_view text, std::string source, std::string_view where);
    /// Sets `name` to a typed value from elsewhere (a study's axis, say); `source` names it in
    /// errors and in source(). An integer is accepted for a real key; any other type mismatch,
    /// an unknown key and an out-of-range value are InputErrors, as for a file.
    void set(std::string_view name, const Value& value, std::string source);
    /// Takes `name`'s value (and where it came from) from another configuration whose schema
    /// declares the same key with the same type; range and choices are checked as for a file.
    void copy_from(const Config& other, std::string_view name);

    std::int64_t integer(std::string_view name) const;
    double real(std::string_view name) const;
    bool boolean(std::string_view name) const;
    const std::string& text(std::string_view name) const;  // text and choice keys
    const Value& value(std::string_view name) const;
    /// Where the current value came from: "default", "FILE:LINE" or "--set".
    const std::string& source(std::string_view name) const;

    const Schema& schema() const { return schema_; }
    /// The effective configuration as TOML, each key annotated with its unit and origin.
    std::string to_toml() const;
    /// {"array.rows": 64, ...}
    nlohmann::json to_json() const;

private:
    struct Entry {
        Value value;
        std::string source;
    };
    const Key& require_key(std::string_view name, std::string_view where) const;
    void assign(const Key& key, Value v, std::string source);
    const Entry& entry(std::string_view name, Type expected) const;

    Schema schema_;
    std::map<std::string, Entry, std::less<>> values_;
};

}  // namespace kirchhoff::params
