// kirchhoff.Crossbar: one tile holding the user's conductances (numpy, siemens) under the same
// configuration keys as `kirchhoff solve` (netlists::crossbar_schema), read by the ideal,
// surrogate, nodal or spice engine for one input vector or a batch, with the node voltages on
// request and the deck `kirchhoff netlist` would write. The nodal engine in read mode goes
// through cosim::TileCircuitSolver as `kirchhoff solve` does (solver.method: direct, iterative,
// or auto), one set-up per batch; node voltages, select mode, spice and ideal through
// cosim::read_crossbar (the direct nodal solver, ngspice, or G^T v).
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "cosim/crossbar_solve.hpp"
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

cosim::CircuitEngine parse_circuit_engine(const std::string& e) {
    if (e == "ideal") return cosim::CircuitEngine::ideal;
    if (e == "nodal") return cosim::CircuitEngine::nodal;
    if (e == "spice") return cosim::CircuitEngine::spice;
    throw InputError(fmt::format("--engine {}: unknown engine; allowed: ideal, surrogate, nodal, spice", e));
}

// One read's results for Python.
struct Reading {
    Eigen::VectorXd outputs, sense;
    Eigen::VectorXd node_volt;
    std::vector<Eigen::MatrixXd> cell_current, word_line_volt, bit_line_volt;
    int iterations = 0;
};

class Crossbar {
public:
    Crossbar(const Array& g, const std::string& file, const std::vector<std::string>& overrides,
             const std::string& tables)
        : config_(configured(netlists::crossbar_schema(), file, overrides)),
          g_(conductances(g, config_)),
          tile_(cosim::program_tile(netlists::crossbar_config(config_), g_)) {
        if (!tables.empty()) {
            tables_ = cosim::load_surrogate(tables);
            cosim::check_compatible(*tables_, config_, tables);
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
            if (engine == "surrogate") {
                read_surrogate(inputs, out);
            } else {
                const cosim::CircuitEngine e = parse_circuit_engine(engine);
                const bool tile_solver = e == cosim::CircuitEngine::nodal && !node_voltages &&
                                         spec().mode == netlists::Mode::read;
                if (e == cosim::CircuitEngine::ideal) cosim::require_ideal_defined(tile_.config);
                else cosim::check_memory_budget(tile_.config, tile_solver && cosim::method_in_force(tile_.config) ==
                                                                                  netlists::SolverMethod::iterative
                                                                  ? "iterative" : engine);
                if (tile_solver) fallback = read_tile(inputs, out);
                else read_circuits(e, inputs, out, node_voltages);
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
    void read_surrogate(const std::vector<Eigen::VectorXd>& inputs, std::vector<Reading>& out) {
        const std::lock_guard lock(surrogate_mutex_);
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
        for (std::size_t b = 0; b < inputs.size(); ++b) out[b].outputs = surrogate_->matvec(inputs[b]);
    }

    // Read mode, nodal engine: the vectors on one TileCircuitSolver, as `kirchhoff solve` reads
    // them (solver.method; one factorisation or one set of iterative factors for the batch).
    // The direct solver's Newton cache is dropped before each vector, so that each result is
    // bitwise the one vector's on a fresh solver (`kirchhoff solve` with that vector) whatever
    // the batch around it. Returns the first fallback reason ("" for none).
    std::string read_tile(const std::vector<Eigen::VectorXd>& inputs, std::vector<Reading>& out) const {
        cosim::TileCircuitSolver solver(tile_.config, tile_.cells);
        std::string fallback;
        for (std::size_t b = 0; b < inputs.size(); ++b) {
            solver.restart();
            cosim::TileSolveReport report;
            out[b].sense = solver.sense_currents(inputs[b], &report);
            out[b].outputs = netlists::logical_outputs(spec(), out[b].sense);
            out[b].iterations = report.newton_iterations;
            if (report.fell_back && fallback.empty()) fallback = report.fallback_reason;
        }
        return fallback;
    }

    // Node voltages (the direct nodal solver, read_nodal), select mode, spice and ideal: each
    // vector on its own through cosim::read_crossbar; nodal vectors of a batch on OpenMP threads
    // (each solve is independent, so the results do not depend on the thread count).
    void read_circuits(cosim::CircuitEngine e, const std::vector<Eigen::VectorXd>& inputs, std::vector<Reading>& out,
                       bool node_voltages) const {
        const int n = int(inputs.size());
        std::vector<std::exception_ptr> errors(n);
        const bool parallel = e == cosim::CircuitEngine::nodal && n > 1;
#pragma omp parallel for schedule(dynamic) if (parallel)
        for (int b = 0; b < n; ++b) {
            try {
                const netlists::CrossbarCircuit xbar = netlists::configured_crossbar(tile_.config, tile_.cells, inputs[b]);
                cosim::CrossbarReading r = cosim::read_crossbar(e, xbar, tile_.config, g_, inputs[b]);
                Reading& o = out[b];
                o.outputs = std::move(r.outputs);
                o.sense = std::move(r.sense_current);
                o.iterations = r.iterations;
                if (node_voltages) {
                    o.node_volt = r.node_volt;
                    o.cell_current = std::move(r.cell_current);
                    for (std::size_t a = 0; a < xbar.row_nodes.size(); ++a) {
                        const auto at = [&](const Eigen::MatrixXi& nodes) {
                            return nodes.unaryExpr([&](int k) { return r.node_volt(k); }).eval();
                        };
                        o.word_line_volt.push_back(at(xbar.row_nodes[a]));
                        o.bit_line_volt.push_back(at(xbar.col_nodes[a]));
                    }
                }
            } catch (...) {
                errors[b] = std::current_exception();
            }
        }
        for (const auto& err : errors)
            if (err) std::rethrow_exception(err);
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
        d["sense_currents_a"] = stack(out, batch, &Reading::sense);
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
