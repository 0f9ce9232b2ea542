// The digital reference for one crossbar read: ideal column currents i = G^T v.
#pragma once

#include <Eigen/Core>

namespace kirchhoff::cosim {

/// g_siemens: (rows, cols); v_volt: (rows). Returns (cols) column currents in amperes.
inline Eigen::VectorXd ideal_column_currents(const Eigen::MatrixXd& g_siemens,
                                             const Eigen::VectorXd& v_volt) {
    return g_siemens.transpose() * v_volt;
}

}  // namespace kirchhoff::cosim
