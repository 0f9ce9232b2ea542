// AdamW with a warm-up + cosine learning-rate schedule and global gradient-norm clipping.
//
// AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019), step t
// counted from 1:
//   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2
//   p -= lr(t) (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd p)
// with weight decay on matrices (embedding, linear layers) and not on norm gains (GPT-2 /
// nanoGPT practice). Schedule: linear warm-up from lr/warmup to lr over `warmup` steps, then
// cosine decay to lr_min at the last step (Loshchilov & Hutter, SGDR, ICLR 2017, one cycle).
// Clipping: g *= max_norm / ||g|| when ||g|| > max_norm (Pascanu et al., ICML 2013); the norm
// is summed in double over fixed blocks, in order. Element-wise updates are parallel and
// independent, so the result does not depend on the thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "training/layout.hpp"

namespace kirchhoff::training {

struct AdamWOptions {
    double lr = 1e-3;            // peak learning rate
    double lr_min = 1e-4;        // at the last step
    std::int64_t warmup_steps = 100;
    std::int64_t total_steps = 1000;
    double beta1 = 0.9;
    double beta2 = 0.99;
    double eps = 1e-8;
    double weight_decay = 0.1;
    double grad_clip = 1.0;      // max global L2 norm; 0 = no clipping
};

/// Learning rate at optimizer step `step` (1-based).
double learning_rate(const AdamWOptions& o, std::int64_t step);

/// Global L2 norm of g, in double, deterministic.
double global_norm(std::span<const float> g);

class AdamW {
public:
    AdamW(const ParamLayout& layout, AdamWOptions options);
    /// Clips grad in place, then applies step `step` (1-based) to params. Returns the norm of
    /// the gradient before clipping.
    double step(std::span<float> params, std::span<float> grad, std::int64_t step);

    std::vector<float>& m() { return m_; }
    std::vector<float>& v() { return v_; }
    const std::vector<float>& m() const { return m_; }
    const std::vector<float>& v() const { return v_; }
    const AdamWOptions& options() const { return options_; }

private:
    AdamWOptions options_;
    std::vector<float> m_, v_;
    std::vector<float> decay_;  // per-parameter weight-decay factor (1 or 0), layout order
};

}  // namespace kirchhoff::training
