// Surrogate tables from Python, as `kirchhoff fit`, `kirchhoff check` and the runner make and
// read them: fit a configuration into a safetensors file, check a file against ngspice on
// held-out tiles (the record `kirchhoff check --json` prints), and load a file's contents.
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pybind11/stl.h>

#include "cosim/spice_pool.hpp"
#include "cosim/surrogate_model.hpp"
#include "io/output_path.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/error.hpp"
#include "params/enum_names.hpp"
#include "python/src/bindings.hpp"
#include "validation/surrogate_check.hpp"

namespace kirchhoff::python {

namespace {

py::object from_json(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

// What a table holds: its configuration, V*, tier, fit report and provenance, and for device
// cells the device I-V table with its axes.
py::dict table_dict(const cosim::SurrogateModel& m) {
    py::dict d;
    d["config"] = from_json(m.config);
    d["v_star_volt"] = m.v_star_volt;
    d["tier"] = std::string(cosim::to_string(m.options.tier));
    d["rank"] = m.response.rank();
    const cosim::FitReport& r = m.report;
    py::dict report;
    report["tier"] = r.tier;
    report["tiles"] = r.tiles;
    report["inputs"] = r.inputs;
    report["nmse"] = r.nmse;
    report["ideal_nmse"] = r.ideal_nmse;
    report["ir_nmse"] = r.ir_nmse;
    report["captured_fraction"] = r.captured_fraction;
    report["captured_fraction_ir"] = std::isnan(r.captured_fraction_ir) ? py::object(py::none())
                                                                        : py::object(py::float_(r.captured_fraction_ir));
    report["table_vs_native"] = r.table_vs_native;
    report["table_interpolation"] = r.table_interpolation;
    report["factor_residual"] = r.factor_residual;
    d["report"] = report;
    d["provenance"] = m.provenance;
    if (m.table) {
        const cosim::TableGrid& g = m.table->grid;
        Eigen::VectorXd v(g.nv), mem(g.nm);
        for (int j = 0; j < g.nv; ++j) v(j) = g.v(j);
        for (int i = 0; i < g.nm; ++i) mem(i) = g.memory(i);
        d["device_current_a"] = to_numpy(m.table->current_a);  // (memory, voltage)
        d["v_volt"] = to_numpy(v);
        d["memory"] = to_numpy(mem);
        d["memory_name"] = m.table->memory_name;
        d["memory_unit"] = m.table->memory_unit;
    }
    return d;
}

// `kirchhoff fit --out PATH` with the configuration (surrogate_fit_schema keys).
py::dict fit_table(const std::string& file, const std::vector<std::string>& overrides, const std::string& out) {
    const params::Config config = configured(cosim::surrogate_fit_schema(), file, overrides);
    netlists::crossbar_config(config);  // cross-key checks first, as the CLI
    io::prepare_output_file(out, "--out");
    cosim::SurrogateModel model;
    {
        py::gil_scoped_release release;
        cosim::NgspiceSession session;
        model = cosim::fit_surrogate(config, session);
        cosim::save_surrogate(model, out);
    }
    return table_dict(model);
}

// `kirchhoff check --tables PATH --samples K --differential L --json`, as a dict.
py::object check_table(const std::string& tables, int samples, const std::string& differential) {
    if (samples < 1 || samples > 10000)
        throw InputError(fmt::format("--samples {}: outside the allowed range [1, 10000]", samples));
    const netlists::Differential layout =
        params::parse_enum(differential, {netlists::Differential::none, netlists::Differential::columns,
                                          netlists::Differential::arrays},
                           fmt::format("--differential {}", differential), "layout");
    const cosim::SurrogateModel model = cosim::load_surrogate(tables);
    nlohmann::json j;
    {
        py::gil_scoped_release release;
        cosim::SpicePool pool(1, cosim::PoolBackend::processes);  // as `kirchhoff check`: the time limit bounds loading
        const validation::CheckResult r = validation::check_surrogate(model, layout, samples, pool);
        if (r.samples == 0) throw cosim::SpiceError(tables, "check", "every held-out sample failed in ngspice");
        j = validation::to_json(r, model);
    }
    return from_json(j);
}

}  // namespace

void bind_tables(py::module_& m) {
    m.def("fit_table", &fit_table, py::arg("config_file"), py::arg("overrides"), py::arg("out"));
    m.def("check_table", &check_table, py::arg("tables"), py::arg("samples") = 8,
          py::arg("differential") = std::string(netlists::to_string(netlists::inference_layout)));
    m.def("load_table", [](const std::string& path) { return table_dict(cosim::load_surrogate(path)); },
          py::arg("path"));
}

}  // namespace kirchhoff::python
