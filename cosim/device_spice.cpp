// Single devices in ngspice: a transient read back as a devices::Trajectory, the experiments' spice engine.
#include "cosim/device_spice.hpp"

#include <string>

#include <fmt/format.h>

#include "devices/spice_text.hpp"

namespace kirchhoff::cosim {

devices::Trajectory spice_device_transient(NgspiceSession& session, const devices::Device& device, double memory0,
                                           const devices::Waveform& drive, std::size_t steps, std::string_view title,
                                           double reltol) {
    session.load(devices::spice_transient_deck(device, memory0, drive, title, reltol));
    const double t_end = drive.end_s();
    const double t_step = t_end / static_cast<double>(steps);
    session.run(fmt::format("tran {:.6g} {:.6g} 0 {:.6g}", t_step, t_end, t_step));
    devices::Trajectory tr;
    tr.t_s = session.vector("time");
    const auto i = session.vector("i(vdrive)");  // into the source's + node: minus the device current
    const auto& vars = device.state_variables();
    tr.state.resize(static_cast<Eigen::Index>(tr.t_s.size()), static_cast<Eigen::Index>(vars.size()));
    for (std::size_t j = 0; j < vars.size(); ++j) {
        const auto x = session.vector(std::string("v(x1.") + vars[j].node + ")");
        for (std::size_t k = 0; k < x.size(); ++k)
            tr.state(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = x[k] * vars[j].scale;
    }
    for (std::size_t k = 0; k < tr.t_s.size(); ++k) {
        tr.v_volt.push_back(drive.value(tr.t_s[k]));
        tr.i_ampere.push_back(-i[k]);
    }
    return tr;
}

NgspiceSession& NgspiceDeviceSimulator::session() {
    if (!session_) session_ = std::make_unique<NgspiceSession>();
    return *session_;
}

devices::Trajectory NgspiceDeviceSimulator::transient(const devices::Device& device, double memory0,
                                                      const devices::Waveform& drive, std::size_t steps) {
    return spice_device_transient(session(), device, memory0, drive, steps);
}

std::pair<std::vector<double>, std::vector<double>> NgspiceDeviceSimulator::read_sweep(const devices::Device& device,
                                                                                       double memory, double v_max,
                                                                                       int points) {
    NgspiceSession& s = session();
    s.load("kirchhoff device read\n.options reltol=1e-9 abstol=1e-18\n" +
           devices::spice_subckt(device, devices::SpiceForm::read, "cell_read", memory) + "V1 a 0 0\nX1 a 0 cell_read " +
           device.state_variables()[0].name + "=" + devices::spice_number(memory) + "\n.end\n");
    s.run(fmt::format("dc V1 {:.17g} {:.17g} {:.17g}", -v_max, v_max, 2 * v_max / (points - 1)));
    std::pair<std::vector<double>, std::vector<double>> out;
    out.first = s.vector("v(a)");
    for (double x : s.vector("i(v1)")) out.second.push_back(-x);
    return out;
}

}  // namespace kirchhoff::cosim
