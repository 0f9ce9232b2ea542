// The separable read response of a device preset from its native model, over +-1.5 v_read and
// the memory states of [g_min, g_max] (2% margin): what `kirchhoff fit` builds from ngspice
// (the two tables agree to 1e-14), for benchmarks that need no ngspice session.
#pragma once

#include <algorithm>

#include "cosim/cell_response.hpp"
#include "cosim/device_table.hpp"
#include "devices/presets.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::bench {

inline cosim::CellResponse native_response(const netlists::CrossbarConfig& x) {
    const auto device = devices::make_device(devices::find_preset(x.device_preset));
    cosim::TableGrid g;
    g.v_min_volt = -1.5 * x.v_read_volt;
    g.v_max_volt = 1.5 * x.v_read_volt;
    const double m1 = device->memory_for_conductance(x.g_min_siemens, x.v_read_volt);
    const double m2 = device->memory_for_conductance(x.g_max_siemens, x.v_read_volt);
    g.memory_min = std::min(m1, m2) * 0.98;
    g.memory_max = std::max(m1, m2) * 1.02;
    return cosim::CellResponse::from_table(cosim::tabulate_native(*device, x.device_preset, g));
}

}  // namespace kirchhoff::bench
