// The four MVM engines behind one interface, each against the next more faithful one on
// small tiles: ideal = surrogate with ideal wires (ohmic), surrogate = nodal for ohmic tiles,
// nodal = spice for device tiles.
#include <catch2/catch_test_macros.hpp>

#include "cosim/device_table.hpp"
#include "cosim/mvm_engine.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;

namespace {
double max_rel(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) {
    return (a - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff();
}
netlists::CrossbarConfig config(int n, double r_wire, const std::string& preset) {
    netlists::CrossbarConfig x;
    x.spec.rows = n;
    x.spec.cols = n - 3;
    x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = r_wire;
    x.device_preset = preset;
    if (preset != "linear") x.g_min_siemens = 2e-6;
    return x;
}
}  // namespace

TEST_CASE("engines agree pairwise along the fidelity ladder", "[cosim][ngspice]") {
    // Ideal wires, ohmic cells: ideal == surrogate.
    {
        const auto x = config(12, 0.0, "linear");
        const auto r = netlists::random_tile(x);
        const auto tile = program_tile(x, r.g_siemens);
        CHECK(max_rel(make_surrogate_engine(tile, CellResponse::linear(), 0.0)->matvec(r.v_volt),
                      make_ideal_engine(tile)->matvec(r.v_volt)) < 1e-13);
    }
    // Ohmic cells behind wires: surrogate == nodal == spice.
    {
        auto x = config(20, 2.0, "linear");
        x.spec.differential = netlists::Differential::columns;
        const auto r = netlists::random_tile(x);
        const auto tile = program_tile(x, r.g_siemens);
        const auto nodal = make_nodal_engine(tile)->matvec(r.v_volt);
        CHECK(max_rel(make_surrogate_engine(tile, CellResponse::linear(), 0.0)->matvec(r.v_volt), nodal) < 1e-12);
        NgspiceSession session;
        CHECK(max_rel(nodal, make_spice_engine(tile, session)->matvec(r.v_volt)) < 1e-9);
    }
    // Device cells behind wires: nodal == spice, surrogate close to both.
    {
        const auto x = config(16, 2.0, "stanford_rram_aimc");
        const auto r = netlists::random_tile(x);
        const auto tile = program_tile(x, r.g_siemens);
        auto nodal_engine = make_nodal_engine(tile);
        const auto nodal = nodal_engine->matvec(r.v_volt);
        NgspiceSession session;
        auto spice_engine = make_spice_engine(tile, session);
        CHECK(max_rel(nodal, spice_engine->matvec(r.v_volt)) < 1e-6);
        // A second input on the same engines: they rebuild nothing and still agree.
        const Eigen::VectorXd v2 = r.v_volt.reverse();
        CHECK(max_rel(nodal_engine->matvec(v2), spice_engine->matvec(v2)) < 1e-6);
        const auto device = devices::make_device(devices::find_preset(x.device_preset));
        TableGrid g;
        g.v_min_volt = -0.3;
        g.v_max_volt = 0.3;
        g.memory_min = device->memory_for_conductance(x.g_max_siemens, 0.2) * 0.98;
        g.memory_max = device->memory_for_conductance(x.g_min_siemens, 0.2) * 1.02;
        const auto response = CellResponse::from_table(tabulate_native(*device, x.device_preset, g));
        CHECK(max_rel(make_surrogate_engine(tile, response, 0.11)->matvec(r.v_volt), nodal) < 1e-2);
    }
}
