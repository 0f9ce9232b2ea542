// Residual metrics of a fast MVM engine against the circuit (residual_metrics.hpp).
#include "cosim/residual_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::cosim {

void ResidualAccumulator::add(const Eigen::VectorXd& engine, const Eigen::VectorXd& circuit, const Eigen::VectorXd& ideal,
                              const Eigen::VectorXd& ideal_wire) {
    if (engine.size() != circuit.size() || ideal.size() != circuit.size() || ideal_wire.size() != circuit.size())
        throw std::invalid_argument(fmt::format("residual metrics: output sizes differ (engine {}, circuit {}, ideal {}, "
                                                "ideal wire {})",
                                                engine.size(), circuit.size(), ideal.size(), ideal_wire.size()));
    ++vectors_;
    const Eigen::VectorXd e = engine - circuit;
    err_ += e.squaredNorm();
    ideal_err_ += (ideal - circuit).squaredNorm();
    ir_err_ += (ideal_wire - circuit).squaredNorm();
    ref_ += circuit.squaredNorm();
    const double scale = circuit.size() > 0 ? circuit.cwiseAbs().maxCoeff() : 0.0;
    for (Eigen::Index j = 0; j < e.size(); ++j) {
        const double a = std::abs(e(j));
        const double rel = a == 0.0 ? 0.0 : scale > 0 ? a / scale : std::numeric_limits<double>::infinity();
        rel_.push_back(rel);
        max_rel_ = std::max(max_rel_, rel);
    }
}

ResidualMetrics ResidualAccumulator::metrics() const {
    ResidualMetrics m;
    m.vectors = vectors_;
    if (vectors_ == 0) return m;
    m.nmse = err_ / ref_;
    m.ideal_nmse = ideal_err_ / ref_;
    m.ir_nmse = ir_err_ / ref_;
    m.captured_fraction = ideal_err_ > 0 ? 1.0 - std::sqrt(err_ / ideal_err_) : 1.0;
    m.captured_fraction_ir =
        m.ir_nmse < no_ir_drop_nmse ? std::numeric_limits<double>::quiet_NaN() : 1.0 - std::sqrt(err_ / ir_err_);
    m.max_rel_err = max_rel_;
    if (!rel_.empty()) {
        double sum = 0.0;
        for (double r : rel_) sum += r;
        m.mean_rel_err = sum / double(rel_.size());
        std::vector<double> sorted = rel_;
        const std::size_t mid = sorted.size() / 2;
        std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(mid), sorted.end());
        m.median_rel_err = sorted[mid];
        if (sorted.size() % 2 == 0) {
            const double below = *std::max_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(mid));
            m.median_rel_err = 0.5 * (m.median_rel_err + below);
        }
    }
    return m;
}

}  // namespace kirchhoff::cosim
