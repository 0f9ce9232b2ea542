// Hardware-aware training backend, PCM programming noise, weight clipping (see hwa.hpp).
#include "training/hwa.hpp"

#include <algorithm>
#include <cmath>

#include "devices/converters.hpp"
#include "devices/pcm_statistical.hpp"
#include "training/kernels.hpp"
#include "training/rng.hpp"

namespace kirchhoff::training {

namespace {

/// v[j] += sd * z_(first + j), z the normals of stream `key` by index (pairs share one draw;
/// an odd `first` starts with the second half of a pair), the same however rows are split.
template <class S>
void add_noise(S* v, int n, S sd, std::uint64_t key, std::uint64_t first) {
    std::uint64_t i = first;
    int j = 0;
    if (i % 2 == 1 && n > 0) v[j++] += sd * static_cast<S>(counter_normal_pair(key, i / 2).b), ++i;
    for (; j + 1 < n; j += 2, i += 2) {
        const NormalPair z = counter_normal_pair(key, i / 2);
        v[j] += sd * static_cast<S>(z.a);
        v[j + 1] += sd * static_cast<S>(z.b);
    }
    if (j < n) v[j] += sd * static_cast<S>(counter_normal_pair(key, i / 2).a);
}

}  // namespace

std::string_view weight_noise_name(WeightNoise w) {
    switch (w) {
        case WeightNoise::none: return "none";
        case WeightNoise::gaussian: return "gaussian";
        case WeightNoise::pcm: return "pcm";
    }
    return "?";
}

bool HwaOptions::forward_enabled() const {
    return weight_noise != WeightNoise::none || input_noise_rel > 0 || output_noise_rel > 0 ||
           dac_bits > 0 || adc_bits > 0;
}


std::int64_t clip_weights(const ParamLayout& layout, std::span<float> params, double k_sigma) {
    if (!(k_sigma > 0)) return 0;
    std::int64_t clipped = 0;
    for (int slot : layout.linear) {
        const TensorSlot& s = layout.slots[slot];
        float* w = params.data() + s.offset;
        const std::size_t n = s.size();
        double sum = 0, sum2 = 0;
        for (std::size_t i = 0; i < n; ++i) {
            sum += w[i];
            sum2 += static_cast<double>(w[i]) * w[i];
        }
        const double mean = sum / static_cast<double>(n);
        const double std = std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - mean * mean));
        const float bound = static_cast<float>(k_sigma * std);
        for (std::size_t i = 0; i < n; ++i)
            if (w[i] > bound || w[i] < -bound) {
                w[i] = std::clamp(w[i], -bound, bound);
                ++clipped;
            }
    }
    return clipped;
}

template <class S>
HardwareAwareLinear<S>::HardwareAwareLinear(HwaOptions options, int n_linear)
    : options_(options), layers_(static_cast<std::size_t>(n_linear)) {}

template <class S>
void HardwareAwareLinear<S>::begin_step(std::int64_t step, bool training) {
    // Evaluation passes draw from streams of their own (the training ones stay untouched).
    step_key_ = static_cast<std::uint64_t>(step) * 2 + (training ? 0 : 1);
}

template <class S>
void HardwareAwareLinear<S>::forward(const TrainLinearInfo& info, const S* w, const S* x, S* y, int n) {
    const HwaOptions& o = options_;
    Layer& L = layers_.at(info.index);
    const std::size_t nw = static_cast<std::size_t>(info.out) * info.in;
    const std::size_t nx = static_cast<std::size_t>(n) * info.in;
    L.n = n;
    S w_max = 0;
    for (std::size_t i = 0; i < nw; ++i) w_max = std::max(w_max, std::abs(w[i]));

    // Weights: W' = W + noise (Joshi 2020 Gaussian; PCM differential pair).
    L.w.assign(w, w + nw);
    const std::uint64_t wkey = stream_key(o.seed, step_key_, info.index, static_cast<std::uint64_t>(Stream::weight_noise));
    if (o.weight_noise == WeightNoise::gaussian && w_max > 0) {
        const S sd = static_cast<S>(o.weight_noise_rel) * w_max;
#pragma omp parallel for schedule(static)
        for (std::size_t p = 0; p < nw / 2; ++p) {
            const NormalPair z = counter_normal_pair(wkey, p);
            L.w[2 * p] += sd * static_cast<S>(z.a);
            L.w[2 * p + 1] += sd * static_cast<S>(z.b);
        }
        if (nw % 2 == 1) L.w[nw - 1] += sd * static_cast<S>(counter_normal_pair(wkey, nw / 2).a);
    } else if (o.weight_noise == WeightNoise::pcm && w_max > 0) {
        const double gmax = o.pcm_g_max_siemens;
        devices::PcmStatisticalParams pcm;  // the device library's statistics, scaled to gmax
        pcm.g_max_siemens = gmax;
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nw; ++i) {
            const double wi = static_cast<double>(w[i]) / static_cast<double>(w_max);
            double gp = std::max(wi, 0.0) * gmax, gm = std::max(-wi, 0.0) * gmax;
            const NormalPair z = counter_normal_pair(wkey, i);
            gp = devices::pcm_programmed_siemens(pcm, gp, z.a, o.pcm_noise_scale);
            gm = devices::pcm_programmed_siemens(pcm, gm, z.b, o.pcm_noise_scale);
            L.w[i] = static_cast<S>((gp - gm) / gmax) * w_max;
        }
    }

    // Inputs: DAC quantisation and input noise, per row scaled by its max |x|.
    L.x.assign(x, x + nx);
    std::vector<S> x_max(static_cast<std::size_t>(n), S(0));
    const int l_dac = devices::signed_levels(o.dac_bits);
    const std::uint64_t ikey = stream_key(o.seed, step_key_, info.index, static_cast<std::uint64_t>(Stream::input_noise));
#pragma omp parallel for schedule(static)
    for (int r = 0; r < n; ++r) {
        S* row = L.x.data() + static_cast<std::size_t>(r) * info.in;
        S m = 0;
        for (int j = 0; j < info.in; ++j) m = std::max(m, std::abs(row[j]));
        x_max[r] = m;
        if (m == 0) continue;
        if (l_dac > 0)
            for (int j = 0; j < info.in; ++j)
                row[j] = devices::dac_level(row[j] / m, static_cast<S>(l_dac)) * m / static_cast<S>(l_dac);
        if (o.input_noise_rel > 0) add_noise(row, info.in, static_cast<S>(o.input_noise_rel) * m, ikey,
                                             static_cast<std::uint64_t>(r) * info.in);
    }

    matmul_xwt(y, L.x.data(), L.w.data(), n, info.in, info.out);

    // Outputs: noise, then the ADC (clip and quantise).
    const int l_adc = devices::signed_levels(o.adc_bits);
    L.pass.assign(l_adc > 0 ? static_cast<std::size_t>(n) * info.out : 0, 1);
    if (o.output_noise_rel <= 0 && l_adc == 0) return;
    const std::uint64_t okey = stream_key(o.seed, step_key_, info.index, static_cast<std::uint64_t>(Stream::output_noise));
#pragma omp parallel for schedule(static)
    for (int r = 0; r < n; ++r) {
        S* row = y + static_cast<std::size_t>(r) * info.out;
        const S scale = w_max * x_max[r];
        if (o.output_noise_rel > 0) add_noise(row, info.out, static_cast<S>(o.output_noise_rel) * scale, okey,
                                              static_cast<std::uint64_t>(r) * info.out);
        if (l_adc > 0) {
            const S bound = static_cast<S>(o.adc_bound) * scale;
            unsigned char* pass = L.pass.data() + static_cast<std::size_t>(r) * info.out;
            for (int j = 0; j < info.out; ++j) {
                if (bound == 0) {
                    row[j] = 0;
                    continue;
                }
                if (row[j] > bound || row[j] < -bound) pass[j] = 0;  // clipped: no gradient through it
                row[j] = devices::adc_quantize(row[j], bound, static_cast<S>(l_adc));
            }
        }
    }
}

template <class S>
void HardwareAwareLinear<S>::backward(const TrainLinearInfo& info, const S* w, const S* x, const S* dy,
                                      S* dx, S* dw, int n) {
    (void)w;
    (void)x;
    Layer& L = layers_.at(info.index);
    const S* g = dy;
    std::vector<S> masked;
    if (!L.pass.empty()) {
        const std::size_t ny = static_cast<std::size_t>(n) * info.out;
        masked.assign(dy, dy + ny);
        for (std::size_t i = 0; i < ny; ++i)
            if (!L.pass[i]) masked[i] = 0;
        g = masked.data();
    }
    matmul_dyw(dx, g, L.w.data(), n, info.in, info.out, false);
    matmul_dytx(dw, g, L.x.data(), n, info.in, info.out, false);
}

template class HardwareAwareLinear<float>;
template class HardwareAwareLinear<double>;

}  // namespace kirchhoff::training
