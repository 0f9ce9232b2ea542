// Device I-V tables: tabulation (native and ngspice), interpolation, error report.
#include "cosim/device_table.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "cosim/uniform_cubic.hpp"
#include "devices/spice_text.hpp"

namespace kirchhoff::cosim {

namespace {

void check_grid(const TableGrid& g) {
    if (g.nv < 4 || g.nm < 4 || !(g.v_max_volt > g.v_min_volt) || !(g.memory_max > g.memory_min))
        throw std::invalid_argument(fmt::format("device table grid needs nv, nm >= 4 and increasing axes, got nv = {}, "
                                                "nm = {}, v [{}, {}], memory [{}, {}]",
                                                g.nv, g.nm, g.v_min_volt, g.v_max_volt, g.memory_min, g.memory_max));
}

DeviceTable empty_table(const devices::Device& device, std::string preset, const TableGrid& grid) {
    check_grid(grid);
    DeviceTable t;
    t.preset = std::move(preset);
    t.memory_name = device.state_variables()[0].name;
    t.memory_unit = device.state_variables()[0].unit;
    t.grid = grid;
    t.current_a.resize(grid.nm, grid.nv);
    return t;
}

}  // namespace

double DeviceTable::interpolate(double v, double m) const {
    // Interpolate along v in the four memory rows around m, then along memory.
    const double dm = (grid.memory_max - grid.memory_min) / (grid.nm - 1);
    const double dv = (grid.v_max_volt - grid.v_min_volt) / (grid.nv - 1);
    const double u = (m - grid.memory_min) / dm;
    const int i = std::clamp(int(std::floor(u)), 0, grid.nm - 2);
    std::vector<double> column;
    const int lo = std::max(0, i - 1), hi = std::min(grid.nm - 1, i + 2);
    for (int k = lo; k <= hi; ++k) {
        const Eigen::VectorXd row = current_a.row(k).transpose();
        column.push_back(UniformCubic(grid.v_min_volt, dv, std::span(row.data(), std::size_t(row.size())))(v));
    }
    return UniformCubic(grid.memory(lo), dm, column)(m);
}

DeviceTable tabulate_native(const devices::Device& device, std::string preset, const TableGrid& grid) {
    DeviceTable t = empty_table(device, std::move(preset), grid);
    for (int i = 0; i < grid.nm; ++i) {
        const devices::State x = device.rest_state(grid.memory(i));
        for (int j = 0; j < grid.nv; ++j) t.current_a(i, j) = device.current_ampere(grid.v(j), x);
    }
    return t;
}

std::string table_deck(const devices::Device& device, const std::string& preset, const TableGrid& grid) {
    check_grid(grid);
    const std::string sub = preset + "_read";
    std::string deck = fmt::format("kirchhoff device table {}\n.options klu reltol=1e-9 abstol=1e-18 vntol=1e-12\n",
                                   preset);
    deck += devices::spice_subckt(device, devices::SpiceForm::read, sub, grid.memory_min);
    deck += "vd d 0 DC 0\n";
    const std::string mem = device.state_variables()[0].name;
    for (int i = 0; i < grid.nm; ++i)
        deck += fmt::format("vm{0} d n{0} DC 0\nx{0} n{0} 0 {1} {2}={3}\n", i, sub, mem, grid.memory(i));
    return deck + ".end\n";
}

DeviceTable tabulate_spice(NgspiceSession& session, const devices::Device& device, std::string preset,
                           const TableGrid& grid, std::optional<double> timeout_s) {
    DeviceTable t = empty_table(device, preset, grid);
    session.load(table_deck(device, preset, grid));
    const double step = (grid.v_max_volt - grid.v_min_volt) / (grid.nv - 1);
    session.run(fmt::format("dc vd {} {} {}", grid.v_min_volt, grid.v_max_volt, step), timeout_s);
    const std::vector<double> swept = session.vector("v(d)");
    if (int(swept.size()) != grid.nv)
        throw SpiceError(session.title(), "dc", fmt::format("the sweep gave {} points, the table needs {}",
                                                            swept.size(), grid.nv));
    for (int j = 0; j < grid.nv; ++j)
        if (std::abs(swept[std::size_t(j)] - grid.v(j)) > 1e-9 * std::max(1.0, std::abs(grid.v(j))))
            throw SpiceError(session.title(), "dc", fmt::format("sweep point {} is at {} V, the grid at {} V", j,
                                                                swept[std::size_t(j)], grid.v(j)));
    for (int i = 0; i < grid.nm; ++i) {
        const std::vector<double> current = session.vector(fmt::format("i(vm{})", i));
        for (int j = 0; j < grid.nv; ++j) t.current_a(i, j) = current[std::size_t(j)];
    }
    return t;
}

TableErrors table_errors(const DeviceTable& t, const devices::Device& device) {
    TableErrors e;
    const TableGrid& g = t.grid;
    for (int i = 0; i < g.nm; ++i) {
        const double scale = std::max(t.current_a.row(i).cwiseAbs().maxCoeff(), 1e-300);
        const devices::State x = device.rest_state(g.memory(i));
        for (int j = 0; j < g.nv; ++j)
            e.table_vs_native = std::max(e.table_vs_native,
                                         std::abs(t.current_a(i, j) - device.current_ampere(g.v(j), x)) / scale);
        if (i + 1 == g.nm) continue;
        const double m = 0.5 * (g.memory(i) + g.memory(i + 1));
        const devices::State xm = device.rest_state(m);
        for (int j = 0; j + 1 < g.nv; ++j) {
            const double v = 0.5 * (g.v(j) + g.v(j + 1));
            e.interpolation = std::max(e.interpolation, std::abs(t.interpolate(v, m) - device.current_ampere(v, xm)) / scale);
        }
    }
    return e;
}

}  // namespace kirchhoff::cosim
