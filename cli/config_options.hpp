// --config FILE and --set key=value for any subcommand that reads a configuration schema,
// with the schema's keys (default, unit, range, meaning) listed in the subcommand's --help.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "params/config.hpp"

namespace kirchhoff::cli {

class ConfigOptions {
public:
    /// Adds the options to `command` and appends the key listing to its help footer.
    ConfigOptions(CLI::App& command, params::Schema schema);

    /// The effective configuration: defaults, then the file, then each --set in order.
    /// Throws InputError for anything bad.
    params::Config load() const;

private:
    params::Schema schema_;
    std::string file_;
    std::vector<std::string> overrides_;
};

/// Prints the effective configuration, as TOML, to standard error (stdout stays for results).
void print_effective_config(const params::Config& config);

}  // namespace kirchhoff::cli
