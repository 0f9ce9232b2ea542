// Single devices in ngspice: a device transient read back as a native devices::Trajectory (the
// one reader of devices::spice_transient_deck's vectors: the device experiments, bench/
// device_bench and tests/devices/test_spice_agreement use it), and NgspiceDeviceSimulator, the
// spice engine of the device experiments (devices/experiments.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "cosim/ngspice_session.hpp"
#include "devices/device.hpp"
#include "devices/experiments.hpp"
#include "devices/integrate.hpp"
#include "devices/waveform.hpp"

namespace kirchhoff::cosim {

/// Loads spice_transient_deck(device, memory0, drive, title, reltol) into `session` and runs
/// "tran T/steps T 0 T/steps" (T = drive.end_s(), each printed with 6 significant digits).
/// Returns the trajectory at ngspice's time points: t_s (samples) s; v_volt the drive's
/// value at each time (V); i_ampere the device current (A, = -i(vdrive)); state (samples,
/// state_size) the state nodes times their scales. steps > 0. Throws SpiceError.
devices::Trajectory spice_device_transient(NgspiceSession& session, const devices::Device& device, double memory0,
                                           const devices::Waveform& drive, std::size_t steps,
                                           std::string_view title = "kirchhoff device", double reltol = 1e-6);

/// The spice engine of devices/experiments.hpp: one ngspice session, started on first use (so
/// a native run never starts ngspice) and reused by the experiment's runs.
class NgspiceDeviceSimulator final : public devices::CircuitSimulator {
public:
    /// spice_device_transient(session, device, memory0, drive, steps).
    devices::Trajectory transient(const devices::Device& device, double memory0, const devices::Waveform& drive,
                                  std::size_t steps) override;
    /// The read form of the device (devices::SpiceForm::read) at `memory` under a DC source
    /// swept from -v_max to v_max (reltol 1e-9, abstol 1e-18); returns (v, device current).
    std::pair<std::vector<double>, std::vector<double>> read_sweep(const devices::Device& device, double memory,
                                                                  double v_max, int points) override;

private:
    NgspiceSession& session();
    std::unique_ptr<NgspiceSession> session_;
};

}  // namespace kirchhoff::cosim
