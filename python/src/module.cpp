// The `_kirchhoff` extension module: exceptions with the CLI's messages, and the parts
// (circuits, devices, layers, runs, tables). The `kirchhoff` package (python/kirchhoff/) is the public face.
#include <pybind11/stl.h>

#include "cosim/ngspice_session.hpp"
#include "cosim/nodal_solver.hpp"
#include "params/error.hpp"
#include "params/load_config.hpp"
#include "python/src/bindings.hpp"

namespace kirchhoff::python {

params::Config configured(const params::Schema& schema, const std::string& file,
                          const std::vector<std::string>& overrides) {
    return params::load_config(schema, file, overrides);
}

Eigen::VectorXd to_vector(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, const char* what) {
    if (a.ndim() != 1) throw py::value_error(std::string(what) + ": expected a 1-d array, got " +
                                             std::to_string(a.ndim()) + " dimensions");
    Eigen::VectorXd v(a.shape(0));
    for (py::ssize_t i = 0; i < a.shape(0); ++i) v(i) = a.data()[i];
    return v;
}

py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
    py::array_t<double> a(v.size());
    std::copy(v.data(), v.data() + v.size(), a.mutable_data());
    return a;
}

py::array_t<double> to_numpy(const Eigen::MatrixXd& m) {
    py::array_t<double> a({m.rows(), m.cols()});
    double* out = a.mutable_data();
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) *out++ = m(r, c);
    return a;
}

}  // namespace kirchhoff::python

PYBIND11_MODULE(_kirchhoff, m) {
    namespace py = pybind11;
    m.doc() = "Kirchhoff's C++ core: crossbar circuits, device experiments, analog layers and runs (the kirchhoff package wraps it)";
    // Bad input (exit 2 in the CLI): a ValueError carrying the CLI's message after "kirchhoff: error: ".
    static py::exception<kirchhoff::InputError> input_error(m, "InputError", PyExc_ValueError);
    // A circuit that could not be solved (exit 3 in the CLI), after "kirchhoff: circuit solve failed: ".
    static py::exception<kirchhoff::cosim::SpiceError> circuit_error(m, "CircuitError", PyExc_RuntimeError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const kirchhoff::InputError& e) {
            input_error(e.what());
        } catch (const kirchhoff::cosim::SpiceError& e) {
            circuit_error(e.what());
        } catch (const kirchhoff::cosim::NodalError& e) {
            circuit_error(e.what());
        }
    });
    kirchhoff::python::bind_crossbar(m);
    kirchhoff::python::bind_layers(m);
    kirchhoff::python::bind_runs(m);
    kirchhoff::python::bind_tables(m);
    kirchhoff::python::bind_devices(m);
    kirchhoff::python::bind_sweep(m);
}
