// Weights to conductances with programming non-idealities (tile_programming.hpp).
#include "analog/tile_programming.hpp"

#include <algorithm>
#include <cmath>

#include "analog/op_counts.hpp"
#include "devices/pcm_statistical.hpp"
#include "devices/rng.hpp"

namespace kirchhoff::analog {

namespace {

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct CellOutcome {
    double g_ref = 0, g_now = 0, read_var = 0;  // S, S, S^2
};

class CellRealiser {
public:
    explicit CellRealiser(const AnalogConfig& c) : c_(c) {
        pcm_.g_max_siemens = c.crossbar.g_max_siemens;
        const bool device = c.crossbar.device_preset != "linear";
        lo_ = device ? c.crossbar.g_min_siemens : c.crossbar.g_min_siemens / 100;
        hi_ = device ? c.crossbar.g_max_siemens : 2 * c.crossbar.g_max_siemens;
    }

    // cell: what belongs to the physical cell (fault, d2d factor); write: what belongs to this
    // programming (PCM noise, drift exponent). The same stream for tiles written once.
    CellOutcome operator()(double g_target, devices::Rng& cell, devices::Rng& write) const {
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
        const bool pcm = c_.pcm_programming_noise || t > 0;
        if (!pcm) {
            o.g_ref = o.g_now = g;
            return o;
        }
        g = std::min(g, c_.crossbar.g_max_siemens);  // the PCM model's targets lie in [0, g_max]
        devices::PcmCell programmed = devices::pcm_program(pcm_, g, write);
        if (!c_.pcm_programming_noise) programmed.g_prog_siemens = g;
        o.g_ref = std::clamp(programmed.g_prog_siemens, lo_, hi_);
        o.g_now = std::clamp(o.g_ref * devices::pcm_drift_factor(pcm_, programmed.nu, t), lo_, hi_);
        if (c_.pcm_read_noise) {
            const double s = devices::pcm_read_noise_sigma_siemens(pcm_, o.g_now, std::max(g, 1e-30), t);
            o.read_var = s * s;
        }
        return o;
    }

private:
    const AnalogConfig& c_;
    devices::PcmStatisticalParams pcm_;
    double lo_ = 0, hi_ = 0;
};

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
    const CellRealiser realise(c);
    Eigen::MatrixXd plus_now(R, C), minus_now(R, C);
    Eigen::MatrixXd var = Eigen::MatrixXd::Zero(R, C);
    double sum_ref = 0, sum_now = 0;
    for (int half = 0; half < 2; ++half) {  // G+ cells, then G- cells
        const Eigen::MatrixXd& target = half == 0 ? plus : minus;
        Eigen::MatrixXd& now = half == 0 ? plus_now : minus_now;
        for (int r = 0; r < R; ++r)
            for (int k = 0; k < C; ++k) {
                const CellOutcome o = realise(target(r, k), rng, write);
                now(r, k) = o.g_now;
                var(r, k) += o.read_var;
                sum_ref += o.g_ref;
                sum_now += o.g_now;
            }
    }
    std::vector<Eigen::MatrixXd> g;
    if (spec.differential == netlists::Differential::columns) {
        Eigen::MatrixXd both(R, 2 * C);
        for (int k = 0; k < C; ++k) {
            both.col(2 * k) = plus_now.col(k);
            both.col(2 * k + 1) = minus_now.col(k);
        }
        g.push_back(std::move(both));
    } else {
        g.push_back(std::move(plus_now));
        g.push_back(std::move(minus_now));
    }
    LayerTile t{p, cosim::program_tile(c.crossbar, std::move(g)), 1.0, {}, {}};
    t.row_g_siemens = row_conductance_sums(t.tile);
    if (c.pcm_t_inference_s > 0 && c.pcm_drift_compensation && sum_now > 0) t.drift_compensation = sum_ref / sum_now;
    if (c.pcm_read_noise) t.read_var_a2_per_v2 = std::move(var);
    return t;
}

}  // namespace kirchhoff::analog
