// Tile surrogate construction and evaluation (the model is described in tile_surrogate.hpp).
#include "cosim/tile_surrogate.hpp"

#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "cosim/crossbar_solve.hpp"
#include "cosim/nodal_solver.hpp"
#include "params/error.hpp"

namespace kirchhoff::cosim {

namespace {

void check_supported(const netlists::CrossbarSpec& spec) {
    if (spec.mode != netlists::Mode::read)
        throw InputError("the tile surrogate models read mode (array.mode = \"read\"), not select mode");
    if (spec.cell == netlists::CellKind::one_s_one_r)
        throw InputError("the tile surrogate does not model 1S1R cells yet (array.cell = \"1S1R\"): the selector "
                         "and the memory element would need a joint I-V table; use the nodal engine");
}

// The linearised tile: cells as g* = sum_k c_k a_k(m), inputs at zero.
struct Linearised {
    std::unique_ptr<netlists::CrossbarCircuit> xbar;     // on the heap: a kept solver refers to it
    std::vector<double> c;                               // c_k = phi_k'(V*)
    std::vector<std::vector<Eigen::MatrixXd>> a;         // [array][k] (rows, pcols) coefficients
};

Linearised linearise(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                     const CellResponse& response, double v_star) {
    check_supported(spec);
    Linearised lin;
    const int terms = response.rank();
    for (int k = 0; k < terms; ++k) lin.c.push_back(response.feature_slope(k, v_star));
    std::vector<netlists::CellArray> g_star;
    for (const auto& cell : cells) {
        auto& per_k = lin.a.emplace_back();
        Eigen::MatrixXd g = Eigen::MatrixXd::Zero(cell.value.rows(), cell.value.cols());
        for (int k = 0; k < terms; ++k) {
            Eigen::MatrixXd ak(cell.value.rows(), cell.value.cols());
            for (Eigen::Index r = 0; r < ak.rows(); ++r)
                for (Eigen::Index col = 0; col < ak.cols(); ++col) ak(r, col) = response.coefficient(k, cell.value(r, col));
            g += lin.c[std::size_t(k)] * ak;
            per_k.push_back(std::move(ak));
        }
        for (Eigen::Index r = 0; r < g.rows(); ++r)
            for (Eigen::Index col = 0; col < g.cols(); ++col)
                if (!(g(r, col) > 0))
                    throw InputError(fmt::format("cell ({}, {}): its small-signal conductance at V* = {} V is {} S; "
                                                 "the surrogate needs it > 0",
                                                 r, col, v_star, g(r, col)));
        g_star.push_back({nullptr, std::move(g)});
    }
    lin.xbar = std::make_unique<netlists::CrossbarCircuit>(
        netlists::build_crossbar(spec, g_star, Eigen::VectorXd::Zero(spec.rows), "linearised tile"));
    return lin;
}

// The order and options of the nodal engine's direct solver (tile_solver.cpp), so that for
// ohmic cells the factorisation is the one that engine would make.
std::unique_ptr<NodalSolver> make_solver(const netlists::CrossbarCircuit& xbar) {
    NodalOptions o;
    o.ordering = netlists::nested_dissection_order(xbar);
    return std::make_unique<NodalSolver>(xbar.circuit, o);
}

// Outputs for row voltages `v` and cell sources J_k = a_k * u_k(r) (u: per row, per term).
Eigen::VectorXd outputs_for(const Linearised& lin, const NodalSolver& solver, const Eigen::VectorXd& v,
                            const std::vector<Eigen::VectorXd>& u) {
    const auto& x = *lin.xbar;
    Eigen::VectorXd volts = Eigen::VectorXd::Zero(Eigen::Index(x.circuit.sources().size()));
    for (int r = 0; r < x.spec.rows; ++r) volts(Eigen::Index(x.row_sources[std::size_t(r)])) = v(r);
    Eigen::VectorXd injection = Eigen::VectorXd::Zero(x.circuit.node_count());
    bool any = false;
    for (std::size_t k = 0; k < u.size(); ++k)
        for (std::size_t a = 0; a < lin.a.size(); ++a) {
            const Eigen::MatrixXd& ak = lin.a[a][k];
            for (int r = 0; r < x.spec.rows; ++r) {
                const double ur = u[k](r);
                if (ur == 0.0) continue;
                any = true;
                for (int col = 0; col < x.spec.physical_cols(); ++col) {
                    const double j = ak(r, col) * ur;  // flows from the cell's top node to its bit-line node
                    injection(x.cell_nodes[a](r, col)) -= j;
                    injection(x.col_nodes[a](r, col)) += j;
                }
            }
        }
    const NodalSolution s = solver.solve(volts, any ? &injection : nullptr);
    return x.outputs(sense_currents(x, s));
}

}  // namespace

TileSurrogate TileSurrogate::build(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                                   const CellResponse& response, double v_star, int rows_driven, TileFactor* keep) {
    Linearised lin = linearise(spec, cells, response, response.is_linear() ? 0.0 : v_star);
    std::unique_ptr<NodalSolver> kept = make_solver(*lin.xbar);
    const NodalSolver& solver = *kept;
    const int rows = spec.rows, outs = spec.cols, terms = response.rank();
    TileSurrogate t;
    t.response_ = response;
    t.rows_ = rows;
    t.rows_driven_ = rows_driven < 0 || !response.is_linear() ? rows : std::min(rows_driven, rows);
    t.v_star_ = v_star;
    t.terms_ = terms == 1 ? 1 : terms + 1;
    t.c_ = lin.c[0];
    t.m_.resize(outs, Eigen::Index(rows) * t.terms_);
    const std::vector<Eigen::VectorXd> no_sources;
    // A: unit voltage on one row at a time. The factorisation is shared read-only.
#pragma omp parallel for schedule(dynamic)
    for (int r = 0; r < rows; ++r) {
        if (r >= t.rows_driven_) {  // never driven: 0 V gives 0 A through an ohmic cell
            t.m_.col(r).setZero();
            continue;
        }
        const Eigen::VectorXd a_col = outputs_for(lin, solver, Eigen::VectorXd::Unit(rows, r), no_sources);
        if (terms == 1) t.m_.col(r) = a_col / lin.c[0];
        else t.m_.col(r) = a_col;
    }
    if (terms > 1) {
        // B_k: unit pattern of source k on one row at a time; then A -= sum_k c_k B_k.
        for (int k = 0; k < terms; ++k) {
#pragma omp parallel for schedule(dynamic)
            for (int r = 0; r < rows; ++r) {
                std::vector<Eigen::VectorXd> u(std::size_t(terms), Eigen::VectorXd::Zero(rows));
                u[std::size_t(k)](r) = 1.0;
                t.m_.col(Eigen::Index(k + 1) * rows + r) = outputs_for(lin, solver, Eigen::VectorXd::Zero(rows), u);
            }
            t.m_.leftCols(rows) -= lin.c[std::size_t(k)] * t.m_.middleCols(Eigen::Index(k + 1) * rows, rows);
        }
    }
    if (keep && response.is_linear()) {  // g* = g: the tile's own circuit
        keep->solver = std::move(kept);
        keep->xbar = std::move(lin.xbar);
    }
    return t;
}

Eigen::VectorXd TileSurrogate::features(const Eigen::VectorXd& v) const {
    Eigen::VectorXd f(Eigen::Index(rows_) * terms_);
    if (terms_ == 1) {
        for (int r = 0; r < rows_; ++r) f(r) = response_.feature(0, v(r));
        return f;
    }
    f.head(rows_) = v;
    for (int k = 0; k + 1 < terms_; ++k)
        for (int r = 0; r < rows_; ++r) f(Eigen::Index(k + 1) * rows_ + r) = response_.feature(k, v(r));
    return f;
}

Eigen::VectorXd TileSurrogate::matvec(const Eigen::VectorXd& v) const {
    if (v.size() != rows_)
        throw std::invalid_argument(fmt::format("tile surrogate takes {} row voltages, got {}", rows_, v.size()));
    if (rows_driven_ < rows_ && !v.tail(rows_ - rows_driven_).isZero(0.0))
        throw std::logic_error(fmt::format("tile surrogate built for rows 0..{} driven, got a voltage on a later row",
                                           rows_driven_ - 1));
    return m_ * features(v);
}

Eigen::MatrixXd linearised_outputs(const netlists::CrossbarSpec& spec, const std::vector<netlists::CellArray>& cells,
                                   const CellResponse& response, double v_star, const Eigen::MatrixXd& inputs) {
    const Linearised lin = linearise(spec, cells, response, response.is_linear() ? 0.0 : v_star);
    const std::unique_ptr<NodalSolver> solver = make_solver(*lin.xbar);
    const int terms = response.rank();
    Eigen::MatrixXd out(spec.cols, inputs.cols());
    for (Eigen::Index b = 0; b < inputs.cols(); ++b) {
        const Eigen::VectorXd v = inputs.col(b);
        std::vector<Eigen::VectorXd> u(std::size_t(terms), Eigen::VectorXd(spec.rows));
        for (int k = 0; k < terms; ++k)
            for (int r = 0; r < spec.rows; ++r)
                u[std::size_t(k)](r) = response.feature(k, v(r)) - lin.c[std::size_t(k)] * v(r);
        out.col(b) = outputs_for(lin, *solver, v, u);
    }
    return out;
}

}  // namespace kirchhoff::cosim
