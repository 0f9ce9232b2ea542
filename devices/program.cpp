// Program-and-verify with ISPP, cycle-to-cycle noise and device-to-device variability.
#include "devices/program.hpp"

#include <algorithm>
#include <cmath>

#include "devices/rng.hpp"
#include "devices/waveform.hpp"

namespace kirchhoff::devices {

ProgramResult program_and_verify(const Device& device, const State& x0, const Protocol& pr,
                                 const ProgramOptions& opt, Rng& rng) {
    const double v_read = pr.v_read_volt;
    device.memory_for_conductance(opt.g_target_siemens, v_read);  // throws if outside the window
    const auto [lo, hi] = device.state_bounds();
    const Eigen::VectorXd sigma = device.cycle_noise_sigma();

    ProgramResult out;
    State x = device.rest_state(x0[0]);
    int direction = 0;                      // +1 SET, -1 RESET: the last pulse
    double amp_set = 0.0, amp_reset = 0.0;  // last amplitude used in each direction
    bool used_set = false, used_reset = false;
    double step = pr.v_step_volt, v_last = 0.0;
    for (int pulse_k = 0;; ++pulse_k) {
        const double g = device.read_conductance_siemens(x[0], v_read);
        out.steps.push_back({pulse_k, v_last, g, x[0]});
        if (std::abs(g - opt.g_target_siemens) <= opt.tolerance_rel * opt.g_target_siemens) {
            out.converged = true;
            break;
        }
        if (pulse_k == opt.max_pulses) break;
        const int want = g < opt.g_target_siemens ? +1 : -1;
        if (direction != 0 && want != direction) step = std::max(0.5 * step, pr.v_step_volt / 64);
        const double start = want > 0 ? pr.v_set_start_volt : pr.v_reset_start_volt;
        const double stop = want > 0 ? pr.v_set_stop_volt : pr.v_reset_stop_volt;
        double& amp = want > 0 ? amp_set : amp_reset;
        bool& used = want > 0 ? used_set : used_reset;
        const double toward_stop = stop >= start ? 1.0 : -1.0;
        if (!used) amp = start;
        else if (want == direction) amp += toward_stop * step;  // same direction: one step up
        else amp -= toward_stop * step;                          // overshoot: back off a step
        amp = stop >= start ? std::clamp(amp, start, stop) : std::clamp(amp, stop, start);
        used = true;
        direction = want;
        v_last = amp;
        const Waveform w = pulse(amp, pr.t_pulse_s, pr.t_edge_s, 0.0, 0.0);
        x = opt.engine ? opt.engine(device, w, x) : integrate_final(device, w, x, opt.integration);
        for (Eigen::Index k = 0; k < x.size(); ++k)
            if (sigma[k] > 0) x[k] = std::clamp(x[k] + sigma[k] * rng.normal(), lo[k], hi[k]);
        x = device.rest_state(x[0]);
    }
    out.final_state = x;
    out.g_final_siemens = out.steps.back().g_read_siemens;
    return out;
}

std::vector<ProgramResult> program_population(const Device& nominal, double memory0,
                                              const Protocol& protocol,
                                              const ProgramOptions& options, int n_devices,
                                              double sigma_d2d_rel, std::uint64_t seed) {
    Rng root(seed);
    std::vector<ProgramResult> results;
    for (int k = 0; k < n_devices; ++k) {
        Rng rng = root.split();
        auto device = nominal.clone();
        if (sigma_d2d_rel > 0) device->vary_device(rng, sigma_d2d_rel);
        results.push_back(program_and_verify(*device, device->rest_state(memory0), protocol,
                                             options, rng));
    }
    return results;
}

}  // namespace kirchhoff::devices
