// Flat parameter layout, initialisation, conversion to and from Model.
#include "training/layout.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "params/error.hpp"
#include "training/rng.hpp"

namespace kirchhoff::training {

ParamLayout::ParamLayout(const ModelConfig& c) : config(c) {
    if (c.arch != transformer::Architecture::llama)
        throw InputError("training: only the Llama architecture is trained (RMSNorm, RoPE, SwiGLU)");
    c.validate("training model configuration");
    const auto add = [&](std::string name, TensorRole role, int rows, int cols, int block,
                         LinearKind kind) {
        TensorSlot s;
        s.name = std::move(name);
        s.role = role;
        s.offset = total;
        s.rows = rows;
        s.cols = cols;
        s.block = block;
        s.kind = kind;
        total += s.size();
        slots.push_back(std::move(s));
        return static_cast<int>(slots.size()) - 1;
    };
    embedding = add("tok_embedding", TensorRole::embedding, c.vocab_size, c.dim, -1, LinearKind::classifier);
    for (int b = 0; b < c.n_layers; ++b) {
        const auto lin = [&](LinearKind k, int out, int in) {
            return add(fmt::format("layers.{}.{}", b, transformer::linear_kind_name(k)),
                       TensorRole::linear, out, in, b, k);
        };
        BlockSlots bs{};
        bs.attn_norm = add(fmt::format("layers.{}.attn_norm", b), TensorRole::norm, 1, c.dim, b, LinearKind::q);
        bs.q = lin(LinearKind::q, c.dim, c.dim);
        bs.k = lin(LinearKind::k, c.kv_dim(), c.dim);
        bs.v = lin(LinearKind::v, c.kv_dim(), c.dim);
        bs.o = lin(LinearKind::o, c.dim, c.dim);
        bs.mlp_norm = add(fmt::format("layers.{}.mlp_norm", b), TensorRole::norm, 1, c.dim, b, LinearKind::q);
        bs.gate = lin(LinearKind::gate, c.hidden_dim, c.dim);
        bs.down = lin(LinearKind::down, c.dim, c.hidden_dim);
        bs.up = lin(LinearKind::up, c.hidden_dim, c.dim);
        blocks.push_back(bs);
        // Model::linear_layers() order: q, k, v, o, gate, up, down.
        for (int s : {bs.q, bs.k, bs.v, bs.o, bs.gate, bs.up, bs.down}) linear.push_back(s);
    }
    final_norm = add("final_norm", TensorRole::norm, 1, c.dim, -1, LinearKind::q);
    classifier = c.shared_classifier
                     ? embedding
                     : add("classifier", TensorRole::linear, c.vocab_size, c.dim, -1, LinearKind::classifier);
    linear.push_back(classifier);
    for (std::size_t i = 0; i < linear.size(); ++i) slots[linear[i]].linear_index = static_cast<int>(i);
}

std::vector<float> init_parameters(const ParamLayout& layout, double init_std, std::uint64_t seed) {
    std::vector<float> p(layout.total, 0.0f);
    SplitMix64 rng{seed};
    const double residual_std = init_std / std::sqrt(2.0 * layout.config.n_layers);
    for (const TensorSlot& s : layout.slots) {
        float* w = p.data() + s.offset;
        if (s.role == TensorRole::norm) {
            std::fill(w, w + s.size(), 1.0f);
            continue;
        }
        const bool residual = s.kind == LinearKind::o || s.kind == LinearKind::down;
        const double std = (s.role == TensorRole::linear && residual) ? residual_std : init_std;
        for (std::size_t i = 0; i < s.size(); ++i) w[i] = static_cast<float>(std * rng.normal());
    }
    return p;
}

namespace {

void copy_out(std::span<const float> params, const TensorSlot& s, std::vector<float>& to) {
    to.assign(params.begin() + static_cast<std::ptrdiff_t>(s.offset),
              params.begin() + static_cast<std::ptrdiff_t>(s.offset + s.size()));
}

void copy_in(std::vector<float>& params, const TensorSlot& s, const std::vector<float>& from) {
    if (from.size() != s.size())
        throw InputError(fmt::format("model tensor '{}' has {} values; the training layout needs {} ({} x {})",
                                     s.name, from.size(), s.size(), s.rows, s.cols));
    std::copy(from.begin(), from.end(), params.begin() + static_cast<std::ptrdiff_t>(s.offset));
}

}  // namespace

Model to_model(const ParamLayout& layout, std::span<const float> params) {
    Model m = transformer::make_model(layout.config);
    const auto& sl = layout.slots;
    if (!layout.config.shared_classifier) copy_out(params, sl[layout.embedding], m.token_embedding);
    for (int b = 0; b < layout.config.n_layers; ++b) {
        const ParamLayout::BlockSlots& bs = layout.blocks[b];
        transformer::Block& blk = m.blocks[b];
        copy_out(params, sl[bs.attn_norm], blk.attn_norm.weight);
        copy_out(params, sl[bs.q], blk.q.weight);
        copy_out(params, sl[bs.k], blk.k.weight);
        copy_out(params, sl[bs.v], blk.v.weight);
        copy_out(params, sl[bs.o], blk.o.weight);
        copy_out(params, sl[bs.mlp_norm], blk.mlp_norm.weight);
        copy_out(params, sl[bs.gate], blk.gate.weight);
        copy_out(params, sl[bs.down], blk.down.weight);
        copy_out(params, sl[bs.up], blk.up.weight);
    }
    copy_out(params, sl[layout.final_norm], m.final_norm.weight);
    copy_out(params, sl[layout.classifier], m.classifier.weight);
    m.check();
    return m;
}

std::vector<float> from_model(const ParamLayout& layout, const Model& m) {
    const ModelConfig& a = layout.config;
    const ModelConfig& b = m.config;
    const auto same = [](const char* what, auto x, auto y) {
        if (x != y)
            throw InputError(fmt::format("model {} = {} does not match the training configuration's {}",
                                         what, fmt::to_string(x), fmt::to_string(y)));
    };
    if (b.arch != transformer::Architecture::llama)
        throw InputError("training starts only from Llama-architecture models");
    same("dim", b.dim, a.dim);
    same("hidden_dim", b.hidden_dim, a.hidden_dim);
    same("n_layers", b.n_layers, a.n_layers);
    same("n_heads", b.n_heads, a.n_heads);
    same("n_kv_heads", b.n_kv_heads, a.n_kv_heads);
    same("vocab_size", b.vocab_size, a.vocab_size);
    same("seq_len", b.seq_len, a.seq_len);
    same("shared_classifier", b.shared_classifier, a.shared_classifier);
    std::vector<float> p(layout.total, 0.0f);
    const auto& sl = layout.slots;
    if (!a.shared_classifier) copy_in(p, sl[layout.embedding], m.token_embedding);
    for (int i = 0; i < a.n_layers; ++i) {
        const ParamLayout::BlockSlots& bs = layout.blocks[i];
        const transformer::Block& blk = m.blocks[i];
        copy_in(p, sl[bs.attn_norm], blk.attn_norm.weight);
        copy_in(p, sl[bs.q], blk.q.weight);
        copy_in(p, sl[bs.k], blk.k.weight);
        copy_in(p, sl[bs.v], blk.v.weight);
        copy_in(p, sl[bs.o], blk.o.weight);
        copy_in(p, sl[bs.mlp_norm], blk.mlp_norm.weight);
        copy_in(p, sl[bs.gate], blk.gate.weight);
        copy_in(p, sl[bs.down], blk.down.weight);
        copy_in(p, sl[bs.up], blk.up.weight);
    }
    copy_in(p, sl[layout.final_norm], m.final_norm.weight);
    copy_in(p, sl[layout.classifier], m.classifier.weight);
    return p;
}

}  // namespace kirchhoff::training
