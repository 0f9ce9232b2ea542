// THE SEAM: every linear layer of the transformer (attention q, k, v, o; MLP gate, up, down;
// the classifier head) is computed through LinearBackend::matvec, and nothing else is.
//
// A backend receives the LinearLayer itself (weight (out, in), stable name, dense index), so
// an analog backend can tile the weight onto crossbars once in prepare(), keep per-layer
// state (programmed conductances, ADC calibration, drift clocks) in a vector indexed by
// layer.index, and keep per-layer statistics. What stays outside the seam, in digital
// arithmetic: embeddings, norms, RoPE, attention scores, softmax and the value product,
// activations, residual additions and the bias of each layer (added after matvec, as the
// digital periphery of an analog tile would). A backend may also take the two attention
// products (scores q . k_t and the value product sum_t p_t v_t) by answering
// computes_attention() with true; softmax and the 1/sqrt(head_size) scale stay digital.
//
// Calling rules (what the forward pass guarantees):
// - prepare(model) is called once before the first matvec of a model (Forward's constructor);
//   a backend may be prepared for several models in turn.
// - matvec is called from one thread at a time, in the model's fixed order (per token: for
//   each block q, k, v, o, [gate], up, down; then the classifier), so a backend may use
//   OpenMP inside matvec and may keep mutable state without locks. With computes_attention(),
//   attention_scores then attention_values come between v and o, under the same rule, once
//   per block and step for all heads; steps run pos = 0, 1, 2, ... (pos = 0: new sequence),
//   so cache rows 0..pos-1 are those of the previous call and only row pos is new.
// - x and y never alias; y is overwritten (not accumulated into).
// See transformer/README.md for what an analog backend must implement.
#pragma once

#include <span>
#include <string_view>

#include "transformer/model.hpp"

namespace kirchhoff::transformer {

/// One block's attention at one step, as Forward<float> hands it to a backend.
struct AttentionStep {
    int block = 0;                   // 0 .. n_layers - 1
    int pos = 0;                     // the step's position: cache rows 0..pos valid, row pos new
    int n_heads = 0, n_kv_heads = 0, head_size = 0;  // query head h reads kv head h / (n_heads / n_kv_heads)
    std::span<const float> keys;     // (pos + 1, n_kv_heads * head_size): the block's K cache, RoPE applied
    std::span<const float> values;   // (pos + 1, n_kv_heads * head_size): the block's V cache
};

class LinearBackend {
public:
    virtual ~LinearBackend() = default;

    /// Short name for reports and errors ("ideal", "surrogate", ...).
    virtual std::string_view name() const = 0;

    /// Called once per model before any matvec; the default does nothing.
    virtual void prepare(const Model& model) { (void)model; }

    /// y = W x. x: (layer.in), y: (layer.out).
    virtual void matvec(const LinearLayer& layer, std::span<const float> x,
                        std::span<float> y) = 0;

    /// The same in float64, for reference checks of the forward pass. The default throws
    /// std::logic_error naming the backend: analog backends need not provide it.
    virtual void matvec_f64(const LinearLayer& layer, std::span<const double> x,
                            std::span<double> y);

    /// Whether this backend computes the two attention products (float32 forward only). The
    /// default, false, keeps them in Forward's digital loops.
    virtual bool computes_attention() const { return false; }
    /// scores[h * stride + t] = q_h . k_t for t in 0..pos (unscaled). q: (n_heads * head_size),
    /// scores: (n_heads, stride), stride >= pos + 1. The default throws std::logic_error.
    virtual void attention_scores(const AttentionStep& step, std::span<const float> q, std::span<float> scores,
                                  std::size_t stride);
    /// out_h = sum_t probs[h * stride + t] v_t over t in 0..pos. probs: (n_heads, stride),
    /// out: (n_heads * head_size), overwritten. The default throws std::logic_error.
    virtual void attention_values(const AttentionStep& step, std::span<const float> probs, std::size_t stride,
                                  std::span<float> out);
};

/// The digital reference: plain GEMV over the float32 weights, OpenMP over rows. Each row is
/// one dot product in a fixed order, so results do not depend on the thread count. The
/// float32 path accumulates in float (like llama2.c), the float64 path in double.
class IdealBackend final : public LinearBackend {
public:
    std::string_view name() const override { return "ideal"; }
    void matvec(const LinearLayer& layer, std::span<const float> x, std::span<float> y) override;
    void matvec_f64(const LinearLayer& layer, std::span<const double> x,
                    std::span<double> y) override;
};

}  // namespace kirchhoff::transformer
