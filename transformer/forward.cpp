// Forward pass: embeddings, blocks (attention + MLP), final norm, classifier.
#include "transformer/forward.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "transformer/ops.hpp"

namespace kirchhoff::transformer {

template <class Scalar>
Forward<Scalar>::Forward(const Model& model, LinearBackend& backend)
    : model_(model), backend_(backend) {
    model_.check();
    const ModelConfig& c = model_.config;
    x_.resize(c.dim);
    xb_.resize(c.dim);
    xb2_.resize(c.dim);
    hb_.resize(c.hidden_dim);
    hb2_.resize(c.hidden_dim);
    q_.resize(c.dim);
    att_.resize(static_cast<std::size_t>(c.n_heads) * c.seq_len);
    logits_.resize(c.vocab_size);
    const std::size_t cache = static_cast<std::size_t>(c.n_layers) * c.seq_len * c.kv_dim();
    key_cache_.resize(cache);
    value_cache_.resize(cache);
    backend_.prepare(model_);
}

template <class Scalar>
void Forward<Scalar>::linear(const LinearLayer& layer, std::span<const Scalar> x,
                             std::span<Scalar> y) {
    if constexpr (std::is_same_v<Scalar, float>)
        backend_.matvec(layer, x, y);
    else
        backend_.matvec_f64(layer, x, y);
    if (!layer.bias.empty())
        for (int i = 0; i < layer.out; ++i) y[i] += static_cast<Scalar>(layer.bias[i]);
}

template <class Scalar>
void Forward<Scalar>::norm(const Norm& n, std::span<Scalar> out, std::span<const Scalar> x) const {
    if (n.bias.empty())
        ops::rmsnorm<Scalar>(out, x, n.weight, model_.config.norm_eps);
    else
        ops::layernorm<Scalar>(out, x, n.weight, n.bias, model_.config.norm_eps);
}

// Multi-head attention of q_ against the cached keys/values of positions 0..pos of `block`;
// result in xb_ (dim). Query head h reads key/value head h / (n_heads / n_kv_heads).
template <class Scalar>
void Forward<Scalar>::attention(int block, int pos) {
    const ModelConfig& c = model_.config;
    const int hs = c.head_size();
    const int kv_dim = c.kv_dim();
    const int group = c.n_heads / c.n_kv_heads;
    const std::size_t layer_off = static_cast<std::size_t>(block) * c.seq_len * kv_dim;
    const Scalar inv_sqrt = Scalar(1) / std::sqrt(static_cast<Scalar>(hs));
    if constexpr (std::is_same_v<Scalar, float>)
        if (backend_.computes_attention()) {
            attention_on_backend(block, pos, layer_off, inv_sqrt);
            return;
        }
    // As in IdealBackend::matvec: threads only where the work outweighs a descheduled thread.
    const bool parallel = static_cast<long>(c.n_heads) * (pos + 1) * hs > 256 * 1024;
#pragma omp parallel for schedule(static) if (parallel)
    for (int h = 0; h < c.n_heads; ++h) {
        const Scalar* q = q_.data() + static_cast<std::size_t>(h) * hs;
        const std::size_t kv_off = static_cast<std::size_t>(h / group) * hs;
        Scalar* att = att_.data() + static_cast<std::size_t>(h) * c.seq_len;
        for (int t = 0; t <= pos; ++t) {
            const Scalar* k = key_cache_.data() + layer_off + static_cast<std::size_t>(t) * kv_dim + kv_off;
            Scalar score = 0;
            for (int i = 0; i < hs; ++i) score += q[i] * k[i];
            att[t] = score * inv_sqrt;
        }
        ops::softmax<Scalar>(std::span<Scalar>(att, static_cast<std::size_t>(pos) + 1));
        Scalar* out = xb_.data() + static_cast<std::size_t>(h) * hs;
        for (int i = 0; i < hs; ++i) out[i] = 0;
        for (int t = 0; t <= pos; ++t) {
            const Scalar* v = value_cache_.data() + layer_off + static_cast<std::size_t>(t) * kv_dim + kv_off;
            const Scalar a = att[t];
            for (int i = 0; i < hs; ++i) out[i] += a * v[i];
        }
    }
}

// The two products on the backend (one call each, all heads, from this thread: the seam's
// calling rule); the scale and the softmax stay here. Float32 only.
template <class Scalar>
void Forward<Scalar>::attention_on_backend(int block, int pos, std::size_t layer_off, Scalar inv_sqrt) {
    if constexpr (std::is_same_v<Scalar, float>) {
        const ModelConfig& c = model_.config;
        const std::size_t rows = (static_cast<std::size_t>(pos) + 1) * c.kv_dim();
        AttentionStep s;
        s.block = block, s.pos = pos, s.n_heads = c.n_heads, s.n_kv_heads = c.n_kv_heads, s.head_size = c.head_size();
        s.keys = std::span<const float>(key_cache_.data() + layer_off, rows);
        s.values = std::span<const float>(value_cache_.data() + layer_off, rows);
        const std::size_t stride = static_cast<std::size_t>(c.seq_len);
        backend_.attention_scores(s, q_, att_, stride);
        for (int h = 0; h < c.n_heads; ++h) {
            const std::span<float> att(att_.data() + h * stride, static_cast<std::size_t>(pos) + 1);
            for (float& a : att) a *= inv_sqrt;
            ops::softmax<float>(att);
        }
        backend_.attention_values(s, att_, stride, xb_);
    } else {
        (void)block, (void)pos, (void)layer_off, (void)inv_sqrt;
    }
}

template <class Scalar>
std::span<const Scalar> Forward<Scalar>::step(int token, int pos) {
    const ModelConfig& c = model_.config;
    if (token < 0 || token >= c.vocab_size)
        throw std::out_of_range(
            fmt::format("token id {} is outside the vocabulary [0, {})", token, c.vocab_size));
    if (pos < 0 || pos >= c.seq_len || (pos != 0 && pos != next_pos_))
        throw std::out_of_range(fmt::format(
            "position {} is not allowed: positions run 0, 1, ... up to seq_len - 1 = {}, and the "
            "next one here is {}",
            pos, c.seq_len - 1, next_pos_));
    next_pos_ = pos + 1;
    const bool gpt2 = c.arch == Architecture::gpt2;
    const int kv_dim = c.kv_dim();

    const std::span<const float> emb = model_.embedding(token);
    for (int i = 0; i < c.dim; ++i) x_[i] = static_cast<Scalar>(emb[i]);
    if (gpt2)
        for (int i = 0; i < c.dim; ++i)
            x_[i] += static_cast<Scalar>(
                model_.position_embedding[static_cast<std::size_t>(pos) * c.dim + i]);

    for (int b = 0; b < c.n_layers; ++b) {
        const Block& blk = model_.blocks[b];
        const std::size_t cache_row =
            (static_cast<std::size_t>(b) * c.seq_len + pos) * static_cast<std::size_t>(kv_dim);
        std::span<Scalar> k(key_cache_.data() + cache_row, kv_dim);
        std::span<Scalar> v(value_cache_.data() + cache_row, kv_dim);

        norm(blk.attn_norm, xb_, x_);
        linear(blk.q, xb_, q_);
        linear(blk.k, xb_, k);
        linear(blk.v, xb_, v);
        if (!gpt2) {
            ops::rope<Scalar>(q_, c.head_size(), pos, c.rope_theta);
            ops::rope<Scalar>(k, c.head_size(), pos, c.rope_theta);
        }
        attention(b, pos);
        linear(blk.o, xb_, xb2_);
        for (int i = 0; i < c.dim; ++i) x_[i] += xb2_[i];

        norm(blk.mlp_norm, xb_, x_);
        if (gpt2) {
            linear(blk.up, xb_, hb_);
            for (Scalar& h : hb_) h = ops::gelu_tanh(h);
        } else {
            linear(blk.gate, xb_, hb_);
            linear(blk.up, xb_, hb2_);
            for (int i = 0; i < c.hidden_dim; ++i) hb_[i] = ops::silu(hb_[i]) * hb2_[i];
        }
        linear(blk.down, hb_, xb2_);
        for (int i = 0; i < c.dim; ++i) x_[i] += xb2_[i];
    }

    norm(model_.final_norm, xb_, x_);
    linear(model_.classifier, xb_, logits_);
    return logits_;
}

template <class Scalar>
std::vector<Scalar> Forward<Scalar>::run(std::span<const int> tokens) {
    const std::size_t vocab = static_cast<std::size_t>(model_.config.vocab_size);
    std::vector<Scalar> all;
    all.reserve(tokens.size() * vocab);
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        const auto logits = step(tokens[t], static_cast<int>(t));
        all.insert(all.end(), logits.begin(), logits.end());
    }
    return all;
}

template class Forward<float>;
template class Forward<double>;

}  // namespace kirchhoff::transformer
