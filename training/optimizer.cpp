// AdamW, schedule, clipping (see optimizer.hpp).
#include "training/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kirchhoff::training {

double learning_rate(const AdamWOptions& o, std::int64_t step) {
    if (step <= o.warmup_steps) return o.lr * static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, o.warmup_steps));
    const double span = static_cast<double>(std::max<std::int64_t>(1, o.total_steps - o.warmup_steps));
    const double progress = std::min(1.0, static_cast<double>(step - o.warmup_steps) / span);
    return o.lr_min + 0.5 * (o.lr - o.lr_min) * (1.0 + std::cos(std::numbers::pi * progress));
}

double global_norm(std::span<const float> g) {
    constexpr std::size_t block = 1 << 14;
    const std::size_t nb = (g.size() + block - 1) / block;
    std::vector<double> partial(nb, 0.0);
#pragma omp parallel for schedule(static)
    for (std::size_t b = 0; b < nb; ++b) {
        double s = 0;
        for (std::size_t i = b * block; i < std::min(g.size(), (b + 1) * block); ++i)
            s += static_cast<double>(g[i]) * g[i];
        partial[b] = s;
    }
    double total = 0;
    for (double p : partial) total += p;
    return std::sqrt(total);
}

AdamW::AdamW(const ParamLayout& layout, AdamWOptions options)
    : options_(options), m_(layout.total, 0.0f), v_(layout.total, 0.0f), decay_(layout.total, 0.0f) {
    for (const TensorSlot& s : layout.slots)
        if (s.role != TensorRole::norm)
            std::fill(decay_.begin() + static_cast<std::ptrdiff_t>(s.offset),
                      decay_.begin() + static_cast<std::ptrdiff_t>(s.offset + s.size()), 1.0f);
}

double AdamW::step(std::span<float> params, std::span<float> grad, std::int64_t t) {
    const AdamWOptions& o = options_;
    const double norm = global_norm(grad);
    const float clip = (o.grad_clip > 0 && norm > o.grad_clip) ? static_cast<float>(o.grad_clip / norm) : 1.0f;
    const double lr = learning_rate(o, t);
    const double bc1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
    const float b1 = static_cast<float>(o.beta1), b2 = static_cast<float>(o.beta2);
    const float step_size = static_cast<float>(lr / bc1);
    const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
    const float eps = static_cast<float>(o.eps);
    const float decay = static_cast<float>(lr * o.weight_decay);
    const std::size_t n = params.size();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
        const float g = grad[i] * clip;
        grad[i] = g;
        m_[i] = b1 * m_[i] + (1.0f - b1) * g;
        v_[i] = b2 * v_[i] + (1.0f - b2) * g * g;
        params[i] -= step_size * m_[i] / (std::sqrt(v_[i]) * inv_sqrt_bc2 + eps) + decay * decay_[i] * params[i];
    }
    return norm;
}

}  // namespace kirchhoff::training
