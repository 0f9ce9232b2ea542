// Weights to conductances with programming non-idealities (tile_programming.hpp).
#include "analog/tile_programming.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "analog/op_counts.hpp"
#include "devices/pcm_statistical.hpp"
#include "devices/rng.hpp"

namespace kirchhoff::analog {

namespace {

/// One step of the SplitMix64 sequence from state x (devices/rng.hpp).
std::uint64_t splitmix(std::uint64_t x) { return devices::SplitMix64(x).next(); }

struct CellOutcome {
    double g_ref = 0, g_now = 0;        // S: right after programming (t_inference 0), at t_inference
    double read_var = 0, ref_var = 0;   // S^2: read-noise variance at t_inference and at 0 (per_mvm)
};

class CellRealiser {
public:
    explicit CellRealiser(const AnalogConfig& c) : c_(c) {
        pcm_.g_max_siemens = c.crossbar.g_max_siemens;
        const bool device = c.crossbar.device_preset != "linear";
        lo_ = device ? c.crossbar.g_min_siemens : c.crossbar.g_min_siemens / 100;
        hi_ = device ? c.crossbar.g_max_siemens : 2 * c.crossbar.g_max_siemens;
        pcm_lo_ = c.pcm_clamp_at_zero ? 0.0 : lo_;  // analog_config refuses at_zero for device presets
        pcm_hi_ = c.pcm_clamp_at_zero ? std::numeric_limits<double>::infinity() : hi_;
    }

    // cell: what belongs to the physical cell (fault, d2d factor); write: what belongs to this
    // programming (PCM noise, drift exponent), the same stream for tiles written once; frozen:
    // the read noise frozen into the conductance (pcm.read_noise_mode = frozen).
    CellOutcome operator()(double g_target, devices::Rng& cell, devices::Rng& write, devices::Rng& frozen) const {
        CellOutcome o;
        if (c_.stuck_rate > 0 && cell.uniform() < c_.stuck_rate) {
            o.g_ref = o.g_now = cell.uniform() < c_.stuck_at_gmax_fraction ? c_.crossbar.g_max_siemens
                                                                            : c_.crossbar.g_min_siemens;
            return o;
        }
        double g = g_target;
        if (c_.d2d_sigma > 0) g *= 1.0 + c_.d2d_sigma * cell.normal();
        g = std::clamp(g, lo_, hi_);
        const double t = c_.pcm_t_inference_s;
        const bool pcm = c_.pcm_programming_noise || t > 0 || c_.pcm_read_noise;
        if (!pcm) {
            o.g_ref = o.g_now = g;
            return o;
        }
        g = std::min(g, c_.crossbar.g_max_siemens);  // the PCM model's targets lie in [0, g_max]
        devices::PcmCell programmed = devices::pcm_program(pcm_, g, write);
        if (!c_.pcm_programming_noise) programmed.g_prog_siemens = g;
        const double g_prog = programmed.g_prog_siemens;
        o.g_ref = std::clamp(g_prog, pcm_lo_, pcm_hi_);
        o.g_now = std::clamp(o.g_ref * devices::pcm_drift_factor(pcm_, programmed.nu, t), pcm_lo_, pcm_hi_);
        if (!c_.pcm_read_noise) return o;
        // Joshi 2020: sigma_read of the drifted conductance, Q_s at the programmed one.
        const double s_now = devices::pcm_read_noise_sigma_siemens(pcm_, o.g_now, g_prog, t);
        if (c_.pcm_read_noise_mode == ReadNoiseMode::frozen) {
            o.g_now = std::clamp(o.g_now + s_now * frozen.normal(), pcm_lo_, pcm_hi_);
        } else {
            o.read_var = s_now * s_now;
            const double s_ref = devices::pcm_read_noise_sigma_siemens(pcm_, o.g_ref, g_prog, 0.0);
            o.ref_var = s_ref * s_ref;
        }
        return o;
    }

private:
    const AnalogConfig& c_;
    devices::PcmStatisticalParams pcm_;
    double lo_ = 0, hi_ = 0;          // the cell's window (device presets) or the ohmic bounds
    double pcm_lo_ = 0, pcm_hi_ = 0;  // after the PCM noise draws: the same, or [0, inf) (pcm.clamp)
};

// G+ and G- (R, C) each as the arrays of the tile: interleaved columns or two arrays.
std::vector<Eigen::MatrixXd> arrange(const netlists::CrossbarSpec& spec, Eigen::MatrixXd plus, Eigen::MatrixXd minus) {
    std::vector<Eigen::MatrixXd> g;
    if (spec.differential == netlists::Differential::columns) {
        Eigen::MatrixXd both(plus.rows(), 2 * plus.cols());
        for (Eigen::Index k = 0; k < plus.cols(); ++k) {
            both.col(2 * k) = plus.col(k);
            both.col(2 * k + 1) = minus.col(k);
        }
        g.push_back(std::move(both));
    } else {
        g.push_back(std::move(plus));
        g.push_back(std::move(minus));
    }
    return g;
}

}  // namespace

std::uint64_t tile_seed(std::uint64_t seed, int layer_index, int tile_row, int tile_col, std::uint64_t purpose) {
    std::uint64_t h = splitmix(seed);
    h = splitmix(h ^ std::uint64_t(layer_index));
    h = splitmix(h ^ (std::uint64_t(tile_row) << 32 | std::uint64_t(std::uint32_t(tile_col))));
    return splitmix(h ^ purpose);
}

std::vector<TilePlace> tile_places(const AnalogConfig& c, int out, int in) {
    const int R = c.crossbar.spec.rows, C = c.crossbar.spec.cols;
    std::vector<TilePlace> places;
    for (int tr = 0; tr * R < in; ++tr)
        for (int tc = 0; tc * C < out; ++tc)
            places.push_back({tr, tc, tr * R, std::min(R, in - tr * R), tc * C, std::min(C, out - tc * C)});
    return places;
}

LayerTile program_layer_tile(const AnalogConfig& c, const transformer::LinearLayer& layer, double w_max,
                             const TilePlace& p) {
    Eigen::MatrixXd w(p.rows, p.cols);  // block of W^T / w_max
    for (int r = 0; r < p.rows; ++r)
        for (int k = 0; k < p.cols; ++k) w(r, k) = layer.w(p.col0 + k, p.row0 + r) / w_max;
    return program_tile_block(c, w, p, tile_seed(c.seed, layer.index, p.tile_row, p.tile_col, 1), std::nullopt);
}

LayerTile program_tile_block(const AnalogConfig& c, const Eigen::MatrixXd& w, const TilePlace& p,
                             std::uint64_t cell_seed, std::optional<std::uint64_t> write_seed) {
    const auto& spec = c.crossbar.spec;
    const int R = spec.rows, C = spec.cols;
    const double g_min = c.crossbar.g_min_siemens, dg = c.crossbar.g_max_siemens - g_min;
    // Targets of the pair, (R, C) each.
    Eigen::MatrixXd plus = Eigen::MatrixXd::Constant(R, C, g_min), minus = plus;
    for (int r = 0; r < p.rows; ++r)
        for (int k = 0; k < p.cols; ++k) {
            plus(r, k) += dg * std::max(w(r, k), 0.0);
            minus(r, k) += dg * std::max(-w(r, k), 0.0);
        }
    devices::Rng rng(cell_seed), write_rng(write_seed.value_or(0));
    devices::Rng& write = write_seed ? write_rng : rng;
    // Its own stream, so frozen read noise leaves the programming draws as they are.
    devices::Rng frozen(splitmix(write_seed.value_or(cell_seed) ^ 0x66726f7a656eULL));
    const CellRealiser realise(c);
    Eigen::MatrixXd ref_plus(R, C), ref_minus(R, C), plus_now(R, C), minus_now(R, C);
    Eigen::MatrixXd var = Eigen::MatrixXd::Zero(R, C), ref_var = var;
    for (int half = 0; half < 2; ++half) {  // G+ cells, then G- cells
        const Eigen::MatrixXd& target = half == 0 ? plus : minus;
        Eigen::MatrixXd& now = half == 0 ? plus_now : minus_now;
        Eigen::MatrixXd& ref = half == 0 ? ref_plus : ref_minus;
        for (int r = 0; r < R; ++r)
            for (int k = 0; k < C; ++k) {
                const CellOutcome o = realise(target(r, k), rng, write, frozen);
                now(r, k) = o.g_now;
                ref(r, k) = o.g_ref;
                var(r, k) += o.read_var;
                ref_var(r, k) += o.ref_var;
            }
    }
    const bool per_mvm_noise = c.pcm_read_noise && c.pcm_read_noise_mode == ReadNoiseMode::per_mvm;
    LayerTile t{p, cosim::program_tile(c.crossbar, arrange(spec, std::move(plus_now), std::move(minus_now))), 1.0,
                {}, {}, nullptr};
    t.row_g_siemens = row_conductance_sums(t.tile);
    if (c.pcm_t_inference_s > 0 && c.pcm_drift_compensation) {
        auto base = std::make_shared<TileBaseline>();
        base->tile = cosim::program_tile(c.crossbar, arrange(spec, std::move(ref_plus), std::move(ref_minus)));
        if (per_mvm_noise) base->read_var_a2_per_v2 = std::move(ref_var);
        t.baseline = std::move(base);
    }
    if (per_mvm_noise) t.read_var_a2_per_v2 = std::move(var);
    return t;
}

}  // namespace kirchhoff::analog
