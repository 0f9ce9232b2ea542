// Single-device experiments on the compact models of devices/, through the native Odeint
// engine or ngspice: what `kirchhoff device iv|read|program|drift` and kirchhoff.device in
// Python run. Each takes a typed request, checks it (InputError with the CLI's message,
// naming the flag), calls `before_run` with the effective device once everything is checked
// (the CLI prepares its output folder there, before a long run), runs, and returns the rows
// the CLI writes to its CSV files. No file I/O here. The spice engine is a CircuitSimulator
// the caller passes in (cosim::NgspiceDeviceSimulator, cosim/device_spice.hpp), so devices/
// stays free of ngspice.
//
//   iv       the preset's SET/RESET loop (I-V hysteresis)
//   read     read I-V at a fixed state
//   program  program-and-verify to a target conductance, with device-to-device and
//            cycle-to-cycle variability (devices/program.hpp)
//   drift    PCM conductance statistics over time (devices/pcm_statistical.hpp: drift, read
//            noise, global drift compensation); statistical model, no engine
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "devices/integrate.hpp"
#include "devices/program.hpp"

namespace kirchhoff::devices {

enum class DeviceEngine { native, spice };
std::string_view to_string(DeviceEngine e);
/// InputError "--engine X: unknown engine; allowed: native, spice".
DeviceEngine parse_device_engine(std::string_view text);

/// The device of an electrical experiment: a preset, the engine, and parameter overrides
/// (NAME, VALUE in the model's units, applied in order, then validated).
struct DeviceRequest {
    std::string preset;
    DeviceEngine engine = DeviceEngine::native;
    std::vector<std::pair<std::string, double>> parameters;
};

/// One model parameter in force: a row of parameters.csv.
struct ParameterRow {
    std::string name;
    double value = 0;
    std::string unit;
    std::string range;  // params::Range::str()
    std::string meaning;
};

/// The device an experiment runs.
struct EffectiveDevice {
    std::string preset;
    std::string model;
    DeviceEngine engine = DeviceEngine::native;
    std::vector<ParameterRow> parameters;
};

/// Called once the request is checked, before the experiment runs.
using BeforeRun = std::function<void(const EffectiveDevice&)>;

/// A state variable's column: name and unit (x[0] is the memory variable).
struct StateColumn {
    std::string name;
    std::string unit;
};

/// The circuit simulator behind the spice engine (cosim::NgspiceDeviceSimulator).
class CircuitSimulator {
public:
    virtual ~CircuitSimulator() = default;
    /// A transient of `device` from memory variable `memory0` under `drive`, in `steps` time
    /// steps: t_s, v_volt (the drive), i_ampere (the device current), state (samples, state_size).
    virtual Trajectory transient(const Device& device, double memory0, const Waveform& drive, std::size_t steps) = 0;
    /// A DC sweep of the read I-V at `memory`: V from -v_max to v_max in `points` equal steps.
    virtual std::pair<std::vector<double>, std::vector<double>> read_sweep(const Device& device, double memory,
                                                                          double v_max, int points) = 0;
};

// Flag ranges the CLI declares and the library checks (one place for both).
inline constexpr int iv_points_min = 10, iv_points_max = 1000000;
inline constexpr int read_points_min = 3, read_points_max = 100000;
inline constexpr double program_tolerance_min = 1e-6, program_tolerance_max = 1.0;
inline constexpr int program_devices_max = 100000, program_max_pulses_max = 100000;
inline constexpr double program_d2d_sigma_max = 2.0;
inline constexpr int drift_cells_min = 2, drift_cells_max = 10000000;
/// ngspice time steps of one programming pulse (program, spice engine).
inline constexpr std::size_t program_spice_steps = 200;

struct IvRequest {
    DeviceRequest device;
    std::optional<double> memory;  // initial memory variable (default: its upper bound)
    std::size_t points = 2001;     // samples (native) / time steps (spice), [iv_points_min, iv_points_max]
};
struct IvResult {
    EffectiveDevice device;
    std::vector<StateColumn> state;   // (state_size)
    double memory0 = 0;               // initial memory variable
    Trajectory trajectory;   // t_s, v_volt, i_ampere (samples); state (samples, state_size)
};
IvResult device_iv(const IvRequest& request, const BeforeRun& before_run = {}, CircuitSimulator* spice = nullptr);

struct ReadRequest {
    DeviceRequest device;
    std::optional<double> memory;     // memory variable (default: mid-range); wins over g_siemens
    std::optional<double> g_siemens;  // or: the state whose read conductance is this
    std::optional<double> v_max;      // sweep -v_max..v_max V (default 3 x the read voltage)
    int points = 41;                  // [read_points_min, read_points_max]
};
struct ReadResult {
    EffectiveDevice device;
    StateColumn memory_variable;
    double memory = 0;
    double v_read_volt = 0;     // the preset's read voltage
    double g_read_siemens = 0;  // read conductance at v_read_volt
    std::vector<double> v_volt, i_ampere;  // (points)
};
ReadResult device_read(const ReadRequest& request, const BeforeRun& before_run = {}, CircuitSimulator* spice = nullptr);

struct ProgramRequest {
    DeviceRequest device;
    double g_target_siemens = 0;  // required, > 0 inside the device's window
    double tolerance = 0.05;      // accepted relative error
    int devices = 1;
    double d2d_sigma = 0.0;       // device-to-device lognormal sigma
    int max_pulses = 200;
    std::uint64_t seed = 1;
};
struct ProgramRun {
    EffectiveDevice device;
    std::vector<ProgramResult> results;  // (devices)
    int converged = 0;                            // devices within tolerance
    double g_mean_final_siemens = 0;
};
ProgramRun device_program(const ProgramRequest& request, const BeforeRun& before_run = {}, CircuitSimulator* spice = nullptr);

struct DriftRequest {
    std::string preset;  // a statistical PCM preset (pcm_joshi2020)
    std::vector<double> targets_siemens{2.5e-6, 5e-6, 10e-6, 15e-6, 20e-6, 25e-6};
    std::vector<double> times_s{1, 60, 3600, 86400, 2.592e6, 3.1536e7};  // read times after programming
    int cells = 2000;  // per target
    std::uint64_t seed = 1;
    std::vector<std::pair<std::string, double>> parameters;  // (NAME, VALUE) of the model's parameters, applied in order, then validated
};
struct DriftRow {
    double g_mean_siemens, g_std_siemens, g_mean_compensated_siemens, alpha;
};
struct DriftResult {
    EffectiveDevice device;              // engine native; the statistical model's parameters
    std::vector<std::vector<DriftRow>> rows;  // (targets, times)
};
DriftResult device_drift(const DriftRequest& request, const BeforeRun& before_run = {});

}  // namespace kirchhoff::devices
