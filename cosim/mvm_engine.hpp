// One interface for the four ways to compute an MVM on a programmed tile, fastest first:
//   ideal      G^T v (combined for differential pairs): the digital reference, what the
//              programmed conductances mean. It ignores everything but the target
//              conductances: wires, 1T1R access transistors, 1S1R selectors and the cells'
//              nonlinearity (the nodal engine on ideal_wire_tile() keeps the cells as they are)
//   surrogate  the tile surrogate: for device cells line relaxation of the circuit or cells
//              linearised at V* (surrogate_options.hpp); for ohmic cells the exact matrix
//   nodal      Kirchhoff's circuit solve of the whole tile, direct (factorisation reused across
//              inputs) or iterative (preconditioned CG) by solver.method
//   spice      the tile's deck solved by ngspice: the reference for everything above
// Each faster engine is checked against the next more faithful one in the tests.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "cosim/cell_response.hpp"
#include "cosim/ngspice_session.hpp"
#include "cosim/surrogate_options.hpp"
#include "cosim/tile_factor.hpp"
#include "cosim/nodal_solver.hpp"
#include "cosim/spice_pool.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

namespace kirchhoff::cosim {

class LineRelaxation;     // line_relaxation.hpp
class TileCircuitSolver;  // tile_solver.hpp

/// The engines above, fastest first: the one name for them in `kirchhoff solve`, `run`, Python
/// and the analog backend (each takes the subset it supports).
enum class Engine { ideal, surrogate, nodal, spice };
std::string_view to_string(Engine e);
/// The engine named `text`, one of `allowed`; else InputError "<flag> <text>: unknown <kind>;
/// allowed: ..." (kind: "engine", "validation engine").
Engine parse_engine(std::string_view text, std::initializer_list<Engine> allowed, std::string_view flag,
                    std::string_view kind = "engine");

/// A tile with its target conductances and the cells programmed to them.
struct ProgrammedTile {
    netlists::CrossbarConfig config;
    std::vector<Eigen::MatrixXd> g_siemens;  // per array (rows, physical cols)
    std::vector<netlists::CellArray> cells;  // as netlists::program_cells makes them
};
/// Programs `g_siemens` into cells of the configured kind. Throws InputError.
ProgrammedTile program_tile(const netlists::CrossbarConfig& config, std::vector<Eigen::MatrixXd> g_siemens);
/// The same programmed cells (device states, access transistors, selectors, layout) with every
/// resistance that many cells' currents share set to zero: word- and bit-line segments, row
/// driver output resistance, and the sense amplifier's input resistance (virtual ground instead
/// of a TIA). Its circuit solve is the baseline without IR drop (residual_metrics.hpp).
ProgrammedTile ideal_wire_tile(const ProgrammedTile& tile);

class MvmEngine {
public:
    virtual ~MvmEngine() = default;
    virtual std::string_view name() const = 0;
    /// Output currents (cols, A) for row voltages v (rows, V).
    virtual Eigen::VectorXd matvec(const Eigen::VectorXd& v_volt) = 0;
    /// Output currents (cols, K) for the K input vectors in the columns of v (rows, K), in
    /// order, on the engine's one set-up (the nodal engine's factorisation or iterative
    /// factors, the surrogate's matrices, the spice engine's circuit): column k equals what
    /// matvec(v.col(k)) would return at that point of the sequence.
    virtual Eigen::MatrixXd matvec_batch(const Eigen::MatrixXd& v_volt);
    /// Forgets what the engine carries from one MVM to the next (the nodal engine's warm start
    /// and cached factor), so that replaying the same MVMs from here gives the same outputs
    /// bit for bit. Outputs differ from a carried-over state's only within the solver tolerance.
    virtual void restart() {}
    /// Totals of the circuit solves behind the MVMs so far (nodal engine; zeros elsewhere).
    virtual NodalCounts solve_counts() const { return {}; }
};

std::unique_ptr<MvmEngine> make_ideal_engine(const ProgrammedTile& tile);
/// Builds the tile's surrogate from a cell response and a linearisation (chord) voltage: for
/// device cells the tier `options` names (surrogate_options.hpp), for ohmic cells always the
/// exact effective matrix. rows_driven: see TileSurrogate::build (linearised tier only).
/// keep (optional): receives the circuit and factorisation the surrogate was built on, for
/// ohmic cells (tile_factor.hpp; left empty for device cells).
std::unique_ptr<MvmEngine> make_surrogate_engine(const ProgrammedTile& tile, const CellResponse& response, double v_star,
                                                 int rows_driven = -1, const SurrogateOptions& options = {},
                                                 TileFactor* keep = nullptr);
/// The circuit solved by the method tile.config names (solver.method: direct, iterative or
/// auto, tile_solver.hpp); Newton path and cache budget from solver.nodal_newton and
/// solver.nodal_cache_mib.
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& tile);
/// The nodal engine on a factorisation of the tile's circuit already made (ohmic cells, direct
/// method; tile_factor.hpp): every MVM one substitution, bitwise a fresh engine's outputs.
/// std::invalid_argument when the tile's solver.method is not direct in force.
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& tile, TileFactor factor);
/// The line relaxation of a tile of device cells (line_relaxation.hpp; solver.timeout_s of the
/// tile's config bounds each MVM's sweeps): what the surrogate engine's line_relaxation tier
/// reads, and where the nodal engine's Newton may start. InputError from LineRelaxation::build
/// (device cells in read mode, 1R or 1T1R).
std::shared_ptr<const LineRelaxation> tile_line_relaxation(const ProgrammedTile& tile, const CellResponse& response,
                                                           double v_star, LineRelaxationOptions line);
/// The nodal engine whose direct Newton solves start from `start`'s solution of the same input
/// (surrogate_start.hpp; tile_line_relaxation() of the same tile) instead of zero bias: outputs
/// within the Newton tolerance of make_nodal_engine(tile)'s, in fewer iterations.
std::unique_ptr<MvmEngine> make_nodal_engine(const ProgrammedTile& tile, std::shared_ptr<const LineRelaxation> start);
/// The nodal engine on a solver set up for its tile elsewhere (e.g. reprogrammed, a pool's:
/// analog/check_solvers.hpp); `give_back`, when given, receives the solver when the engine is
/// destroyed.
std::unique_ptr<MvmEngine> make_nodal_engine(const netlists::CrossbarSpec& spec, std::unique_ptr<TileCircuitSolver> solver,
                                             std::function<void(std::unique_ptr<TileCircuitSolver>)> give_back = {});
/// Solves through `session`, which must outlive the engine.
std::unique_ptr<MvmEngine> make_spice_engine(const ProgrammedTile& tile, NgspiceSession& session);
/// Solves through `pool`, which must outlive the engine: one job per MVM; with the processes
/// backend solver.timeout_s also bounds deck loading (the worker is killed 1 s past it).
std::unique_ptr<MvmEngine> make_spice_engine(const ProgrammedTile& tile, SpicePool& pool);

}  // namespace kirchhoff::cosim
