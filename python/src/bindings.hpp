// What the binding files of the `_kirchhoff` extension share: the registration function of
// each part, configurations from a TOML file and --set style overrides, and numpy <-> Eigen
// conversions. Everything here calls the C++ libraries; no physics lives in python/.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "params/config.hpp"

namespace kirchhoff::python {

namespace py = pybind11;

void bind_crossbar(py::module_& m);  // Crossbar: a tile of the user's conductances, solved by any engine
void bind_layers(py::module_& m);    // AnalogLayers: linear layers on tiles with the analog periphery
void bind_runs(py::module_& m);      // run (kirchhoff run's JSON), schemas, the CLI's random tile
void bind_tables(py::module_& m);    // surrogate tables: fit, check, load
void bind_devices(py::module_& m);   // the single-device experiments of `kirchhoff device`, the presets
void bind_sweep(py::module_& m);     // kirchhoff sweep: a study's points, results.csv, plots

/// The effective configuration of `schema`: defaults, then the TOML `file` ("" for none), then
/// each "section.key=value" of `overrides` as --set applies it (params::load_config).
params::Config configured(const params::Schema& schema, const std::string& file,
                          const std::vector<std::string>& overrides);

/// A float64 numpy vector as Eigen (copied). ValueError naming `what` unless 1-d.
Eigen::VectorXd to_vector(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, const char* what);
/// Eigen -> a new numpy array.
py::array_t<double> to_numpy(const Eigen::VectorXd& v);
py::array_t<double> to_numpy(const Eigen::MatrixXd& m);  // (rows, cols), C order

}  // namespace kirchhoff::python
