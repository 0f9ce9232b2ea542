// The effective configuration a command reads: defaults, a TOML file, then --set overrides.
// The CLI's --config/--set (cli/config_options.hpp) and the Python module share it, and so
// their messages.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "params/config.hpp"

namespace kirchhoff::params {

/// The schema's defaults, then the TOML `file` (none when empty), then each
/// "section.key=value" of `overrides` in order, as --set gives them. Throws InputError for
/// anything bad.
Config load_config(Schema schema, const std::filesystem::path& file, const std::vector<std::string>& overrides);

}  // namespace kirchhoff::params
