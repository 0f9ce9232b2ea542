// Test support: tiny random models and an independent, obviously-correct reference forward
// pass (whole sequence at once, causal mask, no KV cache, float64, complex-number RoPE).
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <filesystem>

#include <random>
#include <string>
#include <vector>

#include "support/scratch_dir.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::transformer::testing {

// The test process's scratch folder, removed when the test process exits.
inline const std::filesystem::path& temp_dir() { return kirchhoff::test::scratch_root(); }

// Uniform in [-scale, scale) from a fixed generator (portable: no std distributions).
struct Filler {
    std::mt19937_64 rng;
    explicit Filler(std::uint64_t seed) : rng(seed) {}
    float next(float scale) {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        return static_cast<float>((2.0 * u - 1.0) * scale);
    }
    void fill(std::vector<float>& v, float scale, float offset = 0.0f) {
        for (float& x : v) x = offset + next(scale);
    }
};

inline void randomize(Model& m, std::uint64_t seed) {
    Filler f(seed);
    f.fill(m.token_embedding, 1.0f);
    f.fill(m.position_embedding, 0.5f);
    for (Block& b : m.blocks) {
        f.fill(b.attn_norm.weight, 0.2f, 1.0f);
        f.fill(b.attn_norm.bias, 0.1f);
        f.fill(b.mlp_norm.weight, 0.2f, 1.0f);
        f.fill(b.mlp_norm.bias, 0.1f);
    }
    f.fill(m.final_norm.weight, 0.2f, 1.0f);
    f.fill(m.final_norm.bias, 0.1f);
    for (LinearLayer* l : m.linear_layers()) {
        f.fill(l->weight, 1.0f / std::sqrt(static_cast<float>(l->in)) * 1.5f);
        f.fill(l->bias, 0.1f);
    }
}

inline Model tiny_llama(std::uint64_t seed, bool shared = false) {
    ModelConfig c;
    c.arch = Architecture::llama;
    c.dim = 16;
    c.hidden_dim = 24;
    c.n_layers = 2;
    c.n_heads = 4;
    c.n_kv_heads = 2;
    c.vocab_size = 11;
    c.seq_len = 12;
    c.shared_classifier = shared;
    Model m = make_model(c);
    randomize(m, seed);
    return m;
}

inline Model tiny_gpt2(std::uint64_t seed) {
    ModelConfig c;
    c.arch = Architecture::gpt2;
    c.dim = 12;
    c.hidden_dim = 48;
    c.n_layers = 2;
    c.n_heads = 3;
    c.n_kv_heads = 3;
    c.vocab_size = 13;
    c.seq_len = 10;
    c.shared_classifier = true;
    Model m = make_model(c);
    randomize(m, seed);
    return m;
}

// ---- the reference: plain loops over the whole sequence ----

using Mat = std::vector<std::vector<double>>;  // (T, n)

inline std::vector<double> ref_linear(const LinearLayer& l, const std::vector<double>& x) {
    std::vector<double> y(l.out);
    for (int r = 0; r < l.out; ++r) {
        double s = l.bias.empty() ? 0.0 : l.bias[r];
        for (int c = 0; c < l.in; ++c) s += static_cast<double>(l.w(r, c)) * x[c];
        y[r] = s;
    }
    return y;
}

inline std::vector<double> ref_norm(const Norm& n, const std::vector<double>& x, double eps) {
    const double N = static_cast<double>(x.size());
    std::vector<double> y(x.size());
    if (n.bias.empty()) {
        double ms = 0;
        for (double v : x) ms += v * v / N;
        for (std::size_t i = 0; i < x.size(); ++i) y[i] = n.weight[i] * x[i] / std::sqrt(ms + eps);
    } else {
        double mean = 0, var = 0;
        for (double v : x) mean += v / N;
        for (double v : x) var += (v - mean) * (v - mean) / N;
        for (std::size_t i = 0; i < x.size(); ++i)
            y[i] = (x[i] - mean) / std::sqrt(var + eps) * n.weight[i] + n.bias[i];
    }
    return y;
}

// RoPE as a complex rotation of consecutive pairs within each head.
inline void ref_rope(std::vector<double>& v, int head_size, int pos, double theta) {
    for (std::size_t h0 = 0; h0 < v.size(); h0 += head_size)
        for (int j = 0; j < head_size / 2; ++j) {
            const double angle = pos * std::pow(theta, -2.0 * j / head_size);
            const std::complex<double> z(v[h0 + 2 * j], v[h0 + 2 * j + 1]);
            const std::complex<double> r = z * std::polar(1.0, angle);
            v[h0 + 2 * j] = r.real();
            v[h0 + 2 * j + 1] = r.imag();
        }
}

// Logits (T, vocab) for the whole sequence.
inline Mat reference_logits(const Model& m, const std::vector<int>& tokens) {
    const ModelConfig& c = m.config;
    const bool gpt2 = c.arch == Architecture::gpt2;
    const int T = static_cast<int>(tokens.size());
    const int hs = c.head_size();
    Mat x(T);
    for (int t = 0; t < T; ++t) {
        const auto e = m.embedding(tokens[t]);
        x[t].assign(e.begin(), e.end());
        if (gpt2)
            for (int i = 0; i < c.dim; ++i) x[t][i] += m.position_embedding[t * c.dim + i];
    }
    for (const Block& b : m.blocks) {
        Mat q(T), k(T), v(T);
        for (int t = 0; t < T; ++t) {
            const auto xn = ref_norm(b.attn_norm, x[t], c.norm_eps);
            q[t] = ref_linear(b.q, xn);
            k[t] = ref_linear(b.k, xn);
            v[t] = ref_linear(b.v, xn);
            if (!gpt2) {
                ref_rope(q[t], hs, t, c.rope_theta);
                ref_rope(k[t], hs, t, c.rope_theta);
            }
        }
        for (int t = 0; t < T; ++t) {
            std::vector<double> att(c.dim, 0.0);
            for (int h = 0; h < c.n_heads; ++h) {
                const int kvh = h * c.n_kv_heads / c.n_heads;
                std::vector<double> w(t + 1);
                double max = -1e300, sum = 0;
                for (int s = 0; s <= t; ++s) {
                    double dot = 0;
                    for (int i = 0; i < hs; ++i) dot += q[t][h * hs + i] * k[s][kvh * hs + i];
                    w[s] = dot / std::sqrt(static_cast<double>(hs));
                    max = std::max(max, w[s]);
                }
                for (double& a : w) sum += (a = std::exp(a - max));
                for (int s = 0; s <= t; ++s)
                    for (int i = 0; i < hs; ++i) att[h * hs + i] += w[s] / sum * v[s][kvh * hs + i];
            }
            const auto o = ref_linear(b.o, att);
            for (int i = 0; i < c.dim; ++i) x[t][i] += o[i];
            const auto xn = ref_norm(b.mlp_norm, x[t], c.norm_eps);
            std::vector<double> h;
            if (gpt2) {
                h = ref_linear(b.up, xn);
                for (double& a : h)
                    a = 0.5 * a * (1 + std::tanh(std::sqrt(2 / M_PI) * (a + 0.044715 * a * a * a)));
            } else {
                const auto g = ref_linear(b.gate, xn);
                const auto u = ref_linear(b.up, xn);
                h.resize(g.size());
                for (std::size_t i = 0; i < g.size(); ++i) h[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
            }
            const auto d = ref_linear(b.down, h);
            for (int i = 0; i < c.dim; ++i) x[t][i] += d[i];
        }
    }
    Mat logits(T);
    for (int t = 0; t < T; ++t) logits[t] = ref_linear(m.classifier, ref_norm(m.final_norm, x[t], c.norm_eps));
    return logits;
}

}  // namespace kirchhoff::transformer::testing
