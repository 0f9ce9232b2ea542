// One in-memory representation for Llama-family and GPT-2 transformers, weights in float32.
//
// Llama: RMSNorm, rotary position embeddings (RoPE, llama2.c's interleaved pairs), SwiGLU MLP,
// grouped-query attention. GPT-2: LayerNorm (with bias), learned position embeddings, GELU
// (tanh) MLP, biases on every linear layer. Every linear layer is a LinearLayer with a stable
// name and a dense index: the unit that a LinearBackend (linear_backend.hpp) computes and that
// an analog backend maps onto crossbars. Loaders (llama2c.hpp, hf_checkpoint.hpp) fill a
// Model made by make_model(); check() verifies every shape.
//
// Not here: the forward pass (forward.hpp), tokenizers, file formats.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::transformer {

enum class Architecture { llama, gpt2 };
std::string_view architecture_name(Architecture a);

struct ModelConfig {
    Architecture arch = Architecture::llama;
    int dim = 0;         // width of the residual stream; = n_heads * head_size
    int hidden_dim = 0;  // MLP width
    int n_layers = 0;
    int n_heads = 0;     // query heads
    int n_kv_heads = 0;  // key/value heads (grouped-query attention); = n_heads for GPT-2
    int vocab_size = 0;
    int seq_len = 0;                 // longest sequence (KV cache length; GPT-2 position rows)
    float norm_eps = 1e-5f;          // RMSNorm / LayerNorm epsilon
    float rope_theta = 10000.0f;     // RoPE base (Llama only)
    bool shared_classifier = true;   // classifier weight is the token embedding (tied)

    int head_size() const { return n_heads > 0 ? dim / n_heads : 0; }
    int kv_dim() const { return n_kv_heads * head_size(); }
    /// InputError naming `source` (a file), the field, its value and what is allowed.
    void validate(std::string_view source) const;
};

enum class LinearKind { q, k, v, o, gate, up, down, classifier };
std::string_view linear_kind_name(LinearKind k);

/// One linear layer y = W x + b. The seam computes W x; the bias is added digitally by the
/// forward pass (as the periphery of an analog tile would).
struct LinearLayer {
    std::string name;  // stable: "layers.3.attn.q", "layers.0.mlp.down", "classifier"
    int index = -1;    // dense position in Model::linear_layers(): 0 .. n_linear - 1
    int block = -1;    // transformer block, -1 for the classifier
    LinearKind kind = LinearKind::q;
    int out = 0;                // rows of W
    int in = 0;                 // columns of W
    std::vector<float> weight;  // (out, in), row-major
    std::vector<float> bias;    // (out), or empty when the layer has none

    float w(int row, int col) const { return weight[static_cast<std::size_t>(row) * in + col]; }
    std::span<const float> row(int r) const {
        return {weight.data() + static_cast<std::size_t>(r) * in, static_cast<std::size_t>(in)};
    }
};

/// RMSNorm (bias empty) or LayerNorm (bias present), both (dim).
struct Norm {
    std::vector<float> weight;  // (dim)
    std::vector<float> bias;    // (dim) for LayerNorm, empty for RMSNorm
};

struct Block {
    Norm attn_norm;
    LinearLayer q;  // (n_heads * head_size, dim)
    LinearLayer k;  // (kv_dim, dim)
    LinearLayer v;  // (kv_dim, dim)
    LinearLayer o;  // (dim, n_heads * head_size)
    Norm mlp_norm;
    LinearLayer gate;  // (hidden_dim, dim), Llama only (llama2.c w1); empty for GPT-2
    LinearLayer up;    // (hidden_dim, dim) (llama2.c w3; GPT-2 c_fc)
    LinearLayer down;  // (dim, hidden_dim) (llama2.c w2; GPT-2 mlp.c_proj)
};

struct Model {
    ModelConfig config;
    std::vector<float> token_embedding;     // (vocab_size, dim); empty when shared_classifier
    std::vector<float> position_embedding;  // (seq_len, dim), GPT-2 only
    std::vector<Block> blocks;              // (n_layers)
    Norm final_norm;
    LinearLayer classifier;  // (vocab_size, dim); holds the tied embedding when shared

    /// Row `token` of the token embedding (from the classifier when tied). (dim)
    std::span<const float> embedding(int token) const;
    /// Every linear layer, ordered by index: per block q, k, v, o, [gate], up, down; then
    /// the classifier.
    std::vector<const LinearLayer*> linear_layers() const;
    std::vector<LinearLayer*> linear_layers();
    /// Number of stored parameters (tied weights counted once).
    std::int64_t parameter_count() const;
    /// Verifies every size against config; std::logic_error naming the tensor otherwise.
    void check() const;
};

/// A zero-filled model with every tensor sized, named and indexed for `config`
/// (config.validate("model configuration") is called first). GPT-2 layers get biases.
Model make_model(const ModelConfig& config);

/// make_model() filled with seeded random values for benchmarks and tests: embeddings uniform
/// in [-1, 1], norm weights 1 (biases 0), linear weights uniform in [-g, g] with
/// g = 1.7 / sqrt(in), which keeps activations near unit scale through the blocks.
Model random_model(const ModelConfig& config, std::uint64_t seed);

/// The shape of llama2.c's stories15M (Llama: dim 288, hidden 768, 6 layers, 6 heads, vocab
/// 32000, seq_len 256, tied classifier; 15.2 M parameters), for benchmarks and tests.
ModelConfig stories15m_shape();
/// The shape of GPT-2 small (dim 768, hidden 3072, 12 layers, 12 heads, vocab 50257, seq_len
/// 1024; 124.4 M parameters), for benchmarks.
ModelConfig gpt2_small_shape();

}  // namespace kirchhoff::transformer
