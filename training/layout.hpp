// The trainable parameters of a Llama-style model as one flat float buffer, and the map
// between that buffer and the Model representation (model.hpp) that the runner uses.
//
// One buffer makes the optimizer, gradient clipping, checkpoints and determinism simple:
// parameters, gradients and both AdamW moments share this layout. Tensor order follows the
// llama2.c file: token embedding (vocab, dim); per block attn_norm (dim), q (dim, dim),
// k (kv_dim, dim), v (kv_dim, dim), o (dim, dim), mlp_norm (dim), gate (hidden, dim),
// down (dim, hidden), up (hidden, dim); final_norm (dim); classifier (vocab, dim) when not
// tied to the embedding. Every matrix (out, in) row-major, as in LinearLayer.
// Not here: GPT-2 (training is Llama-only: RMSNorm, RoPE, SwiGLU, optional GQA, no biases).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "transformer/model.hpp"

namespace kirchhoff::training {

using transformer::LinearKind;
using transformer::Model;
using transformer::ModelConfig;

enum class TensorRole { embedding, norm, linear };

struct TensorSlot {
    std::string name;        // "tok_embedding", "layers.2.attn.q", "layers.0.attn_norm", ...
    TensorRole role = TensorRole::linear;
    std::size_t offset = 0;  // into the flat buffer
    int rows = 0;            // (rows, cols); norms are (1, dim)
    int cols = 0;
    int linear_index = -1;   // LinearLayer::index for linear tensors, else -1
    LinearKind kind = LinearKind::q;
    int block = -1;
    std::size_t size() const { return static_cast<std::size_t>(rows) * cols; }
};

/// Offsets of every tensor for one ModelConfig (Llama architecture, no biases).
struct ParamLayout {
    ModelConfig config;
    std::vector<TensorSlot> slots;
    std::size_t total = 0;

    /// InputError (via ModelConfig::validate) for a config training cannot represent.
    explicit ParamLayout(const ModelConfig& config);

    // Per-block slot indices into `slots`.
    struct BlockSlots { int attn_norm, q, k, v, o, mlp_norm, gate, down, up; };
    std::vector<BlockSlots> blocks;
    int embedding = -1;
    int final_norm = -1;
    int classifier = -1;  // the embedding slot when tied
    /// Slots that go through the linear seam, in LinearLayer::index order.
    std::vector<int> linear;
};

/// Initial parameters (GPT-2 / llama2.c practice): matrices N(0, init_std^2), the residual
/// projections (attn.o, mlp.down) N(0, (init_std / sqrt(2 n_layers))^2), norm weights 1.
/// Drawn sequentially from SplitMix64(seed): the same on every machine.
std::vector<float> init_parameters(const ParamLayout& layout, double init_std, std::uint64_t seed);

/// The flat buffer as a Model (for saving in llama2.c format and for the runner).
Model to_model(const ParamLayout& layout, std::span<const float> params);
/// A Model's weights as a flat buffer. InputError when the model does not fit `layout`
/// (other shapes, GPT-2, biases).
std::vector<float> from_model(const ParamLayout& layout, const Model& model);

}  // namespace kirchhoff::training
