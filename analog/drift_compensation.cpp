// Global drift compensation from one-hot reads of the tile (drift_compensation.hpp).
#include "analog/drift_compensation.hpp"

#include <cmath>

namespace kirchhoff::analog {

double one_hot_mean_abs_ampere(cosim::MvmEngine& engine, int rows_total, const TilePlace& place, double v_read,
                               const Eigen::MatrixXd& var, devices::Rng& rng) {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(rows_total);
    double sum = 0;
    for (int r = 0; r < place.rows; ++r) {
        v(r) = v_read;
        const Eigen::VectorXd i = engine.matvec(v);
        v(r) = 0;
        for (int k = 0; k < place.cols; ++k) {
            double y = i(k);
            if (var.size()) y += v_read * std::sqrt(var(r, k)) * rng.normal();
            sum += std::abs(y);
        }
    }
    return sum / (double(place.rows) * double(place.cols));
}

double drift_compensation_factor(cosim::MvmEngine& now, const Eigen::MatrixXd& now_var, cosim::MvmEngine& baseline,
                                 const TileBaseline& base, const TilePlace& place, double v_read,
                                 devices::Rng& rng) {
    const int rows = base.tile.config.spec.rows;
    const double ref = one_hot_mean_abs_ampere(baseline, rows, place, v_read, base.read_var_a2_per_v2, rng);
    const double cur = one_hot_mean_abs_ampere(now, rows, place, v_read, now_var, rng);
    return cur > 0 ? ref / cur : 1.0;
}

}  // namespace kirchhoff::analog
