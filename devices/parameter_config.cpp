// Model parameters as configuration keys (device.NAME).
#include "devices/parameter_config.hpp"

#include <variant>

namespace kirchhoff::devices {

std::vector<ParameterView> preset_parameters(const Preset& preset) {
    if (is_electrical(preset)) return make_device(preset)->parameters();
    const ModelParams model = preset.make();
    std::vector<ParameterView> out;
    if (const auto* p = std::get_if<PcmStatisticalParams>(&model))
        for (const auto& f : pcm_statistical_fields()) out.push_back({f.name, f.unit, f.range, f.meaning, p->*(f.member)});
    return out;
}

params::Schema parameter_schema(const std::vector<ParameterView>& parameters) {
    params::Schema s;
    for (const ParameterView& p : parameters)
        s.add(params::real_key(std::string(parameter_key_prefix) + p.name, p.value, p.unit, p.range, p.meaning));
    return s;
}

params::Schema parameter_schema(const Device& device) { return parameter_schema(device.parameters()); }

std::vector<std::pair<std::string, double>> parameter_overrides(const params::Config& config) {
    std::vector<std::pair<std::string, double>> out;
    for (const params::Key& k : config.schema().keys())
        if (config.source(k.name) != "default")
            out.emplace_back(k.name.substr(parameter_key_prefix.size()), config.real(k.name));
    return out;
}

}  // namespace kirchhoff::devices
