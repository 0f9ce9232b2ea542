// Defaults, then the file, then the overrides (load_config.hpp).
#include "params/load_config.hpp"

namespace kirchhoff::params {

Config load_config(Schema schema, const std::filesystem::path& file, const std::vector<std::string>& overrides) {
    Config config(std::move(schema));
    if (!file.empty()) config.load_file(file);
    for (const std::string& o : overrides) config.set_override(o);
    return config;
}

}  // namespace kirchhoff::params
