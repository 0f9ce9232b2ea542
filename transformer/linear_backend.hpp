// THE SEAM: every linear layer of the transformer (attention q, k, v, o; MLP gate, up, down;
// the classifier head) is computed through LinearBackend::matvec, and nothing else is.
//
// A backend receives the LinearLayer itself (weight (out, in), stable name, dense index), so
// an analog backend can tile the weight onto crossbars once in prepare(), keep per-layer
// state (programmed conductances, ADC calibration, drift clocks) in a vector indexed by
// layer.index, and keep per-layer statistics. What stays outside the seam, in digital
// arithmetic: embeddings, norms, RoPE, attention scores, softmax and the value product,
// activations, residual additions and the bias of each layer (added after matvec, as the
// digital periphery of an analog tile would).
//
// Calling rules (what the forward pass guarantees):
// - prepare(model) is called once before the first matvec of a model (Forward's constructor);
//   a backend may be prepared for several models in turn.
// - matvec is called from one thread at a time, in the model's fixed order (per token: for
//   each block q, k, v, o, [gate], up, down; then the classifier), so a backend may use
//   OpenMP inside matvec and may keep mutable state without locks.
// - x and y never alias; y is overwritten (not accumulated into).
// See transformer/README.md for what an analog backend must implement.
#pragma once

#include <span>
#include <string_view>

#include "transformer/model.hpp"

namespace kirchhoff::transformer {

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
