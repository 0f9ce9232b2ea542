// Tile surrogate construction and evaluation (the model is described in tile_surrogate.hpp).
#include "cosim/tile_surrogate.hpp"

#include <algorithm>
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

// Right-hand sides solved together (NodalSolver::solve_block): each block of this many reads
// the factorisation once; blocks run in parallel.
constexpr Eigen::Index block_columns = 16;

// Outputs (cols, K) for the K row-voltage vectors in the columns of v (rows, K) and cell
// sources J_k = a_k * u_k(r) (u[k]: (rows, K), per term; empty: none).
Eigen::MatrixXd outputs_for(const Linearised& lin, const NodalSolver& solver, const Eigen::MatrixXd& v,
                            const std::vector<Eigen::MatrixXd>& u) {
    const auto& x = *lin.xbar;
    const Eigen::Index count = v.cols();
    Eigen::MatrixXd volts = Eigen::MatrixXd::Zero(Eigen::Index(x.circuit.sources().size()), count);
    for (int r = 0; r < x.spec.rows; ++r) volts.row(Eigen::Index(x.row_sources[std::size_t(r)])) = v.row(r);
    Eigen::MatrixXd injection;
    bool any = false;
    for (std::size_t k = 0; k < u.size(); ++k) any |= !u[k].isZero(0.0);
    if (any) {
        injection = Eigen::MatrixXd::Zero(x.circuit.node_count(), count);
        for (std::size_t k = 0; k < u.size(); ++k)
            for (std::size_t a = 0; a < lin.a.size(); ++a) {
                const Eigen::MatrixXd& ak = lin.a[a][k];
                for (Eigen::Index b = 0; b < count; ++b)
                    for (int r = 0; r < x.spec.rows; ++r) {
                        const double ur = u[k](r, b);
                        if (ur == 0.0) continue;
                        for (int col = 0; col < x.spec.physical_cols(); ++col) {
                            const double j = ak(r, col) * ur;  // flows from the cell's top node to its bit-line node
                            injection(x.cell_nodes[a](r, col), b) -= j;
                            injection(x.col_nodes[a](r, col), b) += j;
                        }
                    }
            }
    }
    const std::vector<NodalSolution> s = solver.solve_block(volts, any ? &injection : nullptr);
    Eigen::MatrixXd out(x.spec.cols, count);
    for (Eigen::Index b = 0; b < count; ++b) out.col(b) = x.outputs(sense_currents(x, s[std::size_t(b)]));
    return out;
}

// Columns [first, first + count) of the unit matrix (rows, rows).
Eigen::MatrixXd unit_columns(int rows, Eigen::Index first, Eigen::Index count) {
    return Eigen::MatrixXd::Identity(rows, rows).middleCols(first, count);
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
    const std::vector<Eigen::MatrixXd> no_sources;
    const Eigen::Index blocks = (t.rows_driven_ + block_columns - 1) / block_columns;
    t.m_.setZero();  // rows never driven: 0 V gives 0 A through an ohmic cell
    // A: unit voltage on one row at a time. The factorisation is shared read-only.
#pragma omp parallel for schedule(dynamic)
    for (Eigen::Index b = 0; b < blocks; ++b) {
        const Eigen::Index first = b * block_columns, count = std::min<Eigen::Index>(block_columns, t.rows_driven_ - first);
        const Eigen::MatrixXd a_cols = outputs_for(lin, solver, unit_columns(rows, first, count), no_sources);
        t.m_.middleCols(first, count) = terms == 1 ? Eigen::MatrixXd(a_cols / lin.c[0]) : a_cols;
    }
    if (terms > 1) {
        // B_k: unit pattern of source k on one row at a time; then A -= sum_k c_k B_k.
        const Eigen::Index row_blocks = (rows + block_columns - 1) / block_columns;
        for (int k = 0; k < terms; ++k) {
#pragma omp parallel for schedule(dynamic)
            for (Eigen::Index b = 0; b < row_blocks; ++b) {
                const Eigen::Index first = b * block_columns, count = std::min<Eigen::Index>(block_columns, rows - first);
                std::vector<Eigen::MatrixXd> u(std::size_t(terms), Eigen::MatrixXd::Zero(rows, count));
                u[std::size_t(k)] = unit_columns(rows, first, count);
                t.m_.middleCols(Eigen::Index(k + 1) * rows + first, count) =
                    outputs_for(lin, solver, Eigen::MatrixXd::Zero(rows, count), u);
            }
            t.m_.leftCols(rows) -= lin.c[std::size_t(k)] * t.m_.middleCols(Eigen::Index(k + 1) * rows, rows);
        }
    }
    if (keep && response.is_linear()) {  // g* = g: the tile's own circuit
        plan_sense_currents(*kept, *lin.xbar);  // what its nodal engine solves for (charged in bytes())
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
    for (Eigen::Index first = 0; first < inputs.cols(); first += block_columns) {
        const Eigen::Index count = std::min<Eigen::Index>(block_columns, inputs.cols() - first);
        const Eigen::MatrixXd v = inputs.middleCols(first, count);
        std::vector<Eigen::MatrixXd> u(std::size_t(terms), Eigen::MatrixXd(spec.rows, count));
        for (int k = 0; k < terms; ++k)
            for (Eigen::Index b = 0; b < count; ++b)
                for (int r = 0; r < spec.rows; ++r)
                    u[std::size_t(k)](r, b) = response.feature(k, v(r, b)) - lin.c[std::size_t(k)] * v(r, b);
        out.middleCols(first, count) = outputs_for(lin, *solver, v, u);
    }
    return out;
}

}  // namespace kirchhoff::cosim
