// Programming conductances into cells: ohmic cells directly, device cells through the
// preset registry and the device's read conductance.
#include "netlists/cell_programming.hpp"

#include <fmt/format.h>

#include "devices/presets.hpp"
#include "netlists/device_cell.hpp"
#include "params/error.hpp"

namespace kirchhoff::netlists {

std::vector<std::string> cell_model_names() {
    std::vector<std::string> names{"linear"};
    for (const auto& p : devices::presets())
        if (devices::is_electrical(p)) names.emplace_back(p.name);
    return names;
}

std::vector<CellArray> program_cells(const CrossbarConfig& config, const std::vector<Eigen::MatrixXd>& g) {
    std::vector<CellArray> cells;
    if (config.device_preset == "linear") {
        for (const Eigen::MatrixXd& m : g) cells.push_back({nullptr, m});
        return cells;
    }
    const auto known = [] {
        std::string out;
        for (const auto& n : cell_model_names()) out += (out.empty() ? "" : ", ") + n;
        return out;
    };
    const devices::Preset* preset = nullptr;
    for (const auto& p : devices::presets())
        if (p.name == config.device_preset && devices::is_electrical(p)) preset = &p;
    if (!preset)
        throw InputError(fmt::format("device.preset = \"{}\" is not a cell model; one of: {}", config.device_preset,
                                     known()));
    const auto device = devices::make_device(*preset);
    const auto [g_lo, g_hi] = device->conductance_window_siemens(config.v_read_volt);
    if (!device->in_conductance_window(config.g_min_siemens, config.v_read_volt) ||
        !device->in_conductance_window(config.g_max_siemens, config.v_read_volt))
        throw InputError(fmt::format(
            "device.g_min_siemens .. device.g_max_siemens = {} .. {} S lies outside the read window of preset "
            "'{}' at input.v_read_volt = {} V: [{}, {}] S",
            config.g_min_siemens, config.g_max_siemens, preset->name, config.v_read_volt, g_lo, g_hi));
    auto model = std::make_shared<const DeviceCellModel>(*device, std::string(preset->name) + "_read");
    for (const Eigen::MatrixXd& m : g) {
        CellArray a{model, Eigen::MatrixXd(m.rows(), m.cols())};
        for (Eigen::Index r = 0; r < m.rows(); ++r)
            for (Eigen::Index c = 0; c < m.cols(); ++c)
                a.value(r, c) = device->memory_for_conductance(m(r, c), config.v_read_volt);
        cells.push_back(std::move(a));
    }
    return cells;
}

}  // namespace kirchhoff::netlists
