// The four MVM engines.
#include "cosim/mvm_engine.hpp"

#include <functional>
#include <optional>

#include <fmt/format.h>

#include "cosim/crossbar_solve.hpp"
#include "cosim/line_relaxation.hpp"
#include "cosim/nodal_solver.hpp"
#include "cosim/tile_solver.hpp"
#include "cosim/tile_surrogate.hpp"
#include "netlists/cell_programming.hpp"
#include "params/enum_names.hpp"

namespace kirchhoff::cosim {

namespace {

void check_input(int rows, const Eigen::VectorXd& v) {
    if (v.size() != rows) throw std::invalid_argument(fmt::format("the tile has {} rows, the input {} values", rows, v.size()));
}

class IdealEngine final : public MvmEngine {
public:
    explicit IdealEngine(const ProgrammedTile& t) : tile_(t) {}
    std::string_view name() const override { return "ideal"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override {
        check_input(tile_.config.spec.rows, v);
        return netlists::ideal_outputs(tile_.config.spec, tile_.g_siemens, v);
    }

private:
    ProgrammedTile tile_;
};

class SurrogateEngine final : public MvmEngine {
public:
    SurrogateEngine(const ProgrammedTile& t, const CellResponse& response, double v_star, int rows_driven,
                    TileFactor* keep)
        : surrogate_(TileSurrogate::build(t.config.spec, t.cells, response, v_star, rows_driven, keep)) {}
    std::string_view name() const override { return "surrogate"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override { return surrogate_.matvec(v); }

private:
    TileSurrogate surrogate_;
};

// Device cells, surrogate.tier = line_relaxation: the circuit solved per MVM by line relaxation.
class LineSurrogateEngine final : public MvmEngine {
public:
    explicit LineSurrogateEngine(std::shared_ptr<const LineRelaxation> line) : line_(std::move(line)) {}
    std::string_view name() const override { return "surrogate"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override { return line_->matvec(v); }

private:
    std::shared_ptr<const LineRelaxation> line_;
};

// The tile's circuit solved by the method solver.method names (tile_solver.hpp): the direct
// solver keeps its factorisation and Newton cache from one MVM to the next, the iterative one
// its line and coarse factors. give_back (optional) receives the solver when the engine goes.
class NodalEngine final : public MvmEngine {
public:
    using GiveBack = std::function<void(std::unique_ptr<TileCircuitSolver>)>;
    NodalEngine(const netlists::CrossbarSpec& spec, std::unique_ptr<TileCircuitSolver> solver, GiveBack give_back = {})
        : spec_(spec), solver_(std::move(solver)), give_back_(std::move(give_back)) {}
    ~NodalEngine() override {
        if (give_back_) give_back_(std::move(solver_));
    }
    NodalEngine(const NodalEngine&) = delete;
    NodalEngine& operator=(const NodalEngine&) = delete;
    std::string_view name() const override { return "nodal"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override {
        check_input(spec_.rows, v);
        return netlists::logical_outputs(spec_, solver_->sense_currents(v));
    }
    void restart() override { solver_->restart(); }
    NodalCounts solve_counts() const override { return solver_->counts(); }

private:
    netlists::CrossbarSpec spec_;
    std::unique_ptr<TileCircuitSolver> solver_;
    GiveBack give_back_;
};

// Simulator: an NgspiceSession, or a SpicePool (the solve runs in its worker, under its hard
// deadline); read_spice takes either.
template <class Simulator>
class SpiceEngine final : public MvmEngine {
public:
    SpiceEngine(const ProgrammedTile& t, Simulator& simulator)
        : xbar_(netlists::build_crossbar(t.config.spec, t.cells, Eigen::VectorXd::Zero(t.config.spec.rows), "spice engine tile")),
          simulator_(simulator),
          timeout_(t.config.timeout_s > 0 ? std::optional(t.config.timeout_s) : std::nullopt) {}
    std::string_view name() const override { return "spice"; }
    Eigen::VectorXd matvec(const Eigen::VectorXd& v) override {
        xbar_.set_inputs(v);
        return read_spice(simulator_, xbar_, timeout_).outputs;
    }

private:
    netlists::CrossbarCircuit xbar_;
    Simulator& simulator_;
    std::optional<double> timeout_;
};

}  // namespace

std::string_view to_string(Engine e) {
    switch (e) {
        case Engine::ideal: return "ideal";
        case Engine::surrogate: return "surrogate";
        case Engine::nodal: return "nodal";
        case Engine::spice: return "spice";
    }
    return "?";
}

Engine parse_engine(std::string_view text, std::initializer_list<Engine> allowed, std::string_view flag,
                    std::string_view kind) {
    return params::parse_enum(text, allowed, fmt::format("{} {}", flag, text), kind);
}

Eigen::MatrixXd MvmEngine::matvec_batch(const Eigen::MatrixXd& v) {
    if (v.cols() == 0) return {};
    Eigen::VectorXd first = matvec(v.col(0));
    Eigen::MatrixXd out(first.size(), v.cols());
    out.col(0) = first;
    for (Eigen::Index k = 1; k < v.cols(); ++k) out.col(k) = matvec(v.col(k));
    return out;
}

ProgrammedTile program_tile(const netlists::CrossbarConfig& config, std::vector<Eigen::MatrixXd> g) {
    ProgrammedTile t{config, std::move(g), {}};
    t.cells = netlists::program_cells(config, t.g_siemens);
    return t;
}

ProgrammedTile ideal_wire_tile(const ProgrammedTile& tile) {
    ProgrammedTile t = tile;
    netlists::CrossbarSpec& s = t.config.spec;
    s.r_wire_row_ohm = 0.0;
    s.r_wire_col_ohm = 0.0;
    s.r_driver_ohm = 0.0;
    s.sense = netlists::SenseKind::virtual_ground;
    return t;
}

std::unique_ptr<MvmEngine> make_ideal_engine(const ProgrammedTile& t) { return std::make_unique<IdealEngine>(t); }
std::shared_ptr<const LineRelaxation> tile_line_relaxation(const ProgrammedTile& t, const CellResponse& response,
                                                           double v_star, LineRelaxationOptions line) {
    line.timeout_s = t.config.timeout_s;  // solver.timeout_s bounds each MVM's sweeps too
    return std::make_shared<const LineRelaxation>(LineRelaxation::build(t.config.spec, t.cells, response, v_star, line));
}
std::unique_ptr<MvmEngine> make_surrogate_engine(const ProgrammedTile& t, const CellResponse& r, double v_star,
                                                 int rows_driven, const SurrogateOptions& options, TileFactor* keep) {
    if (tier_in_force(r, options) == SurrogateTier::line_relaxation)
        return std::make_unique<LineSurrogateEngine>(tile_line_relaxation(t, r, v_star, options.line));
    return std::make_unique<SurrogateEngine>(t, r, v_star, rows_driven, keep);
}
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& t) {
    return std::make_unique<NodalEngine>(t.config.spec, std::make_unique<TileCircuitSolver>(t.config, t.cells));
}
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& t, TileFactor factor) {
    return std::make_unique<NodalEngine>(t.config.spec,
                                         std::make_unique<TileCircuitSolver>(t.config, t.cells, std::move(factor)));
}
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& t, std::shared_ptr<const LineRelaxation> start) {
    return std::make_unique<NodalEngine>(t.config.spec,
                                         std::make_unique<TileCircuitSolver>(t.config, t.cells, std::move(start)));
}
std::unique_ptr<MvmEngine> make_nodal_engine(const netlists::CrossbarSpec& spec, std::unique_ptr<TileCircuitSolver> solver,
                                             std::function<void(std::unique_ptr<TileCircuitSolver>)> give_back) {
    return std::make_unique<NodalEngine>(spec, std::move(solver), std::move(give_back));
}
std::unique_ptr<MvmEngine> make_spice_engine(const ProgrammedTile& t, NgspiceSession& s) {
    return std::make_unique<SpiceEngine<NgspiceSession>>(t, s);
}
std::unique_ptr<MvmEngine> make_spice_engine(const ProgrammedTile& t, SpicePool& pool) {
    return std::make_unique<SpiceEngine<SpicePool>>(t, pool);
}

}  // namespace kirchhoff::cosim
