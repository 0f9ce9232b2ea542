// devices/experiments: the experiments check their request before anything runs (the
// CLI's --out is prepared in before_run, so a bad flag must never reach it), apply the
// parameter overrides, and return what devices/ computes for the same request (the native
// engine is integrate / program_population themselves; the CSV files equal these rows bit for
// bit: python/tests/test_device.py). The spice engine agrees with the native one within the
// tolerance test_devices_spice states for the loop (1% of the range).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <stdexcept>

#include "cosim/device_spice.hpp"
#include "devices/experiments.hpp"
#include "devices/presets.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using namespace kirchhoff::devices;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("device experiments: bad requests throw before before_run, with the flag named", "[devices]") {
    int called = 0;
    const BeforeRun count = [&](const EffectiveDevice&) { ++called; };
    CHECK_THROWS_WITH(device_iv({{"vteam_aimc", DeviceEngine::native, {}}, 1.0, 101}, count),
                      ContainsSubstring("--memory 1: the memory variable"));
    CHECK_THROWS_WITH(device_iv({{"vteam_aimc", DeviceEngine::native, {{"r_on_ohm", -1.0}}}, {}, 101}, count),
                      ContainsSubstring("r_on_ohm"));
    CHECK_THROWS_WITH(device_read({{"vteam_aimc", DeviceEngine::native, {}}, {}, -1.0, {}, 41}, count),
                      ContainsSubstring("--g-siemens -1"));
    CHECK_THROWS_WITH(device_program({{"vteam_aimc", DeviceEngine::native, {}}, 2e-5, 0.05, 0}, count),
                      ContainsSubstring("--devices 0"));
    DriftRequest drift;
    drift.preset = "vteam_aimc";
    CHECK_THROWS_WITH(device_drift(drift, count), ContainsSubstring("is not a statistical PCM model"));
    CHECK_THROWS_WITH(parse_device_engine("ngspice"), "--engine ngspice: unknown engine; allowed: native, spice");
    // The spice engine without a simulator is the caller's error, also caught before before_run.
    CHECK_THROWS_AS(device_iv({{"vteam_aimc", DeviceEngine::spice, {}}, {}, 101}, count), std::invalid_argument);
    CHECK(called == 0);
}

TEST_CASE("device iv: the override is in force and the loop is devices::integrate's", "[devices]") {
    int called = 0;
    const IvResult r = device_iv({{"vteam_aimc", DeviceEngine::native, {{"r_on_ohm", 12000.0}}}, {}, 101},
                                 [&](const EffectiveDevice& d) {
                                     ++called;
                                     CHECK(d.model == "vteam");
                                 });
    CHECK(called == 1);
    bool found = false;
    for (const auto& p : r.device.parameters) found = found || (p.name == "r_on_ohm" && p.value == 12000.0);
    CHECK(found);

    auto d = devices::make_device(devices::find_preset("vteam_aimc"));
    d->set_parameter("r_on_ohm", 12000.0);
    const double m0 = d->state_bounds().second[0];
    CHECK(r.memory0 == m0);
    const devices::Waveform w = devices::loop_waveform(*d, devices::find_preset("vteam_aimc").protocol);
    const devices::Trajectory ref = devices::integrate(*d, w, d->rest_state(m0), devices::uniform_samples(w, 101));
    CHECK(r.trajectory.t_s == ref.t_s);
    CHECK(r.trajectory.i_ampere == ref.i_ampere);
    CHECK(r.trajectory.state == ref.state);
    REQUIRE(r.state.size() == d->state_size());
    CHECK(r.state[0].name == d->state_variables()[0].name);
}

TEST_CASE("device program: the population is program_population's, with its count and mean", "[devices]") {
    const ProgramRun run = device_program({{"vteam_aimc", DeviceEngine::native, {}}, 2e-5, 0.02, 3, 0.1, 200, 4});
    const auto d = devices::make_device(devices::find_preset("vteam_aimc"));
    devices::ProgramOptions opt;
    opt.g_target_siemens = 2e-5;
    opt.tolerance_rel = 0.02;
    const auto ref = devices::program_population(*d, d->state_bounds().second[0],
                                                 devices::find_preset("vteam_aimc").protocol, opt, 3, 0.1, 4);
    REQUIRE(run.results.size() == 3);
    int converged = 0;
    double mean = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(run.results[k].g_final_siemens == ref[k].g_final_siemens);
        CHECK(run.results[k].steps.size() == ref[k].steps.size());
        converged += ref[k].converged;
        mean += ref[k].g_final_siemens / 3.0;
    }
    CHECK(run.converged == converged);
    CHECK(run.g_mean_final_siemens == mean);
}

TEST_CASE("device drift: (targets, times) rows, the mean drifting down and compensated back", "[devices]") {
    DriftRequest r;
    r.preset = "pcm_joshi2020";
    r.targets_siemens = {5e-6, 20e-6};
    r.times_s = {60, 86400};
    r.cells = 400;
    const DriftResult out = device_drift(r);
    REQUIRE(out.rows.size() == 2);
    for (std::size_t a = 0; a < 2; ++a) {
        REQUIRE(out.rows[a].size() == 2);
        // Drift lowers the mean conductance (Joshi et al. 2020: G(t) = G(t0) (t / t0)^-nu, nu > 0).
        CHECK(out.rows[a][1].g_mean_siemens < out.rows[a][0].g_mean_siemens);
        for (const DriftRow& row : out.rows[a])
            CHECK(row.g_mean_compensated_siemens == row.alpha * row.g_mean_siemens);
    }
    // Global drift compensation brings the day-old mean back within 10% of its target.
    CHECK(std::abs(out.rows[1][1].g_mean_compensated_siemens - 20e-6) < 0.1 * 20e-6);
}

TEST_CASE("device drift: parameter overrides reach the statistical model, bad ones are refused", "[devices]") {
    DriftRequest r;
    r.preset = "pcm_joshi2020";
    r.targets_siemens = {5e-6, 20e-6};
    r.times_s = {1, 86400};
    r.cells = 50;
    // Programming noise, drift and read noise all off: every read is its target, spread 0 and
    // compensation factor 1 (Joshi et al. 2020 with sigma_prog = 0, nu = 0, Q_s = 0).
    r.parameters = {{"prog_c0_siemens", 0}, {"prog_c1_siemens", 0}, {"prog_c2_siemens", 0},
                    {"nu_mu_min", 0},       {"nu_mu_max", 0},       {"nu_sigma_min", 0},
                    {"nu_sigma_max", 0},    {"read_q_coeff", 0},    {"read_q_max", 0}};
    const DriftResult out = device_drift(r);
    for (const auto& p : out.device.parameters)
        if (p.name == "nu_mu_max" || p.name == "read_q_max") CHECK(p.value == 0);
    for (std::size_t a = 0; a < 2; ++a)
        for (const DriftRow& row : out.rows[a]) {
            CHECK(std::abs(row.g_mean_siemens - r.targets_siemens[a]) <= 1e-12 * r.targets_siemens[a]);
            CHECK(row.g_std_siemens <= 1e-12 * r.targets_siemens[a]);
            CHECK(std::abs(row.alpha - 1) <= 1e-12);
        }
    r.parameters = {{"t0_s", -1}};
    CHECK_THROWS_WITH(device_drift(r), ContainsSubstring("t0_s = -1 s is outside the allowed range (0, inf)"));
    r.parameters = {{"nu_mu_min", 0.2}};
    CHECK_THROWS_WITH(device_drift(r), ContainsSubstring("nu_mu_min = 0.2 must not exceed nu_mu_max"));
    r.parameters = {{"r_on_ohm", 1}};
    CHECK_THROWS_WITH(device_drift(r), ContainsSubstring("pcm_statistical: unknown parameter 'r_on_ohm'"));
}

TEST_CASE("device iv: ngspice and native loops agree within 1% of the range", "[devices][ngspice]") {
    const IvResult nat = device_iv({{"vteam_aimc", DeviceEngine::native, {}}, {}, 201});
    kirchhoff::cosim::NgspiceDeviceSimulator spice;
    const IvResult sp = device_iv({{"vteam_aimc", DeviceEngine::spice, {}}, {}, 200}, {}, &spice);
    const auto d = devices::make_device(devices::find_preset("vteam_aimc"));
    const auto [lo, hi] = d->state_bounds();
    const double end_nat = nat.trajectory.state(nat.trajectory.state.rows() - 1, 0);
    const double end_sp = sp.trajectory.state(sp.trajectory.state.rows() - 1, 0);
    CHECK(std::abs(end_nat - end_sp) < 0.01 * (hi[0] - lo[0]));
    CHECK(sp.trajectory.t_s.size() > 100);
}
