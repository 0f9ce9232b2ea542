// Benchmark of device characterisation (not a test): the same experiment through the native
// Odeint engine and through ngspice, side by side, for every electrical preset.
//
//  1. SET/RESET loop: the preset's loop waveform (devices::loop_waveform), 1001 samples of
//     state and current. ngspice: cosim::spice_device_transient (deck + tran + vectors).
//  2. Pulse train: 20 programming pulses at the preset's SET amplitudes (ISPP steps), final
//     state only. ngspice: the same, one deck with a PWL of all 20 pulses.
// Both engines run at the tolerances the agreement test uses (native rel 1e-7, ngspice reltol
// 1e-6); the table also prints how far the final memory variables are apart (fraction of the
// range), so a faster engine cannot hide a wrong answer.
//
// Usage: device_bench [--repeats 5] [--preset NAME]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cosim/device_spice.hpp"
#include "cosim/ngspice_session.hpp"
#include "devices/integrate.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::devices;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Run {
    double seconds;
    double final_memory;
};

Run native(const Device& d, const Waveform& w, double memory0, std::size_t samples) {
    const auto t = Clock::now();
    double m;
    if (samples > 0) {
        const Trajectory tr = integrate(d, w, d.rest_state(memory0), uniform_samples(w, samples));
        m = tr.state(tr.state.rows() - 1, 0);
    } else {
        m = integrate_final(d, w, d.rest_state(memory0))[0];
    }
    return {seconds_since(t), m};
}

Run spice(cosim::NgspiceSession& s, const Device& d, const Waveform& w, double memory0,
          std::size_t samples) {
    const auto t = Clock::now();
    // samples == 0: 1000 time steps, the final state only is used.
    const Trajectory tr = cosim::spice_device_transient(s, d, memory0, w, samples > 0 ? samples - 1 : 1000, "device bench");
    return {seconds_since(t), tr.state(tr.state.rows() - 1, 0)};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Device characterisation throughput: native Odeint vs ngspice"};
    int repeats = 5;
    std::string only;
    app.add_option("--repeats", repeats, "timed runs per cell (median reported)")->check(CLI::PositiveNumber);
    app.add_option("--preset", only, "one preset only (default: every electrical preset)");
    CLI11_PARSE(app, argc, argv);

    cosim::NgspiceSession session;
    fmt::print("ngspice {} (KLU {}), {} repeats, median wall time per experiment\n\n",
               session.ngspice_version(), session.klu_compiled() ? "yes" : "no", repeats);
    fmt::print("{:<20} {:<12} {:>12} {:>12} {:>9} {:>14}\n", "preset", "experiment", "native ms",
               "ngspice ms", "speedup", "|dx|/range");
    for (const Preset& pr : presets()) {
        if (!is_electrical(pr) || (!only.empty() && pr.name != only)) continue;
        const auto d = make_device(pr);
        const auto [lo, hi] = d->state_bounds();
        const double range = hi[0] - lo[0];
        std::vector<double> amps;
        for (int k = 0; k < 20; ++k)
            amps.push_back(pr.protocol.v_set_start_volt +
                           (pr.protocol.v_set_stop_volt - pr.protocol.v_set_start_volt) * k / 19.0);
        struct Experiment {
            const char* name;
            Waveform w;
            std::size_t samples;
        };
        const Experiment experiments[] = {
            {"loop", loop_waveform(*d, pr.protocol), 1001},
            {"20 pulses", pulse_train(amps, pr.protocol.t_pulse_s, pr.protocol.t_edge_s, pr.protocol.t_pulse_s), 0},
        };
        for (const Experiment& e : experiments) {
            std::vector<double> tn, ts;
            Run rn{}, rs{};
            for (int r = 0; r < repeats; ++r) {
                rn = native(*d, e.w, hi[0], e.samples);
                rs = spice(session, *d, e.w, hi[0], e.samples);
                tn.push_back(rn.seconds);
                ts.push_back(rs.seconds);
            }
            const double mn = median(tn), ms = median(ts);
            fmt::print("{:<20} {:<12} {:>12.3f} {:>12.3f} {:>8.1f}x {:>14.2e}\n", pr.name, e.name,
                       1e3 * mn, 1e3 * ms, ms / mn, std::abs(rn.final_memory - rs.final_memory) / range);
        }
    }
    return 0;
}
