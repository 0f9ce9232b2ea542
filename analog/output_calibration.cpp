// Least-squares output calibration of a tile (output_calibration.hpp).
#include "analog/output_calibration.hpp"

#include "params/enum_names.hpp"
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
    return params::parse_enum(t, {OutputCalibration::none, OutputCalibration::global, OutputCalibration::per_column},
                              fmt::format("adc.calibration = \"{}\"", t), "calibration");
}

void OutputCorrection::apply(Eigen::VectorXd& i) const {
    if (scale.size() == 0) return;
    i = i.cwiseProduct(scale.head(i.size())) + offset.head(i.size());
}

void CalibrationFit::add(const Eigen::VectorXd& analog, const Eigen::VectorXd& digital, int used) {
    const Eigen::Index cols = analog.size();
    if (n_.size() != cols)
        for (Eigen::VectorXd* v : {&n_, &mean_i_, &mean_d_, &m2_i_, &c_id_, &sum_ii_, &sum_id_}) *v = Eigen::VectorXd::Zero(cols);
    for (Eigen::Index j = 0; j < used && j < cols; ++j) {
        const double i = analog(j), d = digital(j);
        n_(j) += 1;
        const double di = i - mean_i_(j);
        mean_i_(j) += di / n_(j);
        mean_d_(j) += (d - mean_d_(j)) / n_(j);
        m2_i_(j) += di * (i - mean_i_(j));
        c_id_(j) += di * (d - mean_d_(j));
        sum_ii_(j) += i * i;
        sum_id_(j) += i * d;
    }
}

OutputCorrection CalibrationFit::solve(OutputCalibration mode) const {
    OutputCorrection c;
    const Eigen::Index cols = n_.size();
    if (mode == OutputCalibration::none || cols == 0) return c;
    c.scale = Eigen::VectorXd::Ones(cols);
    c.offset = Eigen::VectorXd::Zero(cols);
    if (mode == OutputCalibration::global) {
        const double ii = sum_ii_.sum();
        if (ii > 0) c.scale.setConstant(sum_id_.sum() / ii);
        return c;
    }
    for (Eigen::Index j = 0; j < cols; ++j) {
        // var(I) negligible against I^2 (a constant output): through the origin instead.
        if (n_(j) >= 2 && m2_i_(j) > 1e-24 * sum_ii_(j)) {
            c.scale(j) = c_id_(j) / m2_i_(j);
            c.offset(j) = mean_d_(j) - c.scale(j) * mean_i_(j);
        } else if (sum_ii_(j) > 0) {
            c.scale(j) = sum_id_(j) / sum_ii_(j);
        }
    }
    return c;
}

}  // namespace kirchhoff::analog
