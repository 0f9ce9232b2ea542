// Least-squares output calibration of a tile (output_calibration.hpp).
#include "analog/output_calibration.hpp"

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::analog {

std::string_view to_string(OutputCalibration c) {
    switch (c) {
        case OutputCalibration::none: return "none";
        case OutputCalibration::global: return "global";
        case OutputCalibration::per_column: return "per_column";
    }
    return "?";
}

OutputCalibration parse_output_calibration(std::string_view t) {
    for (OutputCalibration c : {OutputCalibration::none, OutputCalibration::global, OutputCalibration::per_column})
        if (to_string(c) == t) return c;
    throw InputError(fmt::format("adc.calibration = \"{}\": unknown calibration; allowed: none, global, per_column", t));
}

void OutputCorrection::apply(Eigen::VectorXd& i) const {
    if (scale.size() == 0) return;
    i = i.cwiseProduct(scale.head(i.size())) + offset.head(i.size());
}

void CalibrationFit::add(const Eigen::VectorXd& analog, const Eigen::VectorXd& digital, int used) {
    const Eigen::Index cols = analog.size();
    if (n_.size() != cols)
        for (Eigen::VectorXd* v : {&n_, &mean_i_, &mean_d_, &m2_d_, &c_id_, &sum_dd_, &sum_id_})
            *v = Eigen::VectorXd::Zero(cols);
    for (Eigen::Index j = 0; j < used && j < cols; ++j) {
        const double i = analog(j), d = digital(j);
        n_(j) += 1;
        const double dd = d - mean_d_(j);
        mean_d_(j) += dd / n_(j);
        mean_i_(j) += (i - mean_i_(j)) / n_(j);
        m2_d_(j) += dd * (d - mean_d_(j));
        c_id_(j) += dd * (i - mean_i_(j));
        sum_dd_(j) += d * d;
        sum_id_(j) += i * d;
    }
}

namespace {

// The correction y = (I - c) / a of a fitted response I = a D + c, or the identity when the
// fitted gain is not positive (a column whose output does not follow its digital product).
void invert(double a, double c, double& scale, double& offset) {
    if (a > 0) {
        scale = 1.0 / a;
        offset = -c / a;
    }
}

}  // namespace

OutputCorrection CalibrationFit::solve(OutputCalibration mode) const {
    OutputCorrection c;
    const Eigen::Index cols = n_.size();
    if (mode == OutputCalibration::none || cols == 0) return c;
    c.scale = Eigen::VectorXd::Ones(cols);
    c.offset = Eigen::VectorXd::Zero(cols);
    if (mode == OutputCalibration::global) {
        const double dd = sum_dd_.sum();
        double scale = 1, offset = 0;
        if (dd > 0) invert(sum_id_.sum() / dd, 0.0, scale, offset);
        c.scale.setConstant(scale);
        return c;
    }
    for (Eigen::Index j = 0; j < cols; ++j) {
        // var(D) negligible against D^2 (a constant product): through the origin instead.
        if (n_(j) >= 2 && m2_d_(j) > 1e-24 * sum_dd_(j)) {
            const double a = c_id_(j) / m2_d_(j);
            invert(a, mean_i_(j) - a * mean_d_(j), c.scale(j), c.offset(j));
        } else if (sum_dd_(j) > 0) {
            invert(sum_id_(j) / sum_dd_(j), 0.0, c.scale(j), c.offset(j));
        }
    }
    return c;
}

}  // namespace kirchhoff::analog
