// The Stanford-PKU cell's separable read response for tests, tabulated from the native model
// (as `kirchhoff fit` tabulates ngspice) over +-1.5 v_read and the configuration's conductance
// window (cosim/device_table.hpp, cosim/cell_response.hpp).
#pragma once

#include "cosim/cell_response.hpp"
#include "cosim/device_table.hpp"
#include "devices/presets.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::test {

inline cosim::CellResponse stanford_response(const netlists::CrossbarConfig& x) {
    const auto device = devices::make_device(devices::find_preset(x.device_preset));
    cosim::TableGrid g;
    g.v_min_volt = -1.5 * x.v_read_volt;
    g.v_max_volt = 1.5 * x.v_read_volt;
    g.nv = 161;
    g.memory_min = device->memory_for_conductance(x.g_max_siemens, x.v_read_volt) * 0.98;
    g.memory_max = device->memory_for_conductance(x.g_min_siemens, x.v_read_volt) * 1.02;
    return cosim::CellResponse::from_table(cosim::tabulate_native(*device, x.device_preset, g));
}

}  // namespace kirchhoff::test
