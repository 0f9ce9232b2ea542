// The MVM engines behind one interface (cosim/mvm_engine.hpp), checked by one declared table
// of cases, the way ggml's test-backend-ops does: each row names a tile configuration, the
// engine under test, the more faithful engine it is held to and the tolerance (largest
// |difference| over the largest |reference output|), and one loop runs every row on two inputs
// in a row on the same two engines (the random one and its reverse: a second MVM rebuilds
// nothing and must agree as well). Rows that need ngspice run in their own test case
// ([ngspice]); the others are quick.
//
// Engines: ideal (G^T v), surrogate (the exact effective matrix for ohmic cells; for device
// cells a device table solved by line relaxation, the default tier, line_relaxation.hpp),
// linearised (the surrogate's linearised tier, tile_surrogate.hpp), nodal (the direct sparse
// solve), iterative
// (the nodal engine with solver.method = iterative: cosim/iterative_solver.hpp through
// cosim/tile_solver.hpp) and spice (ngspice in-process).
#include <catch2/catch_test_macros.hpp>

#include <memory>
#include <string>
#include <vector>

#include "cosim/device_table.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/ngspice_session.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;

namespace {

enum class Engine { ideal, surrogate, linearised, nodal, iterative, spice };

const char* name(Engine e) {
    switch (e) {
        case Engine::ideal: return "ideal";
        case Engine::surrogate: return "surrogate";
        case Engine::linearised: return "linearised surrogate";
        case Engine::nodal: return "nodal";
        case Engine::iterative: return "iterative";
        case Engine::spice: return "spice";
    }
    return "?";
}

// The tile configurations of the table: rows x (rows - 3) pairs or columns, seeded random
// conductances in [g_min, g_max] and inputs in [0, v_read] (netlists::random_tile).
enum class Tile { ohmic_ideal_wires, ohmic_wires_columns, ohmic_1t1r_arrays, stanford_wires, stanford_1t1r };

netlists::CrossbarConfig config(Tile t) {
    netlists::CrossbarConfig x;
    auto size = [&](int n, double r_wire) {
        x.spec.rows = n;
        x.spec.cols = n - 3;
        x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = r_wire;
    };
    switch (t) {
        case Tile::ohmic_ideal_wires: size(12, 0.0); break;
        case Tile::ohmic_wires_columns:
            size(20, 2.0);
            x.spec.differential = netlists::Differential::columns;
            break;
        case Tile::ohmic_1t1r_arrays:
            size(32, 1.0);
            x.spec.cell = netlists::CellKind::one_t_one_r;
            x.spec.differential = netlists::Differential::arrays;
            break;
        case Tile::stanford_wires:
            size(16, 2.0);
            x.device_preset = "stanford_rram_aimc";
            x.g_min_siemens = 2e-6;
            break;
        case Tile::stanford_1t1r:
            size(12, 2.5);
            x.spec.cell = netlists::CellKind::one_t_one_r;
            x.spec.differential = netlists::Differential::columns;
            x.device_preset = "stanford_rram_aimc";
            x.g_min_siemens = 2e-6;
            x.v_read_volt = 0.3;
            break;
    }
    return x;
}

const char* name(Tile t) {
    switch (t) {
        case Tile::ohmic_ideal_wires: return "ohmic 12 x 9, ideal wires";
        case Tile::ohmic_wires_columns: return "ohmic 20 x 17 pairs in columns, 2 ohm wires";
        case Tile::ohmic_1t1r_arrays: return "ohmic 1T1R 32 x 29 pairs on two arrays, 1 ohm wires";
        case Tile::stanford_wires: return "stanford_rram_aimc 16 x 13, 2 ohm wires";
        case Tile::stanford_1t1r: return "stanford_rram_aimc 1T1R 12 x 9 pairs in columns, 2.5 ohm wires, 0.3 V";
    }
    return "?";
}

struct Row {
    Tile tile;
    Engine engine, reference;
    double tolerance;  // of the largest |reference output|
    double measured;   // the larger of the two inputs' errors when the row was written
    const char* why;
};

// The table. Tolerances are the ones the hand-written checks held before: 6289f10's ladder
// (whose 1e-2 for the device-table surrogate was written for the linearised tier, then the
// only one), test_iterative_solver.cpp's bounds for the iterative solver and for ngspice's
// Newton, test_line_relaxation.cpp's 2e-5 for the line-relaxation tier (the surrogate's
// default since). New rows take those of the same engine pair (nodal against ideal: the
// ideal-wire row's); the two 1T1R tiles are new to the ladder. The linearised tier is left
// out on the 1T1R tile at 0.3 V (8% off with its chord at 0.11 V; test_line_relaxation.cpp
// shows it far off under strong IR drop). Measured: build/tests/test_cosim 'engines agree*'
// -s (both test cases), the same at 1 and 2 threads. One kept tolerance lies far above what
// is measured (nodal against spice on Stanford cells, 1e-6 for 9e-15); kept as it was.
const Row rows[] = {
    {Tile::ohmic_ideal_wires, Engine::surrogate, Engine::ideal, 1e-13, 3.3e-16, "ohmic, no wires: both G^T v"},
    {Tile::ohmic_ideal_wires, Engine::nodal, Engine::ideal, 1e-13, 3.3e-16, "no wires: the circuit is G^T v"},
    {Tile::ohmic_wires_columns, Engine::surrogate, Engine::nodal, 1e-12, 3.5e-15,
     "ohmic: the effective matrix is exact"},
    {Tile::ohmic_wires_columns, Engine::iterative, Engine::nodal, 1e-9, 5.4e-13,
     "CG to solver.iterative_tolerance 1e-13"},
    {Tile::ohmic_wires_columns, Engine::nodal, Engine::spice, 1e-9, 1.4e-13, "the same circuit in ngspice"},
    {Tile::ohmic_1t1r_arrays, Engine::surrogate, Engine::nodal, 1e-12, 3.4e-15, "ohmic: the effective matrix is exact"},
    {Tile::ohmic_1t1r_arrays, Engine::iterative, Engine::nodal, 1e-9, 2.9e-13, "CG to solver.iterative_tolerance 1e-13"},
    {Tile::ohmic_1t1r_arrays, Engine::nodal, Engine::spice, 1e-9, 3.9e-13, "the same circuit in ngspice"},
    {Tile::stanford_wires, Engine::nodal, Engine::spice, 1e-6, 9.0e-15, "device I-V: Newton against ngspice's"},
    {Tile::stanford_wires, Engine::iterative, Engine::nodal, 1e-9, 2.6e-15, "Newton through CG"},
    {Tile::stanford_wires, Engine::surrogate, Engine::nodal, 2e-5, 2.7e-8,
     "line relaxation (the default tier) on the device table"},
    {Tile::stanford_wires, Engine::linearised, Engine::nodal, 1e-2, 5.6e-4, "the device table linearised at 0.11 V"},
    {Tile::stanford_1t1r, Engine::nodal, Engine::spice, 1e-8, 7.9e-10,
     "ngspice's Newton stops at its default reltol (test_iterative_solver's bound)"},
    {Tile::stanford_1t1r, Engine::iterative, Engine::nodal, 1e-9, 1.3e-14, "Newton through CG"},
    {Tile::stanford_1t1r, Engine::surrogate, Engine::nodal, 2e-5, 1.3e-7,
     "line relaxation (the default tier) on the device table"},
};

// The Stanford-PKU cell's table over the tile's conductance window (cosim/device_table.hpp).
CellResponse stanford_response(const netlists::CrossbarConfig& x) {
    const auto device = devices::make_device(devices::find_preset(x.device_preset));
    TableGrid g;
    g.v_min_volt = -0.3;
    g.v_max_volt = 0.3;
    g.memory_min = device->memory_for_conductance(x.g_max_siemens, 0.2) * 0.98;
    g.memory_max = device->memory_for_conductance(x.g_min_siemens, 0.2) * 1.02;
    return CellResponse::from_table(tabulate_native(*device, x.device_preset, g));
}

std::unique_ptr<MvmEngine> make(Engine e, const netlists::CrossbarConfig& x, const std::vector<Eigen::MatrixXd>& g,
                                NgspiceSession* session) {
    switch (e) {
        case Engine::ideal: return make_ideal_engine(program_tile(x, g));
        case Engine::surrogate:
            if (x.device_preset == "linear") return make_surrogate_engine(program_tile(x, g), CellResponse::linear(), 0.0);
            return make_surrogate_engine(program_tile(x, g), stanford_response(x), 0.11);
        case Engine::linearised: {
            SurrogateOptions o;
            o.tier = SurrogateTier::linearised;
            return make_surrogate_engine(program_tile(x, g), stanford_response(x), 0.11, -1, o);
        }
        case Engine::nodal: {
            netlists::CrossbarConfig direct = x;
            direct.solver_method = netlists::SolverMethod::direct;
            return make_nodal_engine(program_tile(direct, g));
        }
        case Engine::iterative: {
            netlists::CrossbarConfig iterative = x;
            iterative.solver_method = netlists::SolverMethod::iterative;
            return make_nodal_engine(program_tile(iterative, g));
        }
        case Engine::spice: return make_spice_engine(program_tile(x, g), *session);
    }
    return nullptr;
}

double max_rel(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) {
    return (a - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff();
}

// Every row of the table that needs ngspice (or every one that does not).
void run_table(bool with_spice) {
    std::unique_ptr<NgspiceSession> session;
    for (const Row& row : rows) {
        if ((row.engine == Engine::spice || row.reference == Engine::spice) != with_spice) continue;
        if (with_spice && !session) session = std::make_unique<NgspiceSession>();
        const netlists::CrossbarConfig x = config(row.tile);
        const netlists::RandomTile r = netlists::random_tile(x);
        const auto engine = make(row.engine, x, r.g_siemens, session.get());
        const auto reference = make(row.reference, x, r.g_siemens, session.get());
        const Eigen::VectorXd second = r.v_volt.reverse();
        for (const Eigen::VectorXd* v : {&r.v_volt, &second}) {
            const double err = max_rel(engine->matvec(*v), reference->matvec(*v));
            INFO(name(row.tile) << ": " << name(row.engine) << " against " << name(row.reference) << ", "
                                << (v == &second ? "second" : "first") << " input: " << err << " (tolerance "
                                << row.tolerance << ", measured " << row.measured << "; " << row.why << ")");
            CHECK(err < row.tolerance);
        }
    }
}

}  // namespace

TEST_CASE("engines agree pairwise along the fidelity ladder (the table's rows without ngspice)", "[cosim]") {
    run_table(false);
}

TEST_CASE("engines agree pairwise along the fidelity ladder (the table's rows with ngspice)", "[cosim][ngspice]") {
    run_table(true);
}
