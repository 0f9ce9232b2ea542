// The digital operations of the forward pass that stay outside the linear seam: norms,
// rotary embeddings, softmax, activations. Templated on the scalar (float or double);
// weights are float32 and are read into the scalar's precision.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>

namespace kirchhoff::transformer::ops {

/// RMSNorm (Zhang & Sennrich 2019): out = weight * x / sqrt(mean(x^2) + eps). All (n).
template <class S>
void rmsnorm(std::span<S> out, std::span<const S> x, std::span<const float> weight, float eps) {
    S ss = 0;
    for (S v : x) ss += v * v;
    const S scale = S(1) / std::sqrt(ss / static_cast<S>(x.size()) + static_cast<S>(eps));
    for (std::size_t i = 0; i < x.size(); ++i) out[i] = static_cast<S>(weight[i]) * (scale * x[i]);
}

/// LayerNorm (Ba et al. 2016): out = (x - mean) / sqrt(var + eps) * weight + bias, with the
/// biased variance. All (n).
template <class S>
void layernorm(std::span<S> out, std::span<const S> x, std::span<const float> weight,
               std::span<const float> bias, float eps) {
    const S n = static_cast<S>(x.size());
    S mean = 0;
    for (S v : x) mean += v;
    mean /= n;
    S var = 0;
    for (S v : x) var += (v - mean) * (v - mean);
    var /= n;
    const S scale = S(1) / std::sqrt(var + static_cast<S>(eps));
    for (std::size_t i = 0; i < x.size(); ++i)
        out[i] = (x[i] - mean) * scale * static_cast<S>(weight[i]) + static_cast<S>(bias[i]);
}

/// log sum_k exp(z_k), accumulated in double with the maximum subtracted.
template <class S>
double logsumexp(std::span<const S> z) {
    double max = z[0];
    for (S v : z) max = std::max(max, static_cast<double>(v));
    double sum = 0;
    for (S v : z) sum += std::exp(static_cast<double>(v) - max);
    return max + std::log(sum);
}

/// In-place softmax with the maximum subtracted.
template <class S>
void softmax(std::span<S> x) {
    S max = x[0];
    for (S v : x) max = v > max ? v : max;
    S sum = 0;
    for (S& v : x) {
        v = std::exp(v - max);
        sum += v;
    }
    for (S& v : x) v /= sum;
}

/// SiLU (swish): x * sigmoid(x).
template <class S>
S silu(S x) {
    return x / (S(1) + std::exp(-x));
}

/// GELU, tanh approximation (Hendrycks & Gimpel 2016; GPT-2's "gelu_new"):
/// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
template <class S>
S gelu_tanh(S x) {
    const S k = static_cast<S>(0.7978845608028654);  // sqrt(2 / pi)
    return S(0.5) * x * (S(1) + std::tanh(k * (x + static_cast<S>(0.044715) * x * x * x)));
}

/// Rotary embedding (Su et al. 2021) in llama2.c's layout: within each head of `head_size`,
/// entries (2j, 2j+1) are rotated by the angle pos * theta^(-2j / head_size). v: (n_heads *
/// head_size). Hugging Face checkpoints are permuted into this layout on load.
template <class S>
void rope(std::span<S> v, int head_size, int pos, float theta) {
    for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
        const int j2 = static_cast<int>(i % static_cast<std::size_t>(head_size));
        const S freq = S(1) / std::pow(static_cast<S>(theta), static_cast<S>(j2) / head_size);
        const S angle = static_cast<S>(pos) * freq;
        const S c = std::cos(angle);
        const S s = std::sin(angle);
        const S a = v[i];
        const S b = v[i + 1];
        v[i] = a * c - b * s;
        v[i + 1] = a * s + b * c;
    }
}

}  // namespace kirchhoff::transformer::ops
