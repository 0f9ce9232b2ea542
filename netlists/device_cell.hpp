// A compact device model (devices/) as a crossbar cell: its read I-V with the memory variable
// as the per-instance parameter and every fast state variable at rest, for both solvers
// (the same function as devices::spice_subckt's read form, which ngspice evaluates).
#pragma once

#include <memory>
#include <string>

#include "devices/device.hpp"
#include "netlists/circuit.hpp"

namespace kirchhoff::netlists {

class DeviceCellModel final : public TwoTerminalModel {
public:
    /// `device` is copied; `subckt_name` names the subcircuit in the deck.
    DeviceCellModel(const devices::Device& device, std::string subckt_name);
    const std::string& name() const override { return name_; }
    std::string spice_subckt() const override;
    const std::string& parameter_name() const override { return parameter_; }
    double current(double v_volt, double memory) const override;
    double conductance(double v_volt, double memory) const override;
    void current_and_conductance(double v_volt, double memory, double& current_a, double& conductance_s) const override;
    const devices::Device& device() const { return *device_; }

private:
    std::unique_ptr<devices::Device> device_;
    std::string name_, parameter_;
    double default_memory_;
};

}  // namespace kirchhoff::netlists
