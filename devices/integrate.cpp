// Integration of a device's state under a PWL waveform, one linear segment at a time.
#include "devices/integrate.hpp"

#include <algorithm>
#include <string>

#include "devices/odeint_rosenbrock.hpp"
#include "params/error.hpp"
#include "params/range.hpp"

namespace kirchhoff::devices {

namespace {

// Integrates over the whole waveform in scaled variables y = x / scale, one linear segment of
// V(t) at a time; calls record(t, v, x) at each sample time.
template <class Record>
State run(const Device& device, const Waveform& drive, const State& x0,
          std::span<const double> samples, const IntegrationOptions& opt, std::size_t* steps,
          Record&& record) {
    drive.validate();
    if (!std::is_sorted(samples.begin(), samples.end()))
        throw InputError("integrate: sample times must be sorted");
    const auto& vars = device.state_variables();
    const std::size_t n = vars.size();
    if (static_cast<std::size_t>(x0.size()) != n)
        throw InputError("integrate: initial state has " + std::to_string(x0.size()) +
                         " entries, the model " + std::string(device.model()) + " has " +
                         std::to_string(n));
    Eigen::VectorXd scale(static_cast<Eigen::Index>(n));
    for (std::size_t k = 0; k < n; ++k) scale[static_cast<Eigen::Index>(k)] = vars[k].scale;
    const auto unscale = [&](const double* y) {
        State x(static_cast<Eigen::Index>(n));
        for (Eigen::Index k = 0; k < x.size(); ++k) x[k] = y[k] * scale[k];
        return x;
    };

    std::vector<double> y(n);
    for (std::size_t k = 0; k < n; ++k)
        y[k] = x0[static_cast<Eigen::Index>(k)] / scale[static_cast<Eigen::Index>(k)];
    // Samples must lie in the waveform's span; a sample within 1e-9 of the span past its end
    // (a simulator's last time point, rounded) counts as the end.
    std::vector<double> sample_list(samples.begin(), samples.end());
    const double slack = 1e-9 * (drive.end_s() - drive.start_s());
    for (double& t : sample_list) {
        if (t < drive.start_s() - slack || t > drive.end_s() + slack)
            throw InputError("integrate: sample time " + params::format_number(t) +
                             " s is outside the waveform [0, " + params::format_number(drive.end_s()) + "] s");
        t = std::clamp(t, drive.start_s(), drive.end_s());
    }
    std::size_t next = 0, accepted = 0;
    double dt = 0.0;
    for (std::size_t s = 0; s + 1 < drive.t_s.size(); ++s) {
        const double t0 = drive.t_s[s], t1 = drive.t_s[s + 1];
        const double v0 = drive.v_volt[s];
        const double slope = (drive.v_volt[s + 1] - v0) / (t1 - t0);
        const auto v_at = [&](double t) { return v0 + slope * (t - t0); };

        detail::RosenbrockProblem problem;
        problem.n = n;
        problem.rhs = [&](const double* yy, double t, double* dydt) {
            const State r = device.rate(v_at(t), unscale(yy));
            for (Eigen::Index k = 0; k < r.size(); ++k) dydt[k] = r[k] / scale[k];
        };
        problem.jacobian = [&](const double* yy, double t, double* jac, double* dfdt) {
            Eigen::MatrixXd dfdx;
            Eigen::VectorXd dfdv;
            device.rate_jacobian(v_at(t), unscale(yy), dfdx, dfdv);
            const auto m = static_cast<Eigen::Index>(n);
            for (Eigen::Index i = 0; i < m; ++i) {
                dfdt[i] = dfdv[i] * slope / scale[i];
                for (Eigen::Index j = 0; j < m; ++j)
                    jac[i * m + j] = dfdx(i, j) * scale[j] / scale[i];
            }
        };
        detail::RosenbrockSettings settings;
        settings.abs_tol = opt.abs_tol;
        settings.rel_tol = opt.rel_tol;
        settings.max_dt = opt.max_step_s > 0 ? std::min(opt.max_step_s, t1 - t0) : t1 - t0;
        settings.dt0 = dt > 0 ? std::min(dt, settings.max_dt) : 1e-3 * settings.max_dt;
        accepted += detail::rosenbrock_segment(
            problem, y, t0, t1, settings, sample_list, next,
            [&](double t, const double* yy) { record(t, v_at(t), unscale(yy)); }, &dt);
    }
    if (steps) *steps = accepted;
    return unscale(y.data());
}

}  // namespace

Trajectory integrate(const Device& device, const Waveform& drive, const State& x0,
                     std::span<const double> sample_times_s, const IntegrationOptions& options) {
    Trajectory out;
    const auto n = static_cast<Eigen::Index>(device.state_size());
    out.state.resize(static_cast<Eigen::Index>(sample_times_s.size()), n);
    Eigen::Index row = 0;
    run(device, drive, x0, sample_times_s, options, &out.steps,
        [&](double t, double v, const State& x) {
            out.t_s.push_back(t);
            out.v_volt.push_back(v);
            out.i_ampere.push_back(device.current_ampere(v, x));
            out.state.row(row++) = x.transpose();
        });
    out.state.conservativeResize(row, n);
    return out;
}

State integrate_final(const Device& device, const Waveform& drive, const State& x0,
                      const IntegrationOptions& options, std::size_t* steps) {
    return run(device, drive, x0, {}, options, steps, [](double, double, const State&) {});
}

std::vector<double> uniform_samples(const Waveform& drive, std::size_t n) {
    std::vector<double> t(n);
    for (std::size_t k = 0; k < n; ++k)
        t[k] = drive.start_s() + (drive.end_s() - drive.start_s()) * static_cast<double>(k) /
                                     static_cast<double>(n - 1);
    t.back() = drive.end_s();
    return t;
}

}  // namespace kirchhoff::devices
