// The PCM statistics of the analog backend against the reference formulas, side by side.
//
// Reference: the equations of Nandakumar et al. (IEEE ICECS 2019) and Joshi et al. (Nature
// Communications 11, 2473, 2020, Methods) as IBM aihwkit's PCMLikeNoiseModel and
// GlobalDriftCompensation evaluate them, written out below as a slow, obvious sampler with its
// own generator (std::mt19937_64 and std::normal_distribution, not devices::Rng):
//   G_prog  = max(G_T + sigma_prog N, 0),  sigma_prog = (0.26348 + 1.9650 g - 1.1731 g^2) uS, g = G_T / 25 uS
//   nu      = |mu_nu + sigma_nu N|,  mu_nu = clamp(-0.0155 ln g + 0.0244, 0.049, 0.1),
//             sigma_nu = clamp(-0.0125 ln g - 0.0059, 0.008, 0.045)   (g floored at 1e-7)
//   T       = t_inference + t0,  G_drift = G_prog (T / t0)^-nu,  t0 = 20 s
//   G_read  = max(G_drift + |G_drift| Q_s sqrt(ln((T + t_read) / (2 t_read))) N, 0),
//             Q_s = min(0.0088 / max((G_prog / g_max)^0.65, 1e-3), 0.2),  t_read = 250 ns
//   alpha   = mean |G+_prog - G-_prog| / mean |G+_read - G-_read|   (one-hot reads, no read noise
//             at programming: the read noise is frozen into the weights at t_inference)
// Kirchhoff side: program_tile_block with the reference-compatible settings (g_min 1e-30 S: the
// key excludes 0, and 25 uS - 1e-30 S is 25 uS in double precision; g_max
// 25 uS, pcm.read_noise_mode = frozen, pcm.clamp = at_zero) and the compensation read through
// an ideal engine (drift_compensation.hpp).
// Tolerance: 5 standard errors of the difference of two independent samples of n = 200704
// cells (448 x 448) each: SE(mean) = s / sqrt(n), SE(std) = sqrt((m4 - s^4) / n) / (2 s) with m4
// the fourth central moment (exact for any distribution to first order); the compensation
// factor's SE from 8 replicas of the reference. KIRCHHOFF_PCM_TABLE=1 prints the table of
// devices/README.md.
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "analog/analog_config.hpp"
#include "analog/drift_compensation.hpp"
#include "analog/tile_programming.hpp"
#include "cosim/mvm_engine.hpp"
#include "params/config.hpp"
#include "support/analog_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::analog;

namespace {

constexpr double g_max = 25e-6;
constexpr int side = 448;  // 448 x 448 = 200704 cells per target
const double times_s[] = {20.0, 3600.0, 86400.0, 3.1536e7};
const double targets_siemens[] = {1e-6, 5e-6, 10e-6, 20e-6, 25e-6};

// The reference: one cell from the equations above.
struct ReferenceCell {
    double prog, drift, read;
};
class Reference {
public:
    explicit Reference(unsigned long long seed) : gen_(seed) {}
    ReferenceCell cell(double g_target, double t_inference) {
        const double g = g_target / g_max;
        const double sigma_prog = (0.26348 + 1.9650 * g - 1.1731 * g * g) * 1e-6;
        const double prog = std::max(g_target + sigma_prog * normal_(gen_), 0.0);
        const double gr = std::max(g, 1e-7);
        const double mu = std::clamp(-0.0155 * std::log(gr) + 0.0244, 0.049, 0.1);
        const double sd = std::clamp(-0.0125 * std::log(gr) - 0.0059, 0.008, 0.045);
        const double nu = std::abs(mu + sd * normal_(gen_));
        const double T = t_inference + 20.0;
        const double drift = prog * std::pow(T / 20.0, -nu);
        const double q = std::min(0.0088 / std::max(std::pow(prog / g_max, 0.65), 1e-3), 0.2);
        const double sigma = std::abs(drift) * q * std::sqrt(std::log((T + 250e-9) / (2 * 250e-9)));
        return {prog, drift, std::max(drift + sigma * normal_(gen_), 0.0)};
    }

private:
    std::mt19937_64 gen_;
    std::normal_distribution<double> normal_{0.0, 1.0};
};

struct Moments {
    double mean = 0, std = 0, se_mean = 0, se_std = 0;
};
Moments moments(const std::vector<double>& x) {
    const double n = double(x.size());
    double m = 0;
    for (double v : x) m += v;
    m /= n;
    double m2 = 0, m4 = 0;
    for (double v : x) {
        const double d = (v - m) * (v - m);
        m2 += d;
        m4 += d * d;
    }
    m2 /= n;
    m4 /= n;
    const double s = std::sqrt(m2);
    return {m, s, s / std::sqrt(n), std::sqrt(std::max(m4 - m2 * m2, 0.0) / n) / (2 * s)};
}

AnalogConfig reference_config(double t_inference, bool read_noise, bool compensation) {
    return test::analog_config_with({"array.rows=" + std::to_string(side), "array.cols=" + std::to_string(side),
                                     "device.g_min_siemens=1e-30", "device.g_max_siemens=25e-6",
                                     "pcm.programming_noise=true", "pcm.clamp=at_zero", "pcm.read_noise_mode=frozen",
                                     "pcm.t_inference_s=" + std::to_string(t_inference),
                                     std::string("pcm.read_noise=") + (read_noise ? "true" : "false"),
                                     std::string("pcm.drift_compensation=") + (compensation ? "true" : "false")});
}

const TilePlace whole{0, 0, 0, side, 0, side};

// Kirchhoff's G+ conductances of a tile whose every weight is g_target / g_max.
std::vector<double> kirchhoff_plus(double g_target, double t_inference, bool read_noise, std::uint64_t seed) {
    const Eigen::MatrixXd w = Eigen::MatrixXd::Constant(side, side, g_target / g_max);
    const LayerTile t = program_tile_block(reference_config(t_inference, read_noise, false), w, whole, seed, std::nullopt);
    const Eigen::MatrixXd& g = t.tile.g_siemens.at(0);  // (rows, 2 cols): G+ in the even columns
    std::vector<double> out;
    out.reserve(std::size_t(side) * side);
    for (int k = 0; k < side; ++k)
        for (int r = 0; r < side; ++r) out.push_back(g(r, 2 * k));
    return out;
}

bool table() { return std::getenv("KIRCHHOFF_PCM_TABLE") != nullptr; }

// Checks one quantity's mean and std against the reference's, within 5 SE of the difference.
void compare(const char* what, double g_target, double t, const std::vector<double>& kirchhoff,
             const std::vector<double>& reference) {
    const Moments k = moments(kirchhoff), r = moments(reference);
    const double tol_mean = 5 * std::hypot(k.se_mean, r.se_mean), tol_std = 5 * std::hypot(k.se_std, r.se_std);
    INFO(what << " at g_T = " << g_target << " S, t = " << t << " s: mean " << k.mean << " vs " << r.mean << " (tol "
              << tol_mean << "), std " << k.std << " vs " << r.std << " (tol " << tol_std << ")");
    CHECK(std::abs(k.mean - r.mean) <= tol_mean);
    CHECK(std::abs(k.std - r.std) <= tol_std);
    if (table())
        std::printf("| %g | %g | %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |\n", g_target * 1e6, t, what, k.mean * 1e6,
                    r.mean * 1e6, tol_mean * 1e6, k.std * 1e6, r.std * 1e6, tol_std * 1e6);
}

}  // namespace

TEST_CASE("PCM programmed, drifted and read conductances match the reference formulas (2e5 cells per target)",
          "[analog][pcm]") {
    if (table()) std::printf("| g_T (uS) | t (s) | quantity | mean K (uS) | mean ref | tol | std K (uS) | std ref | tol |\n");
    std::uint64_t seed = 100;
    for (double g_t : targets_siemens) {
        Reference ref(seed);
        std::vector<double> r_prog;
        for (int i = 0; i < side * side; ++i) r_prog.push_back(ref.cell(g_t, 0.0).prog);
        compare("programmed", g_t, 0.0, kirchhoff_plus(g_t, 0.0, false, seed), r_prog);
        for (double t : times_s) {
            std::vector<double> r_drift, r_read;
            for (int i = 0; i < side * side; ++i) {
                const ReferenceCell c = ref.cell(g_t, t);
                r_drift.push_back(c.drift);
                r_read.push_back(c.read);
            }
            compare("drifted", g_t, t, kirchhoff_plus(g_t, t, false, seed + 1), r_drift);
            compare("read", g_t, t, kirchhoff_plus(g_t, t, true, seed + 2), r_read);
        }
        seed += 10;
    }
}

TEST_CASE("PCM global drift compensation read through the tile matches the reference factor", "[analog][pcm]") {
    // Weights uniform in [-1, 1] on one 448 x 448 tile, G+ and G- from 0 to g_max (g_min 0).
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    Eigen::MatrixXd w(side, side);
    for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = uniform(gen);
    if (table()) std::printf("| t (s) | alpha Kirchhoff | alpha reference (mean of 8) | tol |\n");
    for (double t : times_s) {
        const AnalogConfig c = reference_config(t, true, true);
        const LayerTile tile = program_tile_block(c, w, whole, 11, std::nullopt);
        REQUIRE(tile.baseline);
        const auto now = cosim::make_ideal_engine(tile.tile), base = cosim::make_ideal_engine(tile.baseline->tile);
        devices::Rng rng(3);
        const double alpha = drift_compensation_factor(*now, tile.read_var_a2_per_v2, *base, *tile.baseline, whole,
                                                       c.crossbar.v_read_volt, rng);
        // The reference factor, 8 replicas.
        std::vector<double> alphas;
        for (int rep = 0; rep < 8; ++rep) {
            Reference ref(1000 + rep);
            double prog = 0, read = 0;
            for (Eigen::Index i = 0; i < w.size(); ++i) {
                const ReferenceCell p = ref.cell(g_max * std::max(w(i), 0.0), t);
                const ReferenceCell m = ref.cell(g_max * std::max(-w(i), 0.0), t);
                prog += std::abs(p.prog - m.prog);
                read += std::abs(p.read - m.read);
            }
            alphas.push_back(prog / read);
        }
        const Moments a = moments(alphas);
        const double sd = a.std * std::sqrt(8.0 / 7.0);  // sample standard deviation of one replica
        const double tol = 5 * sd * std::sqrt(1.0 + 1.0 / 8.0);
        INFO("t = " << t << " s: alpha " << alpha << " vs " << a.mean << " (tol " << tol << ")");
        CHECK(std::abs(alpha - a.mean) <= tol);
        CHECK(alpha > 1.0);  // drift lowers every conductance
        if (table()) std::printf("| %g | %.5f | %.5f | %.5f |\n", t, alpha, a.mean, tol);
    }
}
