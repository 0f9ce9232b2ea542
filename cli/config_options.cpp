// --config / --set handling shared by every configured subcommand.
#include "cli/config_options.hpp"

#include <fmt/format.h>

namespace kirchhoff::cli {

ConfigOptions::ConfigOptions(CLI::App& command, params::Schema schema) : schema_(std::move(schema)) {
    command.add_option("--config", file_, "TOML configuration file (keys below)")->type_name("FILE");
    command.add_option("--set", overrides_, "override one key: --set section.key=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    command.footer("\nConfiguration keys (key, default and unit, allowed values, meaning):\n" + schema_.help());
}

params::Config ConfigOptions::load() const {
    params::Config config(schema_);
    if (!file_.empty()) config.load_file(file_);
    for (const std::string& o : overrides_) config.set_override(o);
    return config;
}

void print_effective_config(const params::Config& config) {
    fmt::print(stderr, "# effective configuration\n{}\n", config.to_toml());
}

}  // namespace kirchhoff::cli
