// Device read model as a two-terminal cell.
#include "netlists/device_cell.hpp"

#include <tuple>

#include "devices/spice_text.hpp"

namespace kirchhoff::netlists {

DeviceCellModel::DeviceCellModel(const devices::Device& device, std::string subckt_name)
    : device_(device.clone()), name_(std::move(subckt_name)), parameter_(device.state_variables()[0].name) {
    const auto [lo, hi] = device_->state_bounds();
    default_memory_ = lo(0);
}

std::string DeviceCellModel::spice_subckt() const {
    return devices::spice_subckt(*device_, devices::SpiceForm::read, name_, default_memory_);
}

double DeviceCellModel::current(double v, double memory) const {
    return device_->current_ampere(v, device_->rest_state(memory));
}

double DeviceCellModel::conductance(double v, double memory) const {
    return device_->di_dv_siemens(v, device_->rest_state(memory));
}

void DeviceCellModel::current_and_conductance(double v, double memory, double& current_a, double& conductance_s) const {
    std::tie(current_a, conductance_s) = device_->current_and_di_dv(v, device_->rest_state(memory));
}

}  // namespace kirchhoff::netlists
