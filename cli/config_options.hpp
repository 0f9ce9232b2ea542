// --config FILE and --set key=value for any subcommand that reads a configuration schema,
// with the schema's keys (default, unit, range, meaning) listed in the subcommand's --help;
// and flags that are short names of single keys (`kirchhoff run --tokens N` is
// `--set run.tokens=N`), their help written from the key's declaration.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "params/config.hpp"

namespace kirchhoff::cli {

class ConfigOptions {
public:
    /// Adds the options to `command` and appends the key listing to its help footer.
    ConfigOptions(CLI::App& command, params::Schema schema);

    /// Adds `flag VALUE` to `command`, setting the schema's key `key` (InputError-free
    /// declaration: an undeclared key is a programming error, std::logic_error). Its help is the
    /// key's meaning, name, default and allowed values, then `note`.
    void key_flag(CLI::App& command, const std::string& flag, const std::string& key, const std::string& note = "");
    /// Adds a flag without a value that sets `key` to `value` (its text form) when given.
    void key_switch(CLI::App& command, const std::string& flag, const std::string& key, const std::string& value,
                    const std::string& help);

    /// The effective configuration: defaults, then the file, then each --set in order, then the
    /// key flags given (each names itself as the value's source). Throws InputError for anything bad.
    params::Config load() const;

private:
    struct KeyFlag {
        std::string flag, key, value;
        bool given = false;           // key_switch
        CLI::Option* option = nullptr;  // key_flag: given when its count is not 0
    };
    const params::Key& declared(const std::string& key) const;

    params::Schema schema_;
    std::string file_;
    std::vector<std::string> overrides_;
    std::vector<std::unique_ptr<KeyFlag>> key_flags_;  // stable addresses: CLI11 writes into them
};

/// Prints the effective configuration, as TOML, to standard error (stdout stays for results).
void print_effective_config(const params::Config& config);

}  // namespace kirchhoff::cli
