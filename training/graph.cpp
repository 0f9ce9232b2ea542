// Forward and backward pass of the training graph (see graph.hpp).
#include "training/graph.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "training/kernels.hpp"

namespace kirchhoff::training {

namespace {

constexpr int token_block = 64;  // fixed blocks for reductions over tokens

template <class S>
void grow(std::vector<S>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
}

/// RMSNorm (Zhang & Sennrich 2019) of n rows of width c: r = 1 / sqrt(mean(x^2) + eps),
/// y = w * x * r. x, y: (n, c); r: (n); w: (c).
template <class S>
void rmsnorm_forward(const S* x, const S* w, S eps, int n, int c, S* y, S* r) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        const S* xi = x + static_cast<std::size_t>(i) * c;
        S* yi = y + static_cast<std::size_t>(i) * c;
        S ss = 0;
        for (int j = 0; j < c; ++j) ss += xi[j] * xi[j];
        const S ri = S(1) / std::sqrt(ss / static_cast<S>(c) + eps);
        r[i] = ri;
        for (int j = 0; j < c; ++j) yi[j] = w[j] * (xi[j] * ri);
    }
}

/// Backward of rmsnorm_forward: with xhat = x r and g = dy * w,
/// dx = r (g - xhat mean(g * xhat)) (written to dx, overwritten); dw += sum_i dy_i * xhat_i,
/// summed over fixed token blocks (partials: (n_blocks, c) scratch), then blocks in order.
template <class S>
void rmsnorm_backward(const S* dy, const S* x, const S* r, const S* w, int n, int c, S* dx,
                      S* dw, std::vector<S>& partials) {
    const int nb = (n + token_block - 1) / token_block;
    grow(partials, static_cast<std::size_t>(nb) * c);
#pragma omp parallel for schedule(static)
    for (int b = 0; b < nb; ++b) {
        S* part = partials.data() + static_cast<std::size_t>(b) * c;
        std::fill(part, part + c, S(0));
        for (int i = b * token_block; i < std::min(n, (b + 1) * token_block); ++i) {
            const std::size_t o = static_cast<std::size_t>(i) * c;
            S dot = 0;
            for (int j = 0; j < c; ++j) {
                const S xhat = x[o + j] * r[i];
                part[j] += dy[o + j] * xhat;
                dot += dy[o + j] * w[j] * xhat;
            }
            dot /= static_cast<S>(c);
            for (int j = 0; j < c; ++j)
                dx[o + j] = r[i] * (dy[o + j] * w[j] - x[o + j] * r[i] * dot);
        }
    }
    for (int b = 0; b < nb; ++b)
        for (int j = 0; j < c; ++j) dw[j] += partials[static_cast<std::size_t>(b) * c + j];
}

template <class S>
S sigmoid(S x) {
    return S(1) / (S(1) + std::exp(-x));
}

}  // namespace

template <class S>
TrainGraph<S>::TrainGraph(const ParamLayout& layout) : layout_(layout) {
    for (int slot : layout_.linear) {
        const TensorSlot& s = layout_.slots[slot];
        TrainLinearInfo info;
        info.name = s.role == TensorRole::embedding || s.kind == LinearKind::classifier ? "classifier" : s.name;
        info.index = s.linear_index;
        info.kind = s.kind;
        info.out = s.rows;
        info.in = s.cols;
        infos_.push_back(std::move(info));
    }
    acts_.resize(layout_.config.n_layers);
}

template <class S>
void TrainGraph<S>::resize(int batch, int seq) {
    const ModelConfig& c = layout_.config;
    const std::size_t n = static_cast<std::size_t>(batch) * seq;
    const std::size_t C = c.dim, KV = c.kv_dim(), H = c.hidden_dim;
    for (LayerActs& a : acts_) {
        for (auto* v : {&a.x_in, &a.xn1, &a.q, &a.ao, &a.x_mid, &a.xn2}) grow(*v, n * C);
        for (auto* v : {&a.k, &a.v}) grow(*v, n * KV);
        for (auto* v : {&a.g, &a.u, &a.hact}) grow(*v, n * H);
        for (auto* v : {&a.rms1, &a.rms2}) grow(*v, n);
        grow(a.probs, static_cast<std::size_t>(batch) * c.n_heads * seq * seq);
    }
    grow(x_final_, n * C);
    grow(xnf_, n * C);
    grow(rmsf_, n);
    grow(logits_, n * c.vocab_size);
    nll_.resize(n);
    inputs_.resize(n);
    targets_.resize(n);
    if (rope_seq_ != seq) {
        // RoPE (Su et al. 2021) angles as ops::rope computes them: pos * theta^(-2j / hs).
        const int hs = c.head_size(), half = hs / 2;
        rope_cos_.assign(static_cast<std::size_t>(seq) * half, S(0));
        rope_sin_.assign(static_cast<std::size_t>(seq) * half, S(0));
        for (int t = 0; t < seq; ++t)
            for (int j = 0; j < half; ++j) {
                const S freq = S(1) / std::pow(static_cast<S>(c.rope_theta), static_cast<S>(2 * j) / hs);
                const S angle = static_cast<S>(t) * freq;
                rope_cos_[static_cast<std::size_t>(t) * half + j] = std::cos(angle);
                rope_sin_[static_cast<std::size_t>(t) * half + j] = std::sin(angle);
            }
        rope_seq_ = seq;
    }
}

// Rotates pairs (2j, 2j+1) of every head of v (batch * seq, width) by the angle of the row's
// position; inverse = the transpose rotation (the backward pass of rope).
template <class S>
void TrainGraph<S>::rope(S* v, int width, bool inverse) const {
    const int hs = layout_.config.head_size(), half = hs / 2;
    const int n = batch_ * seq_;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        const int t = i % seq_;
        const S* cs = rope_cos_.data() + static_cast<std::size_t>(t) * half;
        const S* sn = rope_sin_.data() + static_cast<std::size_t>(t) * half;
        S* row = v + static_cast<std::size_t>(i) * width;
        for (int p = 0; p < width; p += 2) {
            const int j = (p % hs) / 2;
            const S c = cs[j], s = inverse ? -sn[j] : sn[j];
            const S a = row[p], b = row[p + 1];
            row[p] = a * c - b * s;
            row[p + 1] = a * s + b * c;
        }
    }
}

template <class S>
void TrainGraph<S>::linear_forward(TrainLinearBackend<S>& be, int slot, std::span<const S> params,
                                   const S* x, S* y) {
    const TensorSlot& s = layout_.slots[slot];
    be.forward(infos_[s.linear_index], params.data() + s.offset, x, y, batch_ * seq_);
}

template <class S>
void TrainGraph<S>::linear_backward(TrainLinearBackend<S>& be, int slot, std::span<const S> params,
                                    std::span<S> grad, const S* x, const S* dy, S* dx) {
    const TensorSlot& s = layout_.slots[slot];
    grow(dw_, s.size());
    be.backward(infos_[s.linear_index], params.data() + s.offset, x, dy, dx, dw_.data(), batch_ * seq_);
    S* g = grad.data() + s.offset;
    for (std::size_t i = 0; i < s.size(); ++i) g[i] += dw_[i];
}

template <class S>
double TrainGraph<S>::forward(std::span<const S> params, std::span<const int> tokens, int batch,
                              int seq, TrainLinearBackend<S>& be, std::int64_t step, bool training) {
    const ModelConfig& c = layout_.config;
    if (seq < 1 || seq > c.seq_len || batch < 1)
        throw std::out_of_range(fmt::format("training pass: batch {} x seq {} (seq must be 1..{})", batch, seq, c.seq_len));
    if (tokens.size() != static_cast<std::size_t>(batch) * (seq + 1))
        throw std::out_of_range(fmt::format("training pass: {} tokens given, batch x (seq + 1) = {}", tokens.size(),
                                            static_cast<std::size_t>(batch) * (seq + 1)));
    if (params.size() != layout_.total) throw std::logic_error("training pass: parameter buffer of the wrong size");
    for (int t : tokens)
        if (t < 0 || t >= c.vocab_size)
            throw std::out_of_range(fmt::format("token id {} is outside the vocabulary [0, {})", t, c.vocab_size));
    batch_ = batch;
    seq_ = seq;
    resize(batch, seq);
    const int n = batch * seq, C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
    for (int b = 0; b < batch; ++b)
        for (int t = 0; t < seq; ++t) {
            inputs_[b * seq + t] = tokens[static_cast<std::size_t>(b) * (seq + 1) + t];
            targets_[b * seq + t] = tokens[static_cast<std::size_t>(b) * (seq + 1) + t + 1];
        }
    be.begin_step(step, training);
    const S eps = static_cast<S>(c.norm_eps);
    const S* emb = params.data() + layout_.slots[layout_.embedding].offset;
    {
        S* x = c.n_layers > 0 ? acts_[0].x_in.data() : x_final_.data();
#pragma omp parallel for schedule(static)
        for (int i = 0; i < n; ++i)
            std::copy(emb + static_cast<std::size_t>(inputs_[i]) * C, emb + static_cast<std::size_t>(inputs_[i] + 1) * C,
                      x + static_cast<std::size_t>(i) * C);
    }
    const AttentionShape shape{batch, seq, c.n_heads, c.n_kv_heads, c.head_size()};
    for (int l = 0; l < c.n_layers; ++l) {
        LayerActs& a = acts_[l];
        const ParamLayout::BlockSlots& bs = layout_.blocks[l];
        const S* w_an = params.data() + layout_.slots[bs.attn_norm].offset;
        const S* w_mn = params.data() + layout_.slots[bs.mlp_norm].offset;
        rmsnorm_forward(a.x_in.data(), w_an, eps, n, C, a.xn1.data(), a.rms1.data());
        linear_forward(be, bs.q, params, a.xn1.data(), a.q.data());
        linear_forward(be, bs.k, params, a.xn1.data(), a.k.data());
        linear_forward(be, bs.v, params, a.xn1.data(), a.v.data());
        rope(a.q.data(), C, false);
        rope(a.k.data(), KV, false);
        attention_forward(shape, a.q.data(), a.k.data(), a.v.data(), a.probs.data(), a.ao.data());
        linear_forward(be, bs.o, params, a.ao.data(), a.x_mid.data());
        const std::size_t nc = static_cast<std::size_t>(n) * C;
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) a.x_mid[i] += a.x_in[i];
        rmsnorm_forward(a.x_mid.data(), w_mn, eps, n, C, a.xn2.data(), a.rms2.data());
        linear_forward(be, bs.gate, params, a.xn2.data(), a.g.data());
        linear_forward(be, bs.up, params, a.xn2.data(), a.u.data());
        const std::size_t nh = static_cast<std::size_t>(n) * H;
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nh; ++i) a.hact[i] = a.g[i] * sigmoid(a.g[i]) * a.u[i];
        S* x_next = l + 1 < c.n_layers ? acts_[l + 1].x_in.data() : x_final_.data();
        linear_forward(be, bs.down, params, a.hact.data(), x_next);
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) x_next[i] += a.x_mid[i];
    }
    const S* w_fn = params.data() + layout_.slots[layout_.final_norm].offset;
    rmsnorm_forward(x_final_.data(), w_fn, eps, n, C, xnf_.data(), rmsf_.data());
    linear_forward(be, layout_.classifier, params, xnf_.data(), logits_.data());
    // Cross-entropy per target; logits_ becomes softmax probabilities for the backward pass.
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        S* z = logits_.data() + static_cast<std::size_t>(i) * V;
        const S max = *std::max_element(z, z + V);
        double sum = 0;
        for (int j = 0; j < V; ++j) sum += std::exp(static_cast<double>(z[j] - max));
        const double lse = static_cast<double>(max) + std::log(sum);
        nll_[i] = lse - static_cast<double>(z[targets_[i]]);
        for (int j = 0; j < V; ++j) z[j] = static_cast<S>(std::exp(static_cast<double>(z[j]) - lse));
    }
    double total = 0;
    for (int i = 0; i < n; ++i) total += nll_[i];
    return total;
}

template <class S>
void TrainGraph<S>::backward(std::span<const S> params, std::span<S> grad, TrainLinearBackend<S>& be) {
    const ModelConfig& c = layout_.config;
    if (batch_ == 0) throw std::logic_error("TrainGraph::backward before forward");
    if (grad.size() != layout_.total) throw std::logic_error("training pass: gradient buffer of the wrong size");
    const int n = batch_ * seq_, C = c.dim, KV = c.kv_dim(), H = c.hidden_dim, V = c.vocab_size;
    const std::size_t nc = static_cast<std::size_t>(n) * C, nh = static_cast<std::size_t>(n) * H;
    for (auto* v : {&dx_, &dn_, &dt_, &dq_}) grow(*v, nc);
    for (auto* v : {&dk_, &dv_}) grow(*v, static_cast<std::size_t>(n) * KV);
    for (auto* v : {&dh_, &dg_, &du_}) grow(*v, nh);
    std::fill(grad.begin(), grad.end(), S(0));

    // d loss / d logits = (softmax - onehot) / n, in place over the probabilities.
    const S inv_n = S(1) / static_cast<S>(n);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; ++i) {
        S* z = logits_.data() + static_cast<std::size_t>(i) * V;
        z[targets_[i]] -= S(1);
        for (int j = 0; j < V; ++j) z[j] *= inv_n;
    }
    linear_backward(be, layout_.classifier, params, grad, xnf_.data(), logits_.data(), dn_.data());
    rmsnorm_backward(dn_.data(), x_final_.data(), rmsf_.data(), params.data() + layout_.slots[layout_.final_norm].offset,
                     n, C, dx_.data(), grad.data() + layout_.slots[layout_.final_norm].offset, dnorm_);

    const AttentionShape shape{batch_, seq_, c.n_heads, c.n_kv_heads, c.head_size()};
    for (int l = c.n_layers - 1; l >= 0; --l) {
        LayerActs& a = acts_[l];
        const ParamLayout::BlockSlots& bs = layout_.blocks[l];
        // MLP: x = x_mid + hact Wd^T, hact = silu(g) * u.
        linear_backward(be, bs.down, params, grad, a.hact.data(), dx_.data(), dh_.data());
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nh; ++i) {
            const S sg = sigmoid(a.g[i]);
            const S silu = a.g[i] * sg;
            du_[i] = dh_[i] * silu;
            dg_[i] = dh_[i] * a.u[i] * sg * (S(1) + a.g[i] * (S(1) - sg));
        }
        linear_backward(be, bs.up, params, grad, a.xn2.data(), du_.data(), dn_.data());
        linear_backward(be, bs.gate, params, grad, a.xn2.data(), dg_.data(), dt_.data());
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) dn_[i] += dt_[i];
        rmsnorm_backward(dn_.data(), a.x_mid.data(), a.rms2.data(), params.data() + layout_.slots[bs.mlp_norm].offset,
                         n, C, dt_.data(), grad.data() + layout_.slots[bs.mlp_norm].offset, dnorm_);
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) dx_[i] += dt_[i];
        // Attention: x_mid = x_in + ao Wo^T.
        linear_backward(be, bs.o, params, grad, a.ao.data(), dx_.data(), dn_.data());
        attention_backward(shape, a.q.data(), a.k.data(), a.v.data(), a.probs.data(), dn_.data(), dq_.data(),
                           dk_.data(), dv_.data());
        rope(dq_.data(), C, true);
        rope(dk_.data(), KV, true);
        linear_backward(be, bs.v, params, grad, a.xn1.data(), dv_.data(), dn_.data());
        linear_backward(be, bs.k, params, grad, a.xn1.data(), dk_.data(), dt_.data());
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) dn_[i] += dt_[i];
        linear_backward(be, bs.q, params, grad, a.xn1.data(), dq_.data(), dt_.data());
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) dn_[i] += dt_[i];
        rmsnorm_backward(dn_.data(), a.x_in.data(), a.rms1.data(), params.data() + layout_.slots[bs.attn_norm].offset,
                         n, C, dt_.data(), grad.data() + layout_.slots[bs.attn_norm].offset, dnorm_);
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < nc; ++i) dx_[i] += dt_[i];
    }
    // Embedding rows: scatter-add in token order (serial: a fixed order).
    S* gemb = grad.data() + layout_.slots[layout_.embedding].offset;
    for (int i = 0; i < n; ++i) {
        S* row = gemb + static_cast<std::size_t>(inputs_[i]) * C;
        const S* d = dx_.data() + static_cast<std::size_t>(i) * C;
        for (int j = 0; j < C; ++j) row[j] += d[j];
    }
}

template class TrainGraph<float>;
template class TrainGraph<double>;

}  // namespace kirchhoff::training
