// A device preset's model parameters as configuration keys: `device.NAME` for every row of the
// model's parameter table (its unit, range and meaning; the preset's value as default), so
// `kirchhoff device` takes `--config FILE` and `--set device.NAME=VALUE` like every other
// subcommand, and the overrides reach DeviceRequest::parameters (iv, read, program) or
// DriftRequest::parameters (drift, the statistical PCM model).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "devices/device.hpp"
#include "devices/presets.hpp"
#include "params/config.hpp"

namespace kirchhoff::devices {

/// The prefix of a model parameter's key: "device." + the parameter's table name.
inline constexpr std::string_view parameter_key_prefix = "device.";

/// The model parameters of `preset` at its values: its device's for an electrical preset, the
/// statistical PCM model's (pcm_statistical_fields()) for a statistical one.
std::vector<ParameterView> preset_parameters(const Preset& preset);

/// One real key per parameter (its value as default).
params::Schema parameter_schema(const std::vector<ParameterView>& parameters);
/// parameter_schema(device.parameters()).
params::Schema parameter_schema(const Device& device);

/// The parameters `config` (on parameter_schema()) sets away from the defaults' source, as
/// (NAME, VALUE) in schema order: what DeviceRequest::parameters takes.
std::vector<std::pair<std::string, double>> parameter_overrides(const params::Config& config);

}  // namespace kirchhoff::devices
