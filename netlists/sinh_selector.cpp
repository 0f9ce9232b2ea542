// sinh selector: native I-V and its B-source twin.
#include "netlists/sinh_selector.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::netlists {

SinhSelector::SinhSelector(Selector s) : s_(s) {
    if (!(s.i0_ampere > 0) || !(s.v0_volt > 0))
        throw std::invalid_argument("selector i0 and v0 must be > 0");
}

std::string SinhSelector::spice_subckt() const {
    return fmt::format(".subckt {} p n\nB1 p n I={}*sinh(V(p,n)/{})\n.ends {}\n", name_,
                       s_.i0_ampere, s_.v0_volt, name_);
}

double SinhSelector::current(double v, double) const { return s_.i0_ampere * std::sinh(v / s_.v0_volt); }

double SinhSelector::conductance(double v, double) const {
    return s_.i0_ampere / s_.v0_volt * std::cosh(v / s_.v0_volt);
}

}  // namespace kirchhoff::netlists
