// Line relaxation of a read-mode tile (the method and its equations: line_relaxation.hpp).
#include "cosim/line_relaxation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "cosim/nodal_solver.hpp"
#include "params/error.hpp"

namespace kirchhoff::cosim {

namespace {

using Eigen::ArrayXd;

// Ladder factors of lines loaded by g: along axis `rows_are_lines` = false the lines are
// columns of g (index i down a column), else rows (index j along a row). alpha_n = 0,
// alpha_i = alpha_{i+1} f_{i+1} - g_i, f_i = 1 / (1 - alpha_i R_i).
Eigen::MatrixXd ladder_factors(const Eigen::MatrixXd& g, const Eigen::VectorXd& r, bool along_rows) {
    Eigen::MatrixXd f(g.rows(), g.cols());
    if (along_rows) {
        ArrayXd next = ArrayXd::Zero(g.rows());  // alpha_{j+1} f_{j+1}
        for (Eigen::Index j = g.cols() - 1; j >= 0; --j) {
            const ArrayXd alpha = next - g.col(j).array();
            f.col(j) = (1.0 - alpha * r(j)).inverse().matrix();
            next = alpha * f.col(j).array();
        }
    } else {
        ArrayXd next = ArrayXd::Zero(g.cols());
        for (Eigen::Index i = g.rows() - 1; i >= 0; --i) {
            const ArrayXd alpha = next - g.row(i).transpose().array();
            f.row(i) = (1.0 - alpha * r(i)).inverse().matrix().transpose();
            next = alpha * f.row(i).transpose().array();
        }
    }
    return f;
}

// Segment resistances of a line from its source end: the first carries the driver or sense
// resistance too. A line without wire resistance is one node (its cells share R_0 alone).
Eigen::VectorXd segments(int n, double r_wire, double r_end) {
    Eigen::VectorXd r = Eigen::VectorXd::Constant(n, r_wire);
    r(0) += r_end;
    return r;
}

}  // namespace

LineRelaxation LineRelaxation::build(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                                     const CellResponse& response, double v_star, LineRelaxationOptions options) {
    if (spec.mode != netlists::Mode::read)
        throw InputError("the line-relaxation surrogate models read mode (array.mode = \"read\"), not select mode");
    if (spec.cell == netlists::CellKind::one_s_one_r)
        throw InputError("the line-relaxation surrogate does not model 1S1R cells (array.cell = \"1S1R\"): the "
                         "selector is a second nonlinear element in series; use the nodal engine");
    if (int(cells.size()) != spec.arrays())
        throw std::invalid_argument(fmt::format("line relaxation: {} cell arrays for {} arrays", cells.size(), spec.arrays()));
    LineRelaxation t;
    t.spec_ = spec;
    t.options_ = options;
    t.rows_ = spec.rows;
    t.pcols_ = spec.physical_cols();
    t.r_access_ohm_ = spec.cell == netlists::CellKind::one_t_one_r ? spec.access.r_on_ohm : 0.0;
    const double r_sense = spec.sense == netlists::SenseKind::tia ? spec.tia.input_ohm() : 0.0;
    t.r_row_ = segments(t.pcols_, spec.r_wire_row_ohm, spec.r_driver_ohm);
    t.r_col_ = segments(t.rows_, spec.r_wire_col_ohm, r_sense);
    const int terms = response.rank();
    for (int k = 0; k < terms; ++k) {
        t.slope_.push_back(response.feature_slope(k, v_star));
        t.phi_.push_back(response.is_linear() ? UniformCubic(-1.0, 2.0, std::vector<double>{-1.0, 1.0}).pieces()
                                              : response.feature_pieces(k));
    }
    const bool from_bottom = spec.sense_edge == netlists::SenseEdge::bottom;
    const bool from_left = spec.driver_edge == netlists::DriverEdge::left;
    for (const netlists::CellArray& cell : cells) {
        if (cell.value.rows() != t.rows_ || cell.value.cols() != t.pcols_)
            throw std::invalid_argument(fmt::format("line relaxation: cells ({} x {}) for a {} x {} array",
                                                    cell.value.rows(), cell.value.cols(), t.rows_, t.pcols_));
        Array a;
        Eigen::MatrixXd g = Eigen::MatrixXd::Zero(t.rows_, t.pcols_);
        std::vector<Eigen::MatrixXd> ak(std::size_t(terms), Eigen::MatrixXd(t.rows_, t.pcols_));
        for (int i = 0; i < t.rows_; ++i)
            for (int j = 0; j < t.pcols_; ++j) {
                const int r = from_bottom ? t.rows_ - 1 - i : i, c = from_left ? j : t.pcols_ - 1 - j;
                for (int k = 0; k < terms; ++k) {
                    ak[std::size_t(k)](i, j) = response.coefficient(k, cell.value(r, c));
                    g(i, j) += t.slope_[std::size_t(k)] * ak[std::size_t(k)](i, j);
                }
                if (!(g(i, j) > 0))
                    throw InputError(fmt::format("cell ({}, {}): its chord conductance at V* = {} V is {} S; the "
                                                 "line-relaxation surrogate needs it > 0",
                                                 r, c, v_star, g(i, j)));
            }
        a.kappa = (1.0 + g.array() * t.r_access_ohm_).inverse().matrix();
        a.gs = g.cwiseProduct(a.kappa);
        for (auto& m : ak) a.ka.push_back(m.cwiseProduct(a.kappa));
        a.f_row = ladder_factors(a.gs, t.r_row_, true);
        a.f_col = ladder_factors(a.gs, t.r_col_, false);
        t.arrays_.push_back(std::move(a));
    }
    return t;
}

Eigen::VectorXd LineRelaxation::solve_array(const Array& a, const Eigen::VectorXd& v_line, int& sweeps,
                                            double& change, std::chrono::steady_clock::time_point start,
                                            LineState* state) const {
    // Plain loops over column-major (rows, pcols) storage: word lines are walked column by
    // column with all rows at once (contiguous), bit lines one column at a time (contiguous).
    const Eigen::Index R = rows_, P = pcols_, n = R * P;
    const int terms = int(phi_.size());
    const double* gs = a.gs.data();
    const double* f_row = a.f_row.data();
    const double* f_col = a.f_col.data();
    const double* v = v_line.data();
    const std::size_t cells = std::size_t(n);
    std::vector<double> kn(cells, 0.0), rhs(cells), beta(cells), drop(cells), bit(cells, 0.0), current(cells), u(cells);
    // kappa n(U) for the device voltages in u.
    auto remainder = [&] {
        std::fill(kn.begin(), kn.end(), 0.0);
        for (int k = 0; k < terms; ++k) {
            const UniformCubic::Pieces& phi = phi_[std::size_t(k)];
            const double c = slope_[std::size_t(k)];
            const double* ka = a.ka[std::size_t(k)].data();
            for (Eigen::Index q = 0; q < n; ++q) kn[q] += ka[q] * (phi(u[q]) - c * u[q]);
        }
    };
    const double v_max = v_line.cwiseAbs().maxCoeff();
    if (v_max == 0) {  // every node at 0 V: no current flows
        if (state) state->drop = state->bit = state->current = Eigen::MatrixXd::Zero(R, P);
        return Eigen::VectorXd::Zero(P);
    }
    const double current_bound = a.gs.colwise().sum().maxCoeff() * v_max;
    for (Eigen::Index j = 0; j < P; ++j)
        for (Eigen::Index i = 0; i < R; ++i) u[i + R * j] = v[i];
    remainder();
    Eigen::VectorXd sense_prev = Eigen::VectorXd::Zero(P), sense(P);
    std::vector<double> w(static_cast<std::size_t>(R));
    for (sweeps = 1;; ++sweeps) {
        // Word lines, from the driver: (1 + gs L) I = gs (v - B) + kappa n, drops into `drop`.
        for (Eigen::Index j = 0; j < P; ++j)
            for (Eigen::Index i = 0, q = R * j; i < R; ++i, ++q) rhs[q] = gs[q] * (v[i] - bit[q]) + kn[q];
        for (Eigen::Index i = 0; i < R; ++i) beta[i + R * (P - 1)] = rhs[i + R * (P - 1)];
        for (Eigen::Index j = P - 2; j >= 0; --j)
            for (Eigen::Index i = 0; i < R; ++i)
                beta[i + R * j] = beta[i + R * (j + 1)] * f_row[i + R * (j + 1)] + rhs[i + R * j];
        std::fill(w.begin(), w.end(), 0.0);
        for (Eigen::Index j = 0; j < P; ++j) {
            const double r_seg = r_row_(j);
            for (Eigen::Index i = 0; i < R; ++i) {
                const Eigen::Index q = i + R * j;
                w[i] = (w[i] + r_seg * beta[q]) * f_row[q];
                drop[q] = w[i];
            }
        }
        // Bit lines, from the sense end: (1 + gs L) I = gs (v - w) + kappa n, voltages into `bit`.
        for (Eigen::Index j = 0; j < P; ++j)
            for (Eigen::Index i = 0, q = R * j; i < R; ++i, ++q) rhs[q] = gs[q] * (v[i] - drop[q]) + kn[q];
        for (Eigen::Index j = 0; j < P; ++j) {
            double* bj = &beta[R * j];
            const double* rj = &rhs[R * j];
            const double* fj = &f_col[R * j];
            bj[R - 1] = rj[R - 1];
            for (Eigen::Index i = R - 2; i >= 0; --i) bj[i] = bj[i + 1] * fj[i + 1] + rj[i];
            double b = 0, sum = 0;
            for (Eigen::Index i = 0; i < R; ++i) {
                const Eigen::Index q = i + R * j;
                b = (b + r_col_(i) * bj[i]) * fj[i];
                bit[q] = b;
                current[q] = rj[i] - gs[q] * b;
                sum += current[q];
            }
            sense(j) = sum;
        }
        // Relative to the larger of the largest sense current and a thousandth of the largest
        // ideal-wire chord current, so that near-zero inputs (currents at the table's rounding
        // level) do not demand a relative precision below rounding.
        const double scale = std::max(sense.cwiseAbs().maxCoeff(), 1e-3 * current_bound);
        const double delta = (sense - sense_prev).cwiseAbs().maxCoeff();
        change = scale > 0 ? delta / scale : delta;
        if (!std::isfinite(change))
            throw NodalError(fmt::format("line relaxation of a {} x {} tile diverged after {} sweeps (currents not "
                                         "finite); use the nodal engine or surrogate.tier = \"linearised\"",
                                         R, P, sweeps));
        if (change <= options_.tolerance && sweeps > 1) {
            if (state) {
                state->drop = Eigen::Map<const Eigen::MatrixXd>(drop.data(), R, P);
                state->bit = Eigen::Map<const Eigen::MatrixXd>(bit.data(), R, P);
                state->current = Eigen::Map<const Eigen::MatrixXd>(current.data(), R, P);
            }
            break;
        }
        if (options_.timeout_s > 0) {
            const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (spent > options_.timeout_s)
                throw NodalError(fmt::format("line relaxation of a {} x {} tile: time limit of {} s (solver.timeout_s) "
                                             "ran out after {:.3g} s and {} sweeps (last relative change {:.3g}, "
                                             "tolerance {:.3g})",
                                             R, P, options_.timeout_s, spent, sweeps, change, options_.tolerance));
        }
        if (sweeps >= options_.max_sweeps)
            throw NodalError(fmt::format("line relaxation of a {} x {} tile did not converge in {} sweeps "
                                         "(surrogate.max_sweeps): last relative change {:.3g} > tolerance {:.3g}",
                                         R, P, sweeps, change, options_.tolerance));
        sense_prev = sense;
        for (Eigen::Index j = 0; j < P; ++j)
            for (Eigen::Index i = 0, q = R * j; i < R; ++i, ++q)
                u[q] = v[i] - drop[q] - bit[q] - r_access_ohm_ * current[q];
        remainder();
    }
    return sense;
}

Eigen::VectorXd LineRelaxation::sense_currents(const Eigen::VectorXd& v, LineRelaxationStats* stats,
                                               LineRelaxationNodes* nodes) const {
    if (v.size() != rows_)
        throw std::invalid_argument(fmt::format("line relaxation takes {} row voltages, got {}", rows_, v.size()));
    const bool from_bottom = spec_.sense_edge == netlists::SenseEdge::bottom;
    const bool from_left = spec_.driver_edge == netlists::DriverEdge::left;
    const Eigen::VectorXd v_line = from_bottom ? Eigen::VectorXd(v.reverse()) : v;
    Eigen::VectorXd out(Eigen::Index(arrays_.size()) * pcols_);
    LineRelaxationStats s;
    const auto start = std::chrono::steady_clock::now();
    if (nodes) *nodes = {};
    // Line order (i from the sense edge, j from the driver edge) to the circuit's (r, c).
    auto to_circuit = [&](const Eigen::MatrixXd& m) {
        Eigen::MatrixXd out = m;
        if (from_bottom) out = out.colwise().reverse().eval();
        if (!from_left) out = out.rowwise().reverse().eval();
        return out;
    };
    for (std::size_t k = 0; k < arrays_.size(); ++k) {
        int sweeps = 0;
        double change = 0;
        LineState state;
        const Eigen::VectorXd line = solve_array(arrays_[k], v_line, sweeps, change, start, nodes ? &state : nullptr);
        if (nodes) {
            // Word-line voltage = the row's input less the drop along its line.
            const Eigen::MatrixXd word = (-state.drop).colwise() + v_line;
            nodes->word_volt.push_back(to_circuit(word));
            nodes->bit_volt.push_back(to_circuit(state.bit));
            nodes->cell_current.push_back(to_circuit(state.current));
        }
        out.segment(Eigen::Index(k) * pcols_, pcols_) = from_left ? line : Eigen::VectorXd(line.reverse());
        s.sweeps = std::max(s.sweeps, sweeps);
        s.last_change = std::max(s.last_change, change);
    }
    if (stats) *stats = s;
    return out;
}

Eigen::VectorXd LineRelaxation::matvec(const Eigen::VectorXd& v, LineRelaxationStats* stats) const {
    return netlists::logical_outputs(spec_, sense_currents(v, stats));
}

}  // namespace kirchhoff::cosim
