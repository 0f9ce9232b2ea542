// The electrical device interface: what integration, program-and-verify, SPICE generation and
// the CLI need from a compact model, independent of which model it is.
//
// A device has a voltage-controlled current I(V, x) and a state x (a few variables, each
// with a unit, physical bounds and a scale) that evolves as dx/dt = f(V, x). By convention
// x[0] is the memory variable (the filament gap, the doped width, the crystalline fraction);
// any further variables (temperature, threshold-switching fraction) are fast and relax to
// their rest values at V = 0. Models implement this through ModelDevice (model_device.hpp),
// which evaluates their templated physics on double and on Dual numbers.
// Not here: noise that is not part of the physics (pcm_statistical.hpp), file I/O, ngspice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "params/range.hpp"

namespace kirchhoff::devices {

class Rng;

using State = Eigen::VectorXd;  // (state_size)

struct StateVariable {
    const char* name;     // "gap_m": also the SPICE instance parameter for x[0]
    const char* node;     // SPICE state node name inside the transient subcircuit
    const char* unit;     // "m", "K", "1"
    double scale;         // typical magnitude: tolerances and SPICE node voltage = x / scale
    const char* meaning;  // one line
};

/// One parameter of a model with its current value (a row of the model's Field table).
struct ParameterView {
    std::string name;
    std::string unit;
    params::Range range;
    std::string meaning;
    double value;
};

/// The two SPICE subcircuit forms (spice_text.hpp writes them).
enum class SpiceForm {
    read,       // memory variable as an instance parameter, fast variables at rest: for .op/.dc
    transient,  // one state node per variable, integrated by ngspice: for .tran
};

class Device {
public:
    virtual ~Device() = default;
    virtual std::unique_ptr<Device> clone() const = 0;

    /// Model name as in the preset registry and the Verilog-A module ("stanford_rram").
    virtual std::string_view model() const = 0;
    virtual const std::vector<StateVariable>& state_variables() const = 0;
    std::size_t state_size() const { return state_variables().size(); }

    /// Throws InputError naming the model, parameter, value and allowed range.
    virtual void validate() const = 0;
    virtual std::vector<ParameterView> parameters() const = 0;
    /// Sets one parameter by its table name; throws InputError for an unknown name. Does not
    /// validate (call validate() after a batch of changes).
    virtual void set_parameter(std::string_view name, double value) = 0;

    /// Current (A) from the + to the - terminal at voltage v_volt = V(+) - V(-) in state x.
    virtual double current_ampere(double v_volt, const State& x) const = 0;
    /// dI/dV (S) at (v, x).
    virtual double di_dv_siemens(double v_volt, const State& x) const = 0;
    /// Current (A) and dI/dV (S) at (v, x) in one evaluation (a circuit solver's Newton step);
    /// equal to the two calls above within rounding.
    virtual std::pair<double, double> current_and_di_dv(double v_volt, const State& x) const {
        return {current_ampere(v_volt, x), di_dv_siemens(v_volt, x)};
    }
    /// dI/dx (A per state unit), (state_size).
    virtual Eigen::VectorXd di_dx(double v_volt, const State& x) const = 0;
    /// dx/dt (state units per second), (state_size).
    virtual State rate(double v_volt, const State& x) const = 0;
    /// d(dx/dt)/dx into dfdx (state_size, state_size) and d(dx/dt)/dV into dfdv (state_size).
    virtual void rate_jacobian(double v_volt, const State& x, Eigen::MatrixXd& dfdx,
                               Eigen::VectorXd& dfdv) const = 0;

    /// Bounds the dynamics keep each variable within for this parameter set: {lo, hi}, each
    /// (state_size); hi may be +inf.
    virtual std::pair<State, State> state_bounds() const = 0;
    /// The full state with memory variable `memory` and every fast variable at rest.
    virtual State rest_state(double memory) const = 0;
    /// Conductance I/V (S) read at v_read_volt (!= 0) with the memory variable at `memory`.
    double read_conductance_siemens(double memory, double v_read_volt) const;
    /// The memory value whose read conductance at v_read_volt is g_siemens; throws InputError
    /// when g_siemens lies outside the device's window (the read conductance must be monotonic
    /// in the memory variable, which every model here guarantees).
    double memory_for_conductance(double g_siemens, double v_read_volt) const;
    /// Read conductances (S) at the two memory bounds: {lowest, highest}.
    std::pair<double, double> conductance_window_siemens(double v_read_volt) const;
    /// Whether g_siemens lies in that window, each bound widened by window_relative_tolerance
    /// of itself: the bounds are computed (I/V at a memory bound), so a bound the user states
    /// exactly (vteam_aimc's 1e-4 S at 0.3 V) can come out a few ulps inside it.
    bool in_conductance_window(double g_siemens, double v_read_volt) const;
    static constexpr double window_relative_tolerance = 1e-9;

    /// Cycle-to-cycle noise: standard deviation (state units) of the Gaussian kick applied to
    /// each state variable after every programming pulse, (state_size). Zero: none.
    virtual Eigen::VectorXd cycle_noise_sigma() const = 0;
    /// Device-to-device variability: multiplies the model's variability-carrying parameters
    /// (documented per model) by independent lognormal factors exp(sigma_rel * N(0, 1)).
    virtual void vary_device(Rng& rng, double sigma_rel) = 0;

    /// SPICE B-source expressions in the symbols given (spice_text.hpp builds the subcircuits).
    /// v: text of the device voltage; x: text of each state variable, in state units.
    virtual std::string spice_current(const std::string& v,
                                      const std::vector<std::string>& x) const = 0;
    virtual std::vector<std::string> spice_rates(const std::string& v,
                                                 const std::vector<std::string>& x) const = 0;
};

}  // namespace kirchhoff::devices
