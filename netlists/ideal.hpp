// The digital reference of one crossbar array: ideal column currents i = G^T v of the target
// conductances (no wires, access transistors, selectors or cell nonlinearity). The one place
// G^T v is written: netlists::ideal_outputs (arrays and differential pairs), the ideal MVM
// engine, `kirchhoff solve --engine ideal` and the analog backend's calibration target all
// call it; the tests check it against a hand-written loop.
#pragma once

#include <Eigen/Core>

namespace kirchhoff::netlists {

/// g_siemens: (rows, cols) S; v_volt: (rows) V. Returns (cols) column currents in amperes.
inline Eigen::VectorXd ideal_column_currents(const Eigen::MatrixXd& g_siemens, const Eigen::VectorXd& v_volt) {
    return g_siemens.transpose() * v_volt;
}

}  // namespace kirchhoff::netlists
