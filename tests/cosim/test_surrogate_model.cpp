// Surrogate fitting and files: the fit reaches its targets on small tiles, tables round-trip
// through safetensors, and a table refuses a configuration it was not fitted for.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "cosim/mvm_engine.hpp"
#include "cosim/surrogate_model.hpp"
#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"

#include <unistd.h>

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using Catch::Matchers::ContainsSubstring;

namespace {
params::Config stanford_fit_config(int n) {
    params::Config c(surrogate_fit_schema());
    c.set_override("array.rows=" + std::to_string(n));
    c.set_override("array.cols=" + std::to_string(n));
    c.set_override("array.r_wire_row_ohm=2");
    c.set_override("array.r_wire_col_ohm=2");
    c.set_override("device.preset=stanford_rram_aimc");
    c.set_override("device.g_min_siemens=2e-6");
    c.set_override("device.g_max_siemens=1e-4");
    c.set_override("fit.tiles=2");
    c.set_override("fit.inputs_per_tile=3");
    c.set_override("fit.table_points_v=81");
    c.set_override("fit.table_points_memory=61");
    return c;
}
std::filesystem::path scratch(const std::string& name) {
    return std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".safetensors");
}
}  // namespace

TEST_CASE("an ohmic surrogate fits exactly without a device table", "[cosim][ngspice]") {
    params::Config c(surrogate_fit_schema());
    c.set_override("array.rows=16");
    c.set_override("array.cols=12");
    NgspiceSession session;
    const auto m = fit_surrogate(c, session);
    CHECK_FALSE(m.table.has_value());
    CHECK(m.response.is_linear());
    CHECK(m.report.nmse < 1e-24);
    CHECK(m.report.ideal_nmse > 1e-6);
    CHECK(m.report.captured_fraction > 0.999999);
}

TEST_CASE("a Stanford-PKU surrogate captures the circuit and round-trips through its file", "[cosim][ngspice]") {
    const params::Config c = stanford_fit_config(24);
    NgspiceSession session;
    const auto m = fit_surrogate(c, session);
    REQUIRE(m.table.has_value());
    CHECK(m.response.rank() == 1);
    CHECK(m.report.table_vs_native < 1e-6);  // ngspice's sweep of the read subcircuit is the model
    CHECK(m.v_star_volt > 0.0);
    CHECK(m.v_star_volt < 0.2);
    CHECK(m.report.captured_fraction > 0.95);
    // The IR drop alone is smaller than the ideal G^T v's error, and harder to capture.
    CHECK(m.report.ir_nmse > m.report.nmse);
    CHECK(m.report.ir_nmse < m.report.ideal_nmse);
    CHECK(m.report.captured_fraction_ir < m.report.captured_fraction);
    CHECK(m.report.captured_fraction_ir > 0.5);
    CHECK(m.crossbar.spec.differential == netlists::Differential::columns);  // `run`'s layout by default
    CHECK(m.provenance.at("ngspice_version") == session.ngspice_version());
    CHECK(m.provenance.at("deck_hash").size() == 16);

    const auto path = scratch("kirchhoff_surrogate");
    save_surrogate(m, path);
    const auto back = load_surrogate(path);
    CHECK(back.v_star_volt == m.v_star_volt);
    CHECK(back.table->current_a == m.table->current_a);
    CHECK(back.config == m.config);
    CHECK(back.report.captured_fraction == m.report.captured_fraction);
    CHECK(back.report.captured_fraction_ir == m.report.captured_fraction_ir);
    CHECK(back.report.ir_nmse == m.report.ir_nmse);
    // The same tile gives the same surrogate outputs from the loaded table.
    const auto tile = program_tile(m.crossbar, netlists::random_tile(m.crossbar).g_siemens);
    const Eigen::VectorXd v = Eigen::VectorXd::Constant(24, 0.1);
    CHECK(make_surrogate_engine(tile, m.response, m.v_star_volt)->matvec(v) ==
          make_surrogate_engine(tile, back.response, back.v_star_volt)->matvec(v));
    // Same configuration (another seed) is accepted; another geometry is refused by name.
    params::Config same = c;
    same.set_override("seed=99");
    CHECK_NOTHROW(check_compatible(back, netlists::crossbar_config(same), path.string()));
    params::Config other = c;
    other.set_override("array.r_wire_row_ohm=1");
    other.set_override("array.rows=32");
    CHECK_THROWS_WITH(check_compatible(back, netlists::crossbar_config(other), path.string()),
                      ContainsSubstring(path.string()) && ContainsSubstring("array.r_wire_row_ohm: table 2.0, requested 1.0") &&
                          ContainsSubstring("array.rows: table 24, requested 32"));

    // Edited metadata or tensor shapes are refused on load, naming the field (they passed
    // `check` before with NMSE 0.9-2.8, and `nan` became an interpolation index).
    const auto tampered = scratch("kirchhoff_surrogate_tampered");
    const auto rewrite = [&](const std::string& key, const std::string& value, bool transpose = false) {
        const io::SafetensorsReader r(path);
        io::SafetensorsWriter w;
        for (const auto& [k, v] : r.metadata()) w.set_metadata(k, k == key ? value : v);
        const io::TensorInfo& t = r.require("device_current_a");
        const std::vector<std::int64_t> shape =
            transpose ? std::vector<std::int64_t>{t.shape[1], t.shape[0]} : std::vector<std::int64_t>{t.shape[0], t.shape[1]};
        w.add<double>("device_current_a", shape, r.read_f64("device_current_a"));
        w.write(tampered);
    };
    for (const auto& [key, value, expect] :
         {std::tuple{"v_star_volt", "nan", "v_star_volt = nan"}, std::tuple{"table.memory_max", "inf", "table.memory_max = inf"},
          std::tuple{"table.memory_min", "-1", "table.memory_min = -1"},
          std::tuple{"table.v_min_volt", "-1", "table.v_min_volt = -1"},
          std::tuple{"table.v_min_volt", "nan", "table.v_min_volt = nan"}}) {
        rewrite(key, value);
        INFO(key << " = " << value);
        CHECK_THROWS_WITH(load_surrogate(tampered), ContainsSubstring(tampered.string()) && ContainsSubstring(expect));
    }
    rewrite("", "", true);
    CHECK_THROWS_WITH(load_surrogate(tampered), ContainsSubstring("shape [81, 61]") && ContainsSubstring("[61, 81]"));
    std::filesystem::remove(tampered);
    std::filesystem::remove(path);
}

TEST_CASE("a file that is not a surrogate table is refused by name", "[cosim]") {
    const auto path = scratch("kirchhoff_not_a_table");
    io::SafetensorsWriter w;
    w.set_metadata("format", "something else");
    w.add<double>("x", {1}, std::vector<double>{1.0});
    w.write(path);
    CHECK_THROWS_WITH(load_surrogate(path), ContainsSubstring(path.string()) && ContainsSubstring("not a Kirchhoff tile surrogate"));
    std::filesystem::remove(path);
}
