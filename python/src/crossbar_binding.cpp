// kirchhoff.Crossbar: one tile holding the user's conductances (numpy, siemens) under the same
// configuration keys as `kirchhoff solve` (netlists::crossbar_schema), read by the ideal,
// surrogate, nodal or spice engine for one input vector or a batch, with the node voltages on
// request and the deck `kirchhoff netlist` would write. Every engine reads through
// cosim::CrossbarReader, the dispatch `kirchhoff solve` uses (solver.method for the nodal
// engine, one set-up per batch); the surrogate engine is built here, once per object.
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "cosim/crossbar_reader.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/solve_memory.hpp"
#include "cosim/surrogate_model.hpp"
#include "cosim/tile_solver.hpp"
#include "netlists/crossbar_setup.hpp"
#include "params/error.hpp"
#include "python/src/bindings.hpp"

namespace kirchhoff::python {

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// The shape key `name` takes the conductance matrix's `n` unless the configuration set it
// to something else (InputError naming both).
void shape_key(params::Config& config, const char* name, std::int64_t n, const char* what) {
    if (config.source(name) != "default" && config.integer(name) != n)
        throw InputError(fmt::format("{} = {} ({}) but the conductance matrix has {} {}", name, config.integer(name),
                                     config.source(name), n, what));
    config.set(name, n, "the conductance matrix");
}

// Conductances (rows, physical cols), or (2, rows, cols) for array.differential = "arrays".
std::vector<Eigen::MatrixXd> conductances(const Array& g, params::Config& config) {
    const std::string layout = config.text("array.differential");
    const int arrays = layout == "arrays" ? 2 : 1;
    if (g.ndim() != (arrays == 2 ? 3 : 2) || (arrays == 2 && g.shape(0) != 2))
        throw InputError(fmt::format("conductance matrix of {} dimensions: array.differential = \"{}\" ({}) takes {}",
                                     g.ndim(), layout, config.source("array.differential"),
                                     arrays == 2 ? "(2, rows, cols): G+ then G-" : "(rows, physical cols)"));
    const py::ssize_t rows = g.shape(arrays == 2 ? 1 : 0), pcols = g.shape(arrays == 2 ? 2 : 1);
    if (layout == "columns" && pcols % 2 != 0)
        throw InputError(fmt::format("conductance matrix with {} columns: array.differential = \"columns\" ({}) pairs "
                                     "columns 2c (G+) and 2c+1 (G-), so their number must be even",
                                     pcols, config.source("array.differential")));
    shape_key(config, "array.rows", rows, "rows");
    shape_key(config, "array.cols", layout == "columns" ? pcols / 2 : pcols, "outputs");
    std::vector<Eigen::MatrixXd> out;
    const double* p = g.data();
    for (int a = 0; a < arrays; ++a) {
        Eigen::MatrixXd& m = out.emplace_back(rows, pcols);
        for (py::ssize_t r = 0; r < rows; ++r)
            for (py::ssize_t c = 0; c < pcols; ++c) {
                const double x = *p++;
                if (!(x >= 0) || !std::isfinite(x))
                    throw InputError(fmt::format("conductance matrix: entry [{}{}, {}] = {} S is not a conductance "
                                                 "(finite, >= 0)", arrays == 2 ? fmt::format("{}, ", a) : "", r, c, x));
                m(r, c) = x;
            }
    }
    return out;
}

using Reading = cosim::CrossbarReading;

class Crossbar {
public:
    Crossbar(const Array& g, const std::string& file, const std::vector<std::string>& overrides,
             const std::string& tables)
        : config_(configured(netlists::crossbar_schema(), file, overrides)),
          g_(conductances(g, config_)),
          tile_(cosim::program_tile(netlists::crossbar_config(config_), g_)) {
        if (!tables.empty()) {
            tables_ = cosim::load_surrogate(tables);
            cosim::check_compatible(*tables_, tile_.config, tables);
        }
    }

    const netlists::CrossbarSpec& spec() const { return tile_.config.spec; }

    // v: (rows) or (rows, B) volts; select mode takes one value, the select voltage.
    py::object solve(const Array& v, const std::string& engine, bool node_voltages) {
        const bool batch = v.ndim() == 2;
        if (v.ndim() != 1 && !batch)
            throw InputError(fmt::format("input voltages of {} dimensions: expected (rows,) or (rows, batch)", v.ndim()));
        const int n_in = spec().mode == netlists::Mode::select ? 1 : spec().rows;
        if (v.shape(0) != n_in)
            throw InputError(fmt::format("input voltages: {} values for a tile of {} {}", v.shape(0), n_in,
                                         n_in == 1 && spec().mode == netlists::Mode::select
                                             ? "select voltage (array.mode = \"select\")" : "rows"));
        const py::ssize_t B = batch ? v.shape(1) : 1;
        std::vector<Eigen::VectorXd> inputs(B, Eigen::VectorXd(n_in));
        for (py::ssize_t r = 0; r < n_in; ++r)
            for (py::ssize_t b = 0; b < B; ++b) inputs[b](r) = v.data()[r * B + b];
        if (node_voltages && engine != "nodal")
            throw InputError(fmt::format("node voltages come from the nodal engine; engine = \"{}\"", engine));
        std::vector<Reading> out(B);
        std::string fallback;  // why the direct solver solved a tile solver.method sent to the iterative one
        {
            py::gil_scoped_release release;
            const cosim::Engine e = cosim::parse_engine(engine, {cosim::Engine::ideal, cosim::Engine::surrogate,
                                                                 cosim::Engine::nodal, cosim::Engine::spice}, "--engine");
            std::unique_lock<std::mutex> lock;  // the surrogate engine is shared by Python threads
            cosim::MvmEngine* surrogate = nullptr;
            if (e == cosim::Engine::surrogate) {
                lock = std::unique_lock(surrogate_mutex_);
                surrogate = surrogate_engine();
            } else if (e != cosim::Engine::ideal) {
                const bool tile_solver = e == cosim::Engine::nodal && !node_voltages &&
                                         spec().mode == netlists::Mode::read;
                cosim::check_memory_budget(tile_.config, tile_solver && cosim::method_in_force(tile_.config) ==
                                                                              netlists::SolverMethod::iterative
                                                             ? "iterative" : engine);
            }
            // The nodal engine in read mode: one TileCircuitSolver for the batch, its Newton
            // cache dropped before each vector, so that each result is bitwise the one vector's
            // on a fresh solver (`kirchhoff solve` with that vector) whatever the batch around
            // it. Node voltages and select mode: each vector's circuit on its own, on OpenMP
            // threads.
            cosim::CrossbarReader reader(e, tile_, {.node_voltages = node_voltages, .fresh_each_read = true}, surrogate);
            std::vector<cosim::TileSolveReport> reports;
            out = reader.read_all(inputs, &reports);
            for (const cosim::TileSolveReport& r : reports)
                if (r.fell_back) {
                    fallback = r.fallback_reason;
                    break;
                }
        }
        // As `kirchhoff solve` notes it on stderr: a fallback is never silent.
        if (!fallback.empty())
            PyErr_WarnEx(PyExc_RuntimeWarning,
                         fmt::format("solver.method = {}: the direct solver solved this tile: {}",
                                     to_string(tile_.config.solver_method), fallback).c_str(), 1);
        return results(out, batch, node_voltages);
    }

    std::string deck(const Array& v) const {
        return netlists::standalone_deck(netlists::configured_crossbar(tile_.config, tile_.cells, to_vector(v, "v_volt")));
    }

    py::array_t<double> g_siemens() const {
        if (g_.size() == 1) return to_numpy(g_[0]);
        py::array_t<double> a({py::ssize_t(2), py::ssize_t(g_[0].rows()), py::ssize_t(g_[0].cols())});
        double* p = a.mutable_data();
        for (const auto& m : g_)
            for (Eigen::Index r = 0; r < m.rows(); ++r)
                for (Eigen::Index c = 0; c < m.cols(); ++c) *p++ = m(r, c);
        return a;
    }
    std::string effective_config() const { return config_.to_toml(); }

private:
    // The surrogate engine, built on first use (surrogate_mutex_ held): from the tables given,
    // or for ohmic cells the exact matrix.
    cosim::MvmEngine* surrogate_engine() {
        if (!surrogate_) {
            if (tables_)
                surrogate_ = cosim::make_surrogate_engine(tile_, tables_->response, tables_->v_star_volt, -1,
                                                          tables_->options);
            else if (tile_.config.device_preset == "linear")
                surrogate_ = cosim::make_surrogate_engine(tile_, cosim::CellResponse::linear(), 0.0);
            else
                throw InputError(fmt::format(
                    "engine surrogate with device.preset = \"{}\": device cells need a surrogate table from "
                    "`kirchhoff fit` (tables=FILE)", tile_.config.device_preset));
        }
        return surrogate_.get();
    }

    // (arrays, rows, pcols) per vector, stacked on a last batch axis when batched.
    static py::array_t<double> stack(const std::vector<Reading>& out, bool batch,
                                     const std::vector<Eigen::MatrixXd> Reading::*field) {
        const auto& first = out[0].*field;
        const py::ssize_t A = py::ssize_t(first.size()), R = first[0].rows(), C = first[0].cols(),
                          B = py::ssize_t(out.size());
        std::vector<py::ssize_t> shape{A, R, C};
        if (batch) shape.push_back(B);
        py::array_t<double> a(shape);
        double* p = a.mutable_data();
        for (py::ssize_t i = 0; i < A; ++i)
            for (py::ssize_t r = 0; r < R; ++r)
                for (py::ssize_t c = 0; c < C; ++c)
                    for (py::ssize_t b = 0; b < B; ++b) *p++ = (out[b].*field)[i](r, c);
        return a;
    }
    static py::array_t<double> stack(const std::vector<Reading>& out, bool batch, const Eigen::VectorXd Reading::*field) {
        const py::ssize_t n = (out[0].*field).size(), B = py::ssize_t(out.size());
        if (!batch) return to_numpy(out[0].*field);
        py::array_t<double> a({n, B});
        double* p = a.mutable_data();
        for (py::ssize_t i = 0; i < n; ++i)
            for (py::ssize_t b = 0; b < B; ++b) *p++ = (out[b].*field)(i);
        return a;
    }

    py::object results(const std::vector<Reading>& out, bool batch, bool node_voltages) const {
        py::array_t<double> currents = stack(out, batch, &Reading::outputs);
        if (!node_voltages) return currents;
        py::dict d;
        d["currents_a"] = currents;
        d["sense_currents_a"] = stack(out, batch, &Reading::sense_current);
        d["node_volt"] = stack(out, batch, &Reading::node_volt);
        d["word_line_volt"] = stack(out, batch, &Reading::word_line_volt);
        d["bit_line_volt"] = stack(out, batch, &Reading::bit_line_volt);
        d["cell_current_a"] = stack(out, batch, &Reading::cell_current);
        std::vector<int> iterations;
        for (const Reading& r : out) iterations.push_back(r.iterations);
        d["iterations"] = batch ? py::cast(iterations) : py::cast(iterations[0]);
        return d;
    }

    params::Config config_;
    std::vector<Eigen::MatrixXd> g_;
    cosim::ProgrammedTile tile_;
    std::optional<cosim::SurrogateModel> tables_;
    std::unique_ptr<cosim::MvmEngine> surrogate_;  // built on first use
    std::mutex surrogate_mutex_;                   // Python threads share the object (the GIL is released)
};

}  // namespace

void bind_crossbar(py::module_& m) {
    py::class_<Crossbar>(m, "Crossbar")
        .def(py::init<const Array&, const std::string&, const std::vector<std::string>&, const std::string&>(),
             py::arg("g_siemens"), py::arg("config_file") = "", py::arg("overrides") = std::vector<std::string>(),
             py::arg("tables") = "")
        .def("solve", &Crossbar::solve, py::arg("v_volt"), py::arg("engine") = "nodal",
             py::arg("node_voltages") = false)
        .def("deck", &Crossbar::deck, py::arg("v_volt"))
        .def_property_readonly("g_siemens", &Crossbar::g_siemens)
        .def_property_readonly("rows", [](const Crossbar& x) { return x.spec().rows; })
        .def_property_readonly("cols", [](const Crossbar& x) { return x.spec().cols; })
        .def_property_readonly("physical_cols", [](const Crossbar& x) { return x.spec().physical_cols(); })
        .def_property_readonly("arrays", [](const Crossbar& x) { return x.spec().arrays(); })
        .def("effective_config", &Crossbar::effective_config);
}

}  // namespace kirchhoff::python
