// Entry points that mirror whole CLI commands: `run` (one evaluation of a transformer on
// crossbars, returning the object `kirchhoff run --json` prints), the CLI's seeded random tile
// (so a Crossbar can hold exactly what `kirchhoff solve` solves), and the configuration keys of
// each schema with defaults, units and ranges (what --help lists), and the folder the default
// model and corpus come from (io::data_dir; the package sets its installed copy).
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pybind11/stl.h>

#include "analog/analog_config.hpp"
#include "evaluation/model_evaluation.hpp"
#include "evaluation/model_inputs.hpp"
#include "io/data_dir.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/error.hpp"
#include "python/src/bindings.hpp"

namespace kirchhoff::python {

namespace {

params::Schema schema_named(const std::string& name) {
    if (name == "crossbar") return netlists::crossbar_schema();
    if (name == "analog") return analog::analog_schema();
    if (name == "run") return evaluation::evaluation_schema();
    throw py::value_error(fmt::format("schema {}: unknown; allowed: crossbar, analog, run", name));
}

// `kirchhoff run --json` for the configuration (evaluation_schema: hardware keys and run.*).
std::string run_json(const std::string& file, const std::vector<std::string>& overrides) {
    const params::Config config = configured(evaluation::evaluation_schema(), file, overrides);
    const evaluation::RunSpec spec = evaluation::run_spec(config);
    py::gil_scoped_release release;
    return evaluation::evaluate(config, spec).to_json().dump();
}

// The conductances (per array) and inputs `kirchhoff solve` draws for the configuration.
py::tuple random_tile(const std::string& file, const std::vector<std::string>& overrides) {
    const params::Config config = configured(netlists::crossbar_schema(), file, overrides);
    const netlists::RandomTile t = netlists::random_tile(netlists::crossbar_config(config));
    if (t.g_siemens.size() == 1) return py::make_tuple(to_numpy(t.g_siemens[0]), to_numpy(t.v_volt));
    py::list arrays;
    for (const auto& g : t.g_siemens) arrays.append(to_numpy(g));
    return py::make_tuple(py::module_::import("numpy").attr("stack")(arrays), to_numpy(t.v_volt));
}

}  // namespace

void bind_runs(py::module_& m) {
    m.def("run_json", &run_json, py::arg("config_file") = "", py::arg("overrides") = std::vector<std::string>());
    m.def("random_tile", &random_tile, py::arg("config_file") = "", py::arg("overrides") = std::vector<std::string>());
    m.def("data_dir", [] { return io::data_dir().string(); });
    m.def("set_data_dir", [](const std::string& dir) { io::set_data_dir(dir); }, py::arg("dir"));
    m.def("schema_help", [](const std::string& name) { return schema_named(name).help(); }, py::arg("schema"));
    m.def("schema_keys", [](const std::string& name) {
        const params::Schema schema = schema_named(name);  // alive through the loop: keys() is a reference
        std::vector<std::string> keys;
        for (const params::Key& k : schema.keys()) keys.push_back(k.name);
        return keys;
    }, py::arg("schema"));
}

}  // namespace kirchhoff::python
