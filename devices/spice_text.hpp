// SPICE text for devices: number formatting, the B-source twins of smooth.hpp, the read and
// transient subcircuits of any Device, PWL sources, and a single-device transient deck.
//
// Subcircuit layout (ports p n; the device voltage is v(p,n), its current flows p -> n):
//   read form       .subckt NAME p n MEM=<value>   one B-source, I(V, MEM, fast variables at rest)
//   transient form  .subckt NAME p n MEM=<value>   the same B-source reading state nodes, and per
//                   state variable k: node <node_k> whose voltage is x_k / scale_k, a capacitor
//                   of 1 mF to ground and a B-source injecting 1 mF * (dx_k/dt) / scale_k, so
//                   that the capacitor integrates the state. The memory node also leaks through
//                   1e12 ohm to an anchor held at MEM / scale: the leak fixes the node in a plain
//                   `.op` (which ignores .ic) against the model's own retention rate at rest (PCM
//                   crystallisation at 300 K, ~1e-13/s, moves it by ~6e-5 of its range), and
//                   drifts the state by 1e-9 of its distance from MEM per second of simulated
//                   time. (A stronger leak, 1e9 ohm, made ngspice crawl at the VTEAM bounds.) Fast variables need no anchor: their rates
//                   relax them to rest (which every model puts at node voltage 0, the solver's
//                   initial guess).
// Numbers are written with 17 significant digits, so the SPICE model is the C++ model.
// Deterministic: the same device gives the same text, byte for byte.
// Not here: running ngspice (cosim/), crossbar decks (netlists/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "devices/device.hpp"
#include "devices/waveform.hpp"

namespace kirchhoff::devices {

/// Shortest text that reads back as exactly x ("0.25", "1e-09"); negatives in parentheses.
std::string spice_number(double x);

/// B-source twins of smooth.hpp (same formulas, text in, text out).
std::string spice_sigmoid(const std::string& u);
std::string spice_softplus(const std::string& u, double width);
std::string spice_smooth_abs(const std::string& v, double width);

/// Capacitance of every state node (F) and the anchor leak of the memory node (ohm).
inline constexpr double spice_state_capacitance_farad = 1e-3;
inline constexpr double spice_anchor_leak_ohm = 1e12;

/// The subcircuit text, ".subckt NAME p n MEM=<memory>" ... ".ends NAME".
std::string spice_subckt(const Device& device, SpiceForm form, std::string_view name,
                         double memory);

/// "PWL(t0 v0 t1 v1 ...)".
std::string spice_pwl(const Waveform& w);

/// A complete deck: the device's transient subcircuit as X1 between node `a` and ground,
/// driven by `Vdrive a 0 PWL(...)`, with tight tolerances (reltol as given, Gear integration)
/// and KLU. Run it with "tran <tstep> <tstop>" (no `uic` needed). Vectors: v(a), i(vdrive)
/// (= minus the device current), and the state nodes v(x1.<node>) (= x_k / scale_k).
std::string spice_transient_deck(const Device& device, double memory0, const Waveform& drive,
                                 std::string_view title, double reltol = 1e-6);

}  // namespace kirchhoff::devices
