// The line relaxation's solution as node voltages of the tile's circuit (surrogate_start.hpp).
#include "cosim/surrogate_start.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::cosim {

Eigen::VectorXd surrogate_start_voltages(const netlists::CrossbarCircuit& xbar, const LineRelaxationNodes& nodes) {
    const netlists::Circuit& c = xbar.circuit;
    const netlists::CrossbarSpec& s = xbar.spec;
    const std::size_t arrays = xbar.row_nodes.size();
    if (nodes.word_volt.size() != arrays || nodes.bit_volt.size() != arrays || nodes.cell_current.size() != arrays)
        throw std::invalid_argument(fmt::format("surrogate start: {} / {} / {} arrays of voltages and currents for a "
                                                "tile of {} arrays",
                                                nodes.word_volt.size(), nodes.bit_volt.size(),
                                                nodes.cell_current.size(), arrays));
    const double unset = std::numeric_limits<double>::quiet_NaN();
    Eigen::VectorXd v = Eigen::VectorXd::Constant(c.node_count(), unset);
    v(0) = 0.0;
    const double r_access = s.cell == netlists::CellKind::one_t_one_r ? s.access.r_on_ohm : 0.0;
    for (std::size_t a = 0; a < arrays; ++a) {
        const Eigen::MatrixXi& rn = xbar.row_nodes[a];
        const Eigen::MatrixXi& cn = xbar.col_nodes[a];
        const Eigen::MatrixXi& tops = xbar.cell_nodes[a];
        const Eigen::MatrixXd& w = nodes.word_volt[a];
        const Eigen::MatrixXd& b = nodes.bit_volt[a];
        const Eigen::MatrixXd& i = nodes.cell_current[a];
        if (w.rows() != rn.rows() || w.cols() != rn.cols() || b.rows() != rn.rows() || b.cols() != rn.cols() ||
            i.rows() != rn.rows() || i.cols() != rn.cols())
            throw std::invalid_argument(fmt::format("surrogate start: array {} has {} x {} cells, the voltages are "
                                                    "{} x {}",
                                                    a, rn.rows(), rn.cols(), w.rows(), w.cols()));
        for (Eigen::Index r = 0; r < rn.rows(); ++r)
            for (Eigen::Index col = 0; col < rn.cols(); ++col) {
                v(rn(r, col)) = w(r, col);
                v(cn(r, col)) = b(r, col);
                if (tops(r, col) != rn(r, col)) v(tops(r, col)) = w(r, col) - r_access * i(r, col);
            }
    }
    for (const netlists::VoltageSource& src : c.sources()) v(src.p) = src.volt;
    // The rest: KCL over their resistors, from neighbours placed above.
    Eigen::VectorXd sum_gv = Eigen::VectorXd::Zero(c.node_count()), sum_g = sum_gv;
    std::vector<char> open(std::size_t(c.node_count()), 0);  // a neighbour without a voltage
    for (const netlists::Resistor& res : c.resistors()) {
        const double g = 1.0 / res.ohm;
        for (auto [n, other] : {std::pair{res.a, res.b}, std::pair{res.b, res.a}}) {
            if (!std::isnan(v(n))) continue;
            if (std::isnan(v(other))) open[std::size_t(n)] = 1;
            sum_gv(n) += g * v(other);
            sum_g(n) += g;
        }
    }
    for (const netlists::NonlinearElement& e : c.nonlinear())
        for (int n : {e.a, e.b})
            if (std::isnan(v(n))) open[std::size_t(n)] = 1;
    for (int n = 1; n < c.node_count(); ++n) {
        if (!std::isnan(v(n))) continue;
        if (open[std::size_t(n)] || !(sum_g(n) > 0))
            throw std::logic_error(fmt::format("surrogate start: node {} of circuit '{}' has no voltage from the line "
                                               "relaxation nor from its neighbours",
                                               c.node_name(n), c.title()));
        v(n) = sum_gv(n) / sum_g(n);
    }
    return v;
}

}  // namespace kirchhoff::cosim
