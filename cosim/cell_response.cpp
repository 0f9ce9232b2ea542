// Separable cell responses: ohmic, or the truncated SVD of a device table.
#include "cosim/cell_response.hpp"

#include <cmath>
#include <stdexcept>

#include <Eigen/SVD>
#include <fmt/format.h>

namespace kirchhoff::cosim {

CellResponse CellResponse::linear() {
    CellResponse r;
    r.linear_ = true;
    return r;
}

CellResponse CellResponse::from_table(const DeviceTable& table, double rel_tol, int max_rank) {
    const TableGrid& g = table.grid;
    const Eigen::BDCSVD<Eigen::MatrixXd> svd(table.current_a, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Eigen::VectorXd s = svd.singularValues();
    const double total = s.squaredNorm();
    if (!(total > 0)) throw std::invalid_argument(fmt::format("device table of {} is all zero", table.preset));
    int rank = 1;
    double tail = total - s(0) * s(0);
    while (rank < max_rank && rank < s.size() && std::sqrt(std::max(tail, 0.0) / total) > rel_tol) {
        tail -= s(rank) * s(rank);
        ++rank;
    }
    CellResponse r;
    r.residual_ = std::sqrt(std::max(tail, 0.0) / total);
    r.v_min_ = g.v_min_volt;
    r.v_max_ = g.v_max_volt;
    const double dv = (g.v_max_volt - g.v_min_volt) / (g.nv - 1);
    const double dm = (g.memory_max - g.memory_min) / (g.nm - 1);
    for (int k = 0; k < rank; ++k) {
        // I ~ sum_k (U_k s_k)(m) V_k(v); scale phi_k to unit peak magnitude and make the
        // coefficient of the first memory row positive, so the factors read naturally.
        Eigen::VectorXd phi = svd.matrixV().col(k);
        Eigen::VectorXd a = svd.matrixU().col(k) * s(k);
        const double peak = phi.cwiseAbs().maxCoeff();
        double scale = peak > 0 ? peak : 1.0;
        if (a(0) < 0) scale = -scale;
        phi /= scale;
        a *= scale;
        r.phi_.emplace_back(g.v_min_volt, dv, std::span(phi.data(), std::size_t(phi.size())));
        const bool one_sign = (a.array() > 0).all() || (a.array() < 0).all();
        const double sign = one_sign ? (a(0) > 0 ? 1.0 : -1.0) : 0.0;
        if (one_sign) a = a.cwiseAbs().array().log().matrix();
        r.a_.emplace_back(g.memory_min, dm, std::span(a.data(), std::size_t(a.size())));
        r.a_sign_.push_back(sign);
    }
    return r;
}

double CellResponse::feature(int k, double v) const { return linear_ ? v : phi_[std::size_t(k)](v); }

double CellResponse::feature_slope(int k, double v) const {
    return linear_ ? 1.0 : phi_[std::size_t(k)].derivative(v);
}

UniformCubic::Pieces CellResponse::feature_pieces(int k) const {
    if (linear_) throw std::logic_error("CellResponse::feature_pieces: ohmic cells have no feature table");
    return phi_[std::size_t(k)].pieces();
}

double CellResponse::coefficient(int k, double value) const {
    if (linear_) return value;
    const double s = a_sign_[std::size_t(k)];
    const double y = a_[std::size_t(k)](value);
    return s == 0.0 ? y : s * std::exp(y);
}

double CellResponse::current(double v, double value) const {
    if (linear_) return value * v;
    double i = 0.0;
    for (int k = 0; k < rank(); ++k) i += coefficient(k, value) * phi_[std::size_t(k)](v);
    return i;
}

}  // namespace kirchhoff::cosim
