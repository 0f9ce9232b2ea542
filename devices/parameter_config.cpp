// Model parameters as configuration keys (device.NAME).
#include "devices/parameter_config.hpp"

namespace kirchhoff::devices {

params::Schema parameter_schema(const Device& device) {
    params::Schema s;
    for (const ParameterView& p : device.parameters())
        s.add(params::real_key(std::string(parameter_key_prefix) + p.name, p.value, p.unit, p.range, p.meaning));
    return s;
}

std::vector<std::pair<std::string, double>> parameter_overrides(const params::Config& config) {
    std::vector<std::pair<std::string, double>> out;
    for (const params::Key& k : config.schema().keys())
        if (config.source(k.name) != "default")
            out.emplace_back(k.name.substr(parameter_key_prefix.size()), config.real(k.name));
    return out;
}

}  // namespace kirchhoff::devices
