// A device transient through ngspice, read back as a native devices::Trajectory: the one
// reader of devices::spice_transient_deck's vectors (the `kirchhoff device` experiments,
// bench/device_bench and tests/devices/test_spice_agreement use it).
#pragma once

#include <cstddef>
#include <string_view>

#include "cosim/ngspice_session.hpp"
#include "devices/device.hpp"
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

}  // namespace kirchhoff::cosim
