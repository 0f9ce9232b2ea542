// Model shapes, names and indices.
#include "transformer/model.hpp"

#include <cmath>
#include <random>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::transformer {

std::string_view architecture_name(Architecture a) {
    return a == Architecture::llama ? "llama" : "gpt2";
}

std::string_view linear_kind_name(LinearKind k) {
    switch (k) {
        case LinearKind::q: return "attn.q";
        case LinearKind::k: return "attn.k";
        case LinearKind::v: return "attn.v";
        case LinearKind::o: return "attn.o";
        case LinearKind::gate: return "mlp.gate";
        case LinearKind::up: return "mlp.up";
        case LinearKind::down: return "mlp.down";
        case LinearKind::classifier: return "classifier";
    }
    return "?";
}

void ModelConfig::validate(std::string_view source) const {
    const auto positive = [&](const char* name, int value) {
        if (value <= 0)
            throw InputError(fmt::format("{}: {} = {} must be a positive integer", source, name,
                                         value));
    };
    positive("dim", dim);
    positive("hidden_dim", hidden_dim);
    positive("n_layers", n_layers);
    positive("n_heads", n_heads);
    positive("n_kv_heads", n_kv_heads);
    positive("vocab_size", vocab_size);
    positive("seq_len", seq_len);
    if (dim % n_heads != 0)
        throw InputError(fmt::format("{}: dim = {} is not a multiple of n_heads = {}", source,
                                     dim, n_heads));
    if (n_heads % n_kv_heads != 0)
        throw InputError(fmt::format(
            "{}: n_heads = {} is not a multiple of n_kv_heads = {} (grouped-query attention "
            "shares each key/value head among n_heads / n_kv_heads query heads)",
            source, n_heads, n_kv_heads));
    if (arch == Architecture::llama && head_size() % 2 != 0)
        throw InputError(fmt::format(
            "{}: head size dim / n_heads = {} must be even for rotary embeddings", source,
            head_size()));
    if (arch == Architecture::gpt2 && n_kv_heads != n_heads)
        throw InputError(fmt::format("{}: GPT-2 has n_kv_heads = n_heads, got {} and {}",
                                     source, n_kv_heads, n_heads));
    if (!(norm_eps > 0.0f))
        throw InputError(fmt::format("{}: norm_eps = {} must be positive", source, norm_eps));
    if (arch == Architecture::llama && !(rope_theta > 0.0f))
        throw InputError(fmt::format("{}: rope_theta = {} must be positive", source, rope_theta));
}

namespace {

LinearLayer make_linear(std::string name, int block, LinearKind kind, int out, int in,
                        bool bias) {
    LinearLayer l;
    l.name = std::move(name);
    l.block = block;
    l.kind = kind;
    l.out = out;
    l.in = in;
    l.weight.assign(static_cast<std::size_t>(out) * in, 0.0f);
    if (bias) l.bias.assign(out, 0.0f);
    return l;
}

Norm make_norm(int dim, bool bias) {
    Norm n;
    n.weight.assign(dim, 1.0f);
    if (bias) n.bias.assign(dim, 0.0f);
    return n;
}

void check_size(const std::string& what, std::size_t got, std::size_t want) {
    if (got != want)
        throw std::logic_error(
            fmt::format("model tensor '{}' has {} elements, expected {}", what, got, want));
}

void check_linear(const LinearLayer& l, int out, int in) {
    if (l.out != out || l.in != in)
        throw std::logic_error(fmt::format("linear layer '{}' is ({}, {}), expected ({}, {})",
                                           l.name, l.out, l.in, out, in));
    check_size(l.name + ".weight", l.weight.size(), static_cast<std::size_t>(out) * in);
    if (!l.bias.empty()) check_size(l.name + ".bias", l.bias.size(), out);
}

void check_norm(const std::string& name, const Norm& n, int dim, bool bias) {
    check_size(name + ".weight", n.weight.size(), dim);
    check_size(name + ".bias", n.bias.size(), bias ? dim : 0);
}

}  // namespace

Model make_model(const ModelConfig& c) {
    c.validate("model configuration");
    const bool gpt2 = c.arch == Architecture::gpt2;
    const std::size_t vd = static_cast<std::size_t>(c.vocab_size) * c.dim;
    Model m;
    m.config = c;
    if (!c.shared_classifier) m.token_embedding.assign(vd, 0.0f);
    if (gpt2) m.position_embedding.assign(static_cast<std::size_t>(c.seq_len) * c.dim, 0.0f);
    for (int b = 0; b < c.n_layers; ++b) {
        const auto name = [b](LinearKind k) {
            return fmt::format("layers.{}.{}", b, linear_kind_name(k));
        };
        Block blk;
        blk.attn_norm = make_norm(c.dim, gpt2);
        blk.q = make_linear(name(LinearKind::q), b, LinearKind::q, c.dim, c.dim, gpt2);
        blk.k = make_linear(name(LinearKind::k), b, LinearKind::k, c.kv_dim(), c.dim, gpt2);
        blk.v = make_linear(name(LinearKind::v), b, LinearKind::v, c.kv_dim(), c.dim, gpt2);
        blk.o = make_linear(name(LinearKind::o), b, LinearKind::o, c.dim, c.dim, gpt2);
        blk.mlp_norm = make_norm(c.dim, gpt2);
        if (!gpt2)
            blk.gate = make_linear(name(LinearKind::gate), b, LinearKind::gate, c.hidden_dim,
                                   c.dim, false);
        blk.up = make_linear(name(LinearKind::up), b, LinearKind::up, c.hidden_dim, c.dim, gpt2);
        blk.down =
            make_linear(name(LinearKind::down), b, LinearKind::down, c.dim, c.hidden_dim, gpt2);
        m.blocks.push_back(std::move(blk));
    }
    m.final_norm = make_norm(c.dim, gpt2);
    m.classifier =
        make_linear("classifier", -1, LinearKind::classifier, c.vocab_size, c.dim, false);
    int index = 0;
    for (LinearLayer* l : m.linear_layers()) l->index = index++;
    return m;
}

std::span<const float> Model::embedding(int token) const {
    const std::vector<float>& table =
        config.shared_classifier ? classifier.weight : token_embedding;
    return {table.data() + static_cast<std::size_t>(token) * config.dim,
            static_cast<std::size_t>(config.dim)};
}

std::vector<const LinearLayer*> Model::linear_layers() const {
    std::vector<const LinearLayer*> out;
    for (const Block& b : blocks) {
        for (const LinearLayer* l : {&b.q, &b.k, &b.v, &b.o}) out.push_back(l);
        if (config.arch == Architecture::llama) out.push_back(&b.gate);
        out.push_back(&b.up);
        out.push_back(&b.down);
    }
    out.push_back(&classifier);
    return out;
}

std::vector<LinearLayer*> Model::linear_layers() {
    std::vector<LinearLayer*> out;
    for (const LinearLayer* l : std::as_const(*this).linear_layers())
        out.push_back(const_cast<LinearLayer*>(l));
    return out;
}

std::int64_t Model::parameter_count() const {
    std::int64_t n = static_cast<std::int64_t>(token_embedding.size() + position_embedding.size() +
                                                final_norm.weight.size() + final_norm.bias.size());
    for (const Block& b : blocks)
        n += static_cast<std::int64_t>(b.attn_norm.weight.size() + b.attn_norm.bias.size() +
                                       b.mlp_norm.weight.size() + b.mlp_norm.bias.size());
    for (const LinearLayer* l : linear_layers())
        n += static_cast<std::int64_t>(l->weight.size() + l->bias.size());
    return n;
}

void Model::check() const {
    const ModelConfig& c = config;
    const bool gpt2 = c.arch == Architecture::gpt2;
    check_size("token_embedding", token_embedding.size(),
               c.shared_classifier ? 0 : static_cast<std::size_t>(c.vocab_size) * c.dim);
    check_size("position_embedding", position_embedding.size(),
               gpt2 ? static_cast<std::size_t>(c.seq_len) * c.dim : 0);
    check_size("blocks", blocks.size(), c.n_layers);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const Block& b = blocks[i];
        const std::string prefix = fmt::format("layers.{}", i);
        check_norm(prefix + ".attn_norm", b.attn_norm, c.dim, gpt2);
        check_norm(prefix + ".mlp_norm", b.mlp_norm, c.dim, gpt2);
        check_linear(b.q, c.dim, c.dim);
        check_linear(b.k, c.kv_dim(), c.dim);
        check_linear(b.v, c.kv_dim(), c.dim);
        check_linear(b.o, c.dim, c.dim);
        if (!gpt2) check_linear(b.gate, c.hidden_dim, c.dim);
        check_linear(b.up, c.hidden_dim, c.dim);
        check_linear(b.down, c.dim, c.hidden_dim);
    }
    check_norm("final_norm", final_norm, c.dim, gpt2);
    check_linear(classifier, c.vocab_size, c.dim);
    int index = 0;
    for (const LinearLayer* l : linear_layers())
        if (l->index != index++)
            throw std::logic_error(fmt::format("linear layer '{}' has index {}, expected {}",
                                               l->name, l->index, index - 1));
}

Model random_model(const ModelConfig& config, std::uint64_t seed) {
    Model m = make_model(config);
    std::mt19937_64 rng(seed);
    auto uniform = [&] { return float(double(rng() >> 11) * 0x1.0p-53 * 2 - 1); };
    for (float& x : m.token_embedding) x = uniform();
    for (float& x : m.position_embedding) x = uniform();
    for (Block& b : m.blocks) {
        for (float& x : b.attn_norm.weight) x = 1;
        for (float& x : b.mlp_norm.weight) x = 1;
    }
    for (float& x : m.final_norm.weight) x = 1;
    for (LinearLayer* l : m.linear_layers())
        for (float& x : l->weight) x = uniform() * 1.7f / std::sqrt(float(l->in));
    return m;
}

ModelConfig stories15m_shape() {
    ModelConfig c;
    c.arch = Architecture::llama;
    c.dim = 288, c.hidden_dim = 768, c.n_layers = 6, c.n_heads = 6, c.n_kv_heads = 6;
    c.vocab_size = 32000, c.seq_len = 256;
    return c;
}

ModelConfig gpt2_small_shape() {
    ModelConfig c;
    c.arch = Architecture::gpt2;
    c.dim = 768, c.hidden_dim = 3072, c.n_layers = 12, c.n_heads = 12, c.n_kv_heads = 12;
    c.vocab_size = 50257, c.seq_len = 1024;
    return c;
}

}  // namespace kirchhoff::transformer
