// What the analog tests share: an analog configuration from defaults plus key=value overrides.
#pragma once

#include <string>
#include <vector>

#include "analog/analog_config.hpp"
#include "params/config.hpp"

namespace kirchhoff::test {

/// analog_schema()'s defaults with `sets` ("key=value") applied in order, as --set applies them.
inline analog::AnalogConfig analog_config_with(const std::vector<std::string>& sets) {
    params::Config c(analog::analog_schema());
    for (const auto& s : sets) c.set_override(s);
    return analog::analog_config(c);
}

}  // namespace kirchhoff::test
