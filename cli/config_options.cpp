// --config / --set handling shared by every configured subcommand.
#include "cli/config_options.hpp"

#include <fmt/format.h>

#include "params/load_config.hpp"

namespace kirchhoff::cli {

ConfigOptions::ConfigOptions(CLI::App& command, params::Schema schema) : schema_(std::move(schema)) {
    command.add_option("--config", file_, "TOML configuration file (keys below)")->type_name("FILE");
    command.add_option("--set", overrides_, "override one key: --set section.key=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    command.footer("\nConfiguration keys (key, default and unit, allowed values, meaning):\n" + schema_.help());
}

params::Config ConfigOptions::load() const {
    return params::load_config(schema_, file_, overrides_);
}

void print_effective_config(const params::Config& config) {
    fmt::print(stderr, "# effective configuration\n{}\n", config.to_toml());
}

}  // namespace kirchhoff::cli
