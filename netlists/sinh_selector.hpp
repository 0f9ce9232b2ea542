// The 1S1R selector as a two-terminal model: I = i0 sinh(V / v0) (crossbar_spec.hpp cites
// the form). No instance parameter: every selector in a tile is the same device.
#pragma once

#include <string>

#include "netlists/circuit.hpp"
#include "netlists/crossbar_spec.hpp"

namespace kirchhoff::netlists {

class SinhSelector final : public TwoTerminalModel {
public:
    explicit SinhSelector(Selector s);
    const std::string& name() const override { return name_; }
    std::string spice_subckt() const override;
    const std::string& parameter_name() const override { return parameter_; }
    double current(double v_volt, double) const override;
    double conductance(double v_volt, double) const override;

private:
    Selector s_;
    std::string name_ = "selector";
    std::string parameter_;
};

}  // namespace kirchhoff::netlists
