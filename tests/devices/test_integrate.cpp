// Native integration: waveforms, determinism, dense-output sampling, closed-form cases.
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "devices/integrate.hpp"
#include "devices/presets.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using namespace kirchhoff::devices;

TEST_CASE("waveforms: shapes, values, validation", "[devices][integrate]") {
    const Waveform tri = triangle_sweep(1.0, -2.0, 4.0);
    CHECK(tri.value(1.0) == 1.0);
    CHECK(tri.value(3.0) == -2.0);
    CHECK(tri.value(0.5) == 0.5);
    const Waveform p = pulse(1.5, 10e-9, 1e-9, 2e-9, 3e-9);
    CHECK(p.end_s() == 2e-9 + 1e-9 + 10e-9 + 1e-9 + 3e-9);
    CHECK(p.value(8e-9) == 1.5);
    const Waveform train = pulse_train({1.0, 2.0}, 10e-9, 1e-9, 5e-9);
    CHECK(train.t_s.size() == 9);
    CHECK(train.value(12e-9 + 5e-9 + 6e-9) == 2.0);
    CHECK_NOTHROW(train.validate());
    CHECK_THROWS_AS((Waveform{{0.0, 1.0, 1.0}, {0.0, 1.0, 2.0}}.validate()), InputError);
    CHECK_THROWS_AS((Waveform{{0.5, 1.0}, {0.0, 1.0}}.validate()), InputError);
}

TEST_CASE("VTEAM below threshold does not move; above it follows the closed form",
          "[devices][integrate]") {
    VteamParams p = std::get<VteamParams>(find_preset("vteam_aimc").make());
    const Vteam d(p);
    const double w0 = 0.5 * (p.w_on_m + p.w_off_m);
    // Between the thresholds the rate is ~exp(-1/threshold_smoothing) of full speed.
    const State x = integrate_final(d, Waveform{{0.0, 1e-3}, {0.3, 0.3}}, d.rest_state(w0));
    CHECK(std::abs(x[0] - w0) < 1e-15);
    // A short constant pulse mid-window: dw/dt ~ k_off (V/v_off - 1)^alpha_off f_off(x).
    const double v = 1.0, t = 1e-9;
    const State y = integrate_final(d, Waveform{{0.0, t}, {v, v}}, d.rest_state(w0));
    const double rate0 = vteam_w_rate(p, v, w0);
    CHECK(std::abs((y[0] - w0) / (rate0 * t) - 1.0) < 1e-3);
}

TEST_CASE("dense-output samples do not change the solution; same input, same output",
          "[devices][integrate]") {
    const Preset& pr = find_preset("stanford_rram_aimc");
    const auto d = make_device(pr);
    const Waveform w = loop_waveform(*d, pr.protocol);
    const State x0 = d->rest_state(d->state_bounds().second[0]);
    const State final_only = integrate_final(*d, w, x0);
    const Trajectory a = integrate(*d, w, x0, uniform_samples(w, 11));
    const Trajectory b = integrate(*d, w, x0, uniform_samples(w, 1001));
    CHECK(a.state(10, 0) == final_only[0]);
    CHECK(b.state(1000, 0) == final_only[0]);
    CHECK(a.steps == b.steps);
    // the same instants up to the rounding of k * T / (n - 1)
    for (int k = 0; k <= 10; ++k) CHECK(std::abs(a.state(k, 0) - b.state(100 * k, 0)) < 1e-12 * 1e-9);
    CHECK_THROWS_AS(integrate(*d, w, x0, std::vector<double>{2 * w.end_s()}), InputError);
}

TEST_CASE("tighter tolerances converge to the same loop", "[devices][integrate]") {
    const Preset& pr = find_preset("pcm_gst");
    const auto d = make_device(pr);
    const Waveform w = loop_waveform(*d, pr.protocol);
    const State x0 = d->rest_state(1.0);
    const auto samples = uniform_samples(w, 201);
    const Trajectory loose = integrate(*d, w, x0, samples, {1e-6, 1e-9, 0.0});
    const Trajectory tight = integrate(*d, w, x0, samples, {1e-9, 1e-12, 0.0});
    CHECK((loose.state.col(0) - tight.state.col(0)).cwiseAbs().maxCoeff() < 1e-4);
    // RESET leaves the cell mostly amorphous; SET recrystallises it.
    const double reset_end = 0.5 * pr.protocol.t_pulse_s + 0.4 * pr.protocol.t_edge_s + 0.25 * pr.protocol.loop_period_s;
    const Trajectory at = integrate(*d, w, x0, std::vector<double>{reset_end, w.end_s()});
    CHECK(at.state(0, 0) < 0.05);
    CHECK(at.state(1, 0) > 0.95);
}
