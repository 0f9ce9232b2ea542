// Reads of one programmed tile by a chosen engine, vector by vector on one set-up: the one
// engine dispatch of `kirchhoff solve` (cli/solve_command.cpp) and the Python module's
// kirchhoff.Crossbar (python/src/crossbar_binding.cpp). Not the analog backend's path: its
// tiles go through MvmEngine (mvm_engine.hpp), which this uses for the surrogate.
//   ideal      netlists::ideal_outputs (G^T v of the target conductances; read mode, ohmic
//              cells: require_ideal_defined)
//   surrogate  the MvmEngine the caller built (Python keeps it between calls)
//   nodal      read mode: TileCircuitSolver (solver.method: direct, iterative or auto), one
//              factorisation or set of iterative factors for all reads; select mode or
//              node_voltages: the direct solver on the whole circuit (read_nodal), each read on
//              its own circuit, with every node voltage
//   spice      one NgspiceSession for all reads, the circuit's inputs reset per read
// solver.timeout_s bounds each nodal or spice read.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "cosim/crossbar_solve.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/tile_solver.hpp"

namespace kirchhoff::cosim {

struct ReaderOptions {
    /// nodal: solve the whole circuit with the direct solver and return every node voltage,
    /// the cell currents and the word- and bit-line voltages (CrossbarReading).
    bool node_voltages = false;
    /// nodal, read mode: drop the direct solver's Newton cache before each read, so that each
    /// result is bitwise the one vector's on a fresh solver whatever came before it (Python).
    /// Off (`kirchhoff solve`): later reads start from the previous solution.
    bool fresh_each_read = false;
};

class CrossbarReader {
public:
    /// `tile` and `surrogate` (engine surrogate only; else null) must outlive the reader.
    /// `circuit`: the tile's circuit if the caller has built it already (saves building it again).
    /// InputError for engine ideal unless require_ideal_defined, for a missing surrogate, and
    /// for node_voltages with another engine than nodal.
    CrossbarReader(Engine engine, const ProgrammedTile& tile, ReaderOptions options = {}, MvmEngine* surrogate = nullptr,
                   std::optional<netlists::CrossbarCircuit> circuit = std::nullopt);
    ~CrossbarReader();

    /// One read: v_volt (rows) V in read mode, (1) the select voltage in select mode. `report`
    /// (optional; nodal only) receives the solver's method, fallback and iterations.
    /// Throws NodalError, SpiceError, InputError.
    CrossbarReading read(const Eigen::VectorXd& v_volt, TileSolveReport* report = nullptr);

    /// read() of each input in order. Reads on independent circuits (nodal with node voltages
    /// or in select mode) run on OpenMP threads; the results do not depend on the thread count.
    std::vector<CrossbarReading> read_all(const std::vector<Eigen::VectorXd>& v_volt,
                                          std::vector<TileSolveReport>* reports = nullptr);

private:
    bool circuit_per_read() const;
    CrossbarReading read_circuit(const Eigen::VectorXd& v_volt, TileSolveReport* report) const;

    Engine engine_;
    const ProgrammedTile& tile_;
    ReaderOptions options_;
    MvmEngine* surrogate_;
    std::optional<netlists::CrossbarCircuit> circuit_;  // spice: built on the first read
    std::unique_ptr<TileCircuitSolver> solver_;         // nodal, read mode: built on the first read
    std::unique_ptr<NgspiceSession> session_;           // spice: opened on the first read
};

}  // namespace kirchhoff::cosim
