// kirchhoff.AnalogLayers: linear layers y = W x (W (out, in) float32) on crossbar tiles through
// the analog backend of `kirchhoff run` (analog/analog_backend.hpp): the same tiling,
// programming (noise, drift, faults, seeds), DAC, engine, read noise, ADC, output calibration
// and sampled circuit validation, configured by the same keys (analog::analog_schema). One
// object holds all layers of a model, numbered in order, so every layer draws from its own
// seeded streams as the transformer's layers do. The bias stays digital (the Python side adds it).
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "analog/analog_backend.hpp"
#include "evaluation/model_inputs.hpp"
#include "params/error.hpp"
#include "python/src/bindings.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::python {

namespace {

using Array32 = py::array_t<float, py::array::c_style | py::array::forcecast>;

class AnalogLayers {
public:
    AnalogLayers(const std::vector<Array32>& weights, const std::vector<std::string>& names, const std::string& file,
                 const std::vector<std::string>& overrides, const std::string& engine, const std::string& tables,
                 const std::string& validate_engine, double validate_fraction, long validate_count,
                 bool validate_in_background)
        : config_(configured(analog::analog_schema(), file, overrides)) {
        if (names.size() != weights.size())
            throw py::value_error(fmt::format("{} weights but {} names", weights.size(), names.size()));
        layers_.reserve(weights.size());
        for (std::size_t i = 0; i < weights.size(); ++i) {
            const Array32& w = weights[i];
            if (w.ndim() != 2)
                throw InputError(fmt::format("layer {}: weight of {} dimensions, expected (out, in)", names[i], w.ndim()));
            transformer::LinearLayer& l = layers_.emplace_back();
            l.name = names[i];
            l.index = int(i);
            l.kind = transformer::LinearKind::classifier;
            l.out = int(w.shape(0));
            l.in = int(w.shape(1));
            l.weight.assign(w.data(), w.data() + w.size());
            for (float x : l.weight)
                if (!std::isfinite(x)) throw InputError(fmt::format("layer {}: weight {} is not finite", l.name, x));
        }
        analog::AnalogOptions o =
            evaluation::analog_options(config_, analog::parse_inference_engine(engine, "--engine"), tables);
        o.validate = analog::parse_validation_engine(validate_engine, "--validate-engine");
        if (validate_fraction == 0) o.validate = std::nullopt;  // as `kirchhoff run`
        o.validate_fraction = validate_fraction;
        o.validate_max_per_layer = validate_count;
        o.validate_in_background = validate_in_background;
        backend_ = std::make_unique<analog::AnalogBackend>(std::move(o));
        std::vector<const transformer::LinearLayer*> pointers;
        for (const auto& l : layers_) pointers.push_back(&l);
        py::gil_scoped_release release;
        backend_->prepare_layers(pointers);
    }

    // x: (in) or (B, in); each row one MVM, in order (the first adc.calibration_mvms MVMs of a
    // layer calibrate its ADC and output correction). Returns (out) or (B, out) float32.
    Array32 forward(int index, const Array32& x) {
        if (index < 0 || std::size_t(index) >= layers_.size())
            throw py::index_error(fmt::format("layer index {} outside [0, {})", index, layers_.size()));
        const transformer::LinearLayer& l = layers_[index];
        if (x.ndim() < 1 || x.ndim() > 2 || x.shape(x.ndim() - 1) != l.in)
            throw InputError(fmt::format("layer {}: input of shape {} for a layer of {} inputs; expected ({},) or "
                                         "(batch, {})", l.name, shape_text(x), l.in, l.in, l.in));
        const py::ssize_t B = x.ndim() == 2 ? x.shape(0) : 1;
        Array32 y = x.ndim() == 2 ? Array32({B, py::ssize_t(l.out)}) : Array32(py::ssize_t(l.out));
        const float* in = x.data();
        float* out = y.mutable_data();
        {
            py::gil_scoped_release release;
            const std::lock_guard lock(mutex_);  // MVMs of one backend run in order, one thread at a time
            for (py::ssize_t b = 0; b < B; ++b)
                backend_->matvec(l, std::span<const float>(in + b * l.in, std::size_t(l.in)),
                                 std::span<float>(out + b * l.out, std::size_t(l.out)));
        }
        return y;
    }

    py::list validation() {
        std::vector<analog::ValidationStats> stats;
        {
            py::gil_scoped_release release;
            const std::lock_guard lock(mutex_);
            stats = backend_->validation();
        }
        py::list out;
        for (const auto& s : stats) {
            py::dict d;
            d["layer"] = s.layer;
            d["count"] = s.count;
            const py::object none = py::none();
            d["nmse"] = s.validated() ? py::object(py::float_(s.nmse())) : none;
            d["max_rel_err"] = s.validated() ? py::object(py::float_(s.max_rel_err)) : none;
            d["correlation"] = s.validated() ? py::object(py::float_(s.correlation())) : none;
            d["seconds"] = s.seconds;
            d["failed"] = s.failed;
            d["first_error"] = s.first_error;
            out.append(d);
        }
        return out;
    }

    void restart() {
        py::gil_scoped_release release;
        const std::lock_guard lock(mutex_);
        backend_->restart();
    }
    int tiles() const { return backend_->tiles(); }
    int size() const { return int(layers_.size()); }
    std::string effective_config() const { return config_.to_toml(); }

private:
    static std::string shape_text(const Array32& x) {
        std::string s = "(";
        for (py::ssize_t i = 0; i < x.ndim(); ++i) s += fmt::format("{}{}", i ? ", " : "", x.shape(i));
        return s + (x.ndim() == 1 ? ",)" : ")");
    }

    params::Config config_;
    std::vector<transformer::LinearLayer> layers_;  // index i at position i; the backend points here
    std::unique_ptr<analog::AnalogBackend> backend_;
    std::mutex mutex_;  // Python threads share the object (the GIL is released around MVMs)
};

}  // namespace

void bind_layers(py::module_& m) {
    py::class_<AnalogLayers>(m, "AnalogLayers")
        .def(py::init<const std::vector<Array32>&, const std::vector<std::string>&, const std::string&,
                      const std::vector<std::string>&, const std::string&, const std::string&, const std::string&,
                      double, long, bool>(),
             py::arg("weights"), py::arg("names"), py::arg("config_file") = "",
             py::arg("overrides") = std::vector<std::string>(), py::arg("engine") = "surrogate",
             py::arg("tables") = "", py::arg("validate_engine") = "nodal", py::arg("validate_fraction") = 0.0,
             py::arg("validate_count") = 0, py::arg("validate_in_background") = true)
        .def("forward", &AnalogLayers::forward, py::arg("index"), py::arg("x"))
        .def("validation", &AnalogLayers::validation)
        .def("restart", &AnalogLayers::restart)
        .def_property_readonly("tiles", &AnalogLayers::tiles)
        .def("__len__", &AnalogLayers::size)
        .def("effective_config", &AnalogLayers::effective_config);
}

}  // namespace kirchhoff::python
