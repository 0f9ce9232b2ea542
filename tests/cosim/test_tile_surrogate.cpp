// Tile surrogates against the nodal solver: exact for ohmic tiles, exact with ideal wires for
// any I-V, close for device cells behind wires; matrix and per-input forms agree; device
// tables interpolate exactly at their nodes and factor the Stanford-PKU read exactly at rank 1.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>

#include <cmath>

#include "cosim/crossbar_solve.hpp"
#include "cosim/device_table.hpp"
#include "cosim/tile_surrogate.hpp"
#include "crossbar_fixtures.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {
double nmse(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) { return (a - ref).squaredNorm() / ref.squaredNorm(); }

CrossbarConfig stanford_config(int n, double r_wire, std::uint64_t seed) {
    CrossbarConfig cfg;
    cfg.spec = test::square_spec(n, r_wire);
    cfg.device_preset = "stanford_rram_aimc";
    cfg.v_read_volt = 0.2;
    cfg.g_min_siemens = 1.2e-6;
    cfg.g_max_siemens = 1.0e-4;
    cfg.seed = seed;
    return cfg;
}

CellResponse stanford_response() {
    const auto device = devices::make_device(devices::find_preset("stanford_rram_aimc"));
    TableGrid grid;
    grid.v_min_volt = -0.3;
    grid.v_max_volt = 0.3;
    grid.nv = 121;
    const double m_lo = device->memory_for_conductance(1.0e-4, 0.2), m_hi = device->memory_for_conductance(1.2e-6, 0.2);
    grid.memory_min = std::min(m_lo, m_hi) * 0.98;
    grid.memory_max = std::max(m_lo, m_hi) * 1.02;
    return CellResponse::from_table(tabulate_native(*device, "stanford_rram_aimc", grid));
}
}  // namespace

TEST_CASE("an ohmic tile surrogate equals the circuit to solver precision", "[cosim]") {
    auto spec = test::square_spec(GENERATE(16, 48), 2.0);
    spec.cell = GENERATE(CellKind::one_r, CellKind::one_t_one_r);
    spec.differential = GENERATE(Differential::none, Differential::columns);
    CrossbarConfig cfg;
    cfg.spec = spec;
    const auto tile = random_tile(cfg);
    const auto cells = program_cells(cfg, tile.g_siemens);
    const auto surrogate = TileSurrogate::build(spec, cells, CellResponse::linear(), 0.0);
    for (int trial = 0; trial < 3; ++trial) {
        const Eigen::VectorXd v = 0.1 * (Eigen::VectorXd::Random(spec.rows).array() + 1.0);
        const auto exact = read_nodal(build_crossbar(spec, cells, v)).outputs;
        CHECK(nmse(surrogate.matvec(v), exact) < 1e-24);
    }
}

TEST_CASE("an ohmic surrogate built for its first rows only equals the full one there", "[cosim]") {
    CrossbarConfig cfg;
    cfg.spec = test::square_spec(16, 2.0);
    cfg.spec.differential = Differential::columns;
    const auto tile = random_tile(cfg);
    const auto cells = program_cells(cfg, tile.g_siemens);
    const auto full = TileSurrogate::build(cfg.spec, cells, CellResponse::linear(), 0.0);
    const auto part = TileSurrogate::build(cfg.spec, cells, CellResponse::linear(), 0.0, 5);
    Eigen::VectorXd v = Eigen::VectorXd::Zero(16);
    v.head(5) = 0.1 * (Eigen::VectorXd::Random(5).array() + 1.0);
    CHECK(part.matvec(v) == full.matvec(v));  // the same solves for the driven rows
    v(9) = 0.05;
    CHECK_THROWS_AS(part.matvec(v), std::logic_error);
}

TEST_CASE("with ideal wires the surrogate is exact for device cells", "[cosim]") {
    const auto cfg = stanford_config(20, 0.0, 3);
    const auto tile = random_tile(cfg);
    const auto cells = program_cells(cfg, tile.g_siemens);
    const auto response = stanford_response();
    const auto surrogate = TileSurrogate::build(cfg.spec, cells, response, 0.1);
    const auto exact = read_nodal(build_crossbar(cfg.spec, cells, tile.v_volt)).outputs;
    CHECK(nmse(surrogate.matvec(tile.v_volt), exact) < 1e-12);  // the table's interpolation is the only error
}

TEST_CASE("device tiles behind wires: the surrogate captures most of what the ideal misses", "[cosim]") {
    const auto cfg = stanford_config(48, 2.0, 4);
    const auto tile = random_tile(cfg);
    const auto cells = program_cells(cfg, tile.g_siemens);
    const auto surrogate = TileSurrogate::build(cfg.spec, cells, stanford_response(), 0.12);
    const auto exact = read_nodal(build_crossbar(cfg.spec, cells, tile.v_volt)).outputs;
    const Eigen::VectorXd ideal = tile.g_siemens[0].transpose() * tile.v_volt;
    const double captured = 1.0 - (surrogate.matvec(tile.v_volt) - exact).norm() / (ideal - exact).norm();
    INFO("captured fraction " << captured);
    CHECK(captured > 0.95);
}

TEST_CASE("matrix and per-input forms of the surrogate agree", "[cosim]") {
    const auto cfg = stanford_config(12, 1.5, 5);
    const auto tile = random_tile(cfg);
    const auto cells = program_cells(cfg, tile.g_siemens);
    const auto response = stanford_response();
    const auto surrogate = TileSurrogate::build(cfg.spec, cells, response, 0.08);
    const Eigen::MatrixXd inputs = 0.1 * (Eigen::MatrixXd::Random(12, 3).array() + 1.0);
    const Eigen::MatrixXd direct = linearised_outputs(cfg.spec, cells, response, 0.08, inputs);
    for (int b = 0; b < 3; ++b) CHECK(nmse(surrogate.matvec(inputs.col(b)), direct.col(b)) < 1e-24);
}

TEST_CASE("device tables are exact at their nodes and the Stanford read is rank 1", "[cosim]") {
    const auto device = devices::make_device(devices::find_preset("stanford_rram_aimc"));
    TableGrid grid;
    grid.v_min_volt = -0.4;
    grid.v_max_volt = 0.4;
    grid.nv = 81;
    grid.memory_min = 1.0e-9;
    grid.memory_max = 2.0e-9;
    grid.nm = 41;
    const auto table = tabulate_native(*device, "stanford_rram_aimc", grid);
    for (int i : {0, 7, 40})
        for (int j : {0, 33, 80}) CHECK(table.interpolate(grid.v(j), grid.memory(i)) == table.current_a(i, j));
    const auto errors = table_errors(table, *device);
    CHECK(errors.table_vs_native == 0.0);
    CHECK(errors.interpolation < 1e-4);
    const auto response = CellResponse::from_table(table);
    CHECK(response.rank() == 1);
    CHECK(response.residual() < 1e-12);
    const double m = 1.37e-9;
    CHECK(std::abs(response.current(0.17, m) - device->current_ampere(0.17, device->rest_state(m))) <
          1e-5 * std::abs(device->current_ampere(0.17, device->rest_state(m))));
}
