// kirchhoff.device: the single-device experiments of `kirchhoff device` (devices/experiments.hpp)
// with the same requests and checks, returning dicts of numpy arrays (the CSV columns) and the
// effective parameters instead of writing files; the device presets.
#include <optional>
#include <utility>

#include <pybind11/stl.h>

#include "cosim/device_spice.hpp"
#include "devices/experiments.hpp"
#include "devices/presets.hpp"
#include "python/src/bindings.hpp"

namespace kirchhoff::python {

namespace {

using Overrides = std::vector<std::pair<std::string, double>>;

devices::DeviceRequest request(const std::string& preset, const std::string& engine, const Overrides& params) {
    return {preset, devices::parse_device_engine(engine), params};
}

py::array_t<double> array(const std::vector<double>& v) {
    py::array_t<double> a(py::ssize_t(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

// preset, model, engine, parameters {name: value}, parameter_table [rows of parameters.csv].
py::dict device_dict(const devices::EffectiveDevice& d) {
    py::dict out, values;
    py::list table;
    for (const auto& p : d.parameters) {
        values[py::str(p.name)] = p.value;
        py::dict row;
        row["name"] = p.name;
        row["value"] = p.value;
        row["unit"] = p.unit;
        row["range"] = p.range;
        row["meaning"] = p.meaning;
        table.append(row);
    }
    out["preset"] = d.preset;
    out["model"] = d.model;
    out["engine"] = std::string(devices::to_string(d.engine));
    out["parameters"] = values;
    out["parameter_table"] = table;
    return out;
}

py::dict iv(const std::string& preset, const std::string& engine, const Overrides& params,
            std::optional<double> memory, std::size_t points) {
    const devices::IvRequest r{request(preset, engine, params), memory, points};
    devices::IvResult res;
    {
        py::gil_scoped_release release;
        cosim::NgspiceDeviceSimulator spice;
        res = devices::device_iv(r, {}, &spice);
    }
    py::dict out = device_dict(res.device);
    out["t_s"] = array(res.trajectory.t_s);
    out["v_volt"] = array(res.trajectory.v_volt);
    out["i_ampere"] = array(res.trajectory.i_ampere);
    out["state"] = to_numpy(Eigen::MatrixXd(res.trajectory.state));
    py::list names, units;
    for (const auto& c : res.state) names.append(c.name), units.append(c.unit);
    out["state_names"] = names;
    out["state_units"] = units;
    out["memory0"] = res.memory0;
    return out;
}

py::dict read(const std::string& preset, const std::string& engine, const Overrides& params,
              std::optional<double> memory, std::optional<double> g_siemens, std::optional<double> v_max, int points) {
    const devices::ReadRequest r{request(preset, engine, params), memory, g_siemens, v_max, points};
    devices::ReadResult res;
    {
        py::gil_scoped_release release;
        cosim::NgspiceDeviceSimulator spice;
        res = devices::device_read(r, {}, &spice);
    }
    py::dict out = device_dict(res.device);
    out["v_volt"] = array(res.v_volt);
    out["i_ampere"] = array(res.i_ampere);
    out["memory_name"] = res.memory_variable.name;
    out["memory_unit"] = res.memory_variable.unit;
    out["memory"] = res.memory;
    out["v_read_volt"] = res.v_read_volt;
    out["g_read_siemens"] = res.g_read_siemens;
    return out;
}

py::dict program(const std::string& preset, double target_siemens, const std::string& engine, const Overrides& params,
                 double tolerance, int devices, double d2d_sigma, int max_pulses, std::uint64_t seed) {
    const devices::ProgramRequest r{request(preset, engine, params), target_siemens, tolerance, devices, d2d_sigma,
                                  max_pulses, seed};
    devices::ProgramRun res;
    {
        py::gil_scoped_release release;
        cosim::NgspiceDeviceSimulator spice;
        res = devices::device_program(r, {}, &spice);
    }
    // The rows of program.csv: one per read of each device.
    std::vector<double> device, pulse, v_pulse, g_read, mem, converged, g_final, device_converged;
    for (std::size_t k = 0; k < res.results.size(); ++k) {
        const auto& p = res.results[k];
        for (const auto& s : p.steps) {
            device.push_back(double(k));
            pulse.push_back(s.pulse);
            v_pulse.push_back(s.v_pulse_volt);
            g_read.push_back(s.g_read_siemens);
            mem.push_back(s.memory);
            converged.push_back(p.converged ? 1 : 0);
        }
        g_final.push_back(p.g_final_siemens);
        device_converged.push_back(p.converged ? 1 : 0);
    }
    py::dict out = device_dict(res.device);
    out["device"] = array(device).attr("astype")("int64");
    out["pulse"] = array(pulse).attr("astype")("int64");
    out["v_pulse_volt"] = array(v_pulse);
    out["g_read_siemens"] = array(g_read);
    out["memory"] = array(mem);
    out["converged"] = array(converged).attr("astype")("bool");
    out["g_final_siemens"] = array(g_final);
    out["device_converged"] = array(device_converged).attr("astype")("bool");
    out["converged_count"] = res.converged;
    out["g_mean_final_siemens"] = res.g_mean_final_siemens;
    return out;
}

py::dict drift(const std::string& preset, const std::optional<std::vector<double>>& targets_siemens,
               const std::optional<std::vector<double>>& times_s, int cells, std::uint64_t seed,
               const Overrides& params) {
    devices::DriftRequest r;
    r.preset = preset;
    r.parameters = params;
    if (targets_siemens) r.targets_siemens = *targets_siemens;
    if (times_s) r.times_s = *times_s;
    r.cells = cells;
    r.seed = seed;
    devices::DriftResult res;
    {
        py::gil_scoped_release release;
        res = devices::device_drift(r);
    }
    const Eigen::Index n_t = Eigen::Index(r.targets_siemens.size()), n_s = Eigen::Index(r.times_s.size());
    Eigen::MatrixXd mean(n_t, n_s), sd(n_t, n_s), comp(n_t, n_s), alpha(n_t, n_s);
    for (Eigen::Index a = 0; a < n_t; ++a)
        for (Eigen::Index k = 0; k < n_s; ++k) {
            const devices::DriftRow& row = res.rows[std::size_t(a)][std::size_t(k)];
            mean(a, k) = row.g_mean_siemens;
            sd(a, k) = row.g_std_siemens;
            comp(a, k) = row.g_mean_compensated_siemens;
            alpha(a, k) = row.alpha;
        }
    py::dict out = device_dict(res.device);
    out["targets_siemens"] = array(r.targets_siemens);
    out["times_s"] = array(r.times_s);
    out["g_mean_siemens"] = to_numpy(mean);
    out["g_std_siemens"] = to_numpy(sd);
    out["g_mean_compensated_siemens"] = to_numpy(comp);
    out["alpha"] = to_numpy(alpha);
    return out;
}

py::list presets() {
    py::list out;
    for (const auto& p : devices::presets()) {
        py::dict d;
        d["name"] = std::string(p.name);
        d["model"] = std::string(p.model);
        d["citation"] = std::string(p.citation);
        d["summary"] = std::string(p.summary);
        d["electrical"] = devices::is_electrical(p);
        out.append(d);
    }
    return out;
}

}  // namespace

void bind_devices(py::module_& m) {
    m.def("device_iv", &iv, py::arg("preset"), py::arg("engine"), py::arg("params"), py::arg("memory"),
          py::arg("points"));
    m.def("device_read", &read, py::arg("preset"), py::arg("engine"), py::arg("params"), py::arg("memory"),
          py::arg("g_siemens"), py::arg("v_max"), py::arg("points"));
    m.def("device_program", &program, py::arg("preset"), py::arg("target_siemens"), py::arg("engine"),
          py::arg("params"), py::arg("tolerance"), py::arg("devices"), py::arg("d2d_sigma"), py::arg("max_pulses"),
          py::arg("seed"));
    m.def("device_drift", &drift, py::arg("preset"), py::arg("targets_siemens"), py::arg("times_s"), py::arg("cells"),
          py::arg("seed"), py::arg("params"));
    m.def("device_presets", &presets);
}

}  // namespace kirchhoff::python
