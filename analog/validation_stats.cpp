// Accumulation of validation statistics (validation_stats.hpp).
#include "analog/validation_stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kirchhoff::analog {

void ValidationStats::add(std::span<const float> circuit, std::span<const float> engine) {
    if (circuit.size() != engine.size()) throw std::invalid_argument("ValidationStats::add: sizes differ");
    double ref_max = 0, err_max = 0;
    for (std::size_t k = 0; k < circuit.size(); ++k) {
        const double c = circuit[k], e = engine[k], d = e - c;
        sum_sq_err += d * d;
        sum_sq_ref += c * c;
        ref_max = std::max(ref_max, std::abs(c));
        err_max = std::max(err_max, std::abs(d));
        sx += c, sy += e, sxx += c * c, syy += e * e, sxy += c * e;
    }
    if (ref_max > 0) max_rel_err = std::max(max_rel_err, err_max / ref_max);
    else if (err_max > 0) max_rel_err = INFINITY;
    elements += std::int64_t(circuit.size());
    ++count;
}

void ValidationStats::fail(std::string_view error) {
    if (failed++ == 0) first_error = std::string(error);
}

double ValidationStats::nmse() const {
    if (count == 0) return std::nan("");
    return sum_sq_ref > 0 ? sum_sq_err / sum_sq_ref : (sum_sq_err > 0 ? INFINITY : 0.0);
}

double ValidationStats::correlation() const {
    if (elements == 0) return std::nan("");
    const double n = double(elements);
    const double cxx = sxx - sx * sx / n, cyy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
    if (cxx <= 0 || cyy <= 0) return 1.0;
    return cxy / std::sqrt(cxx * cyy);
}

}  // namespace kirchhoff::analog
