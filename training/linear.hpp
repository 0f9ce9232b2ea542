// THE TRAINING-TIME SEAM: every linear layer of the training forward pass (q, k, v, o, gate,
// up, down, classifier) is computed by a TrainLinearBackend, over a whole batch of tokens,
// together with its backward pass. It mirrors transformer/linear_backend.hpp (the inference
// seam) so that what an analog tile does at inference can be put into training:
//   IdealTrainLinear      Y = X W^T, exact gradients (digital training)
//   HardwareAwareLinear   weight noise, DAC/ADC quantisation, input/output noise, with
//                         straight-through gradients (hwa.hpp)
//   (not done yet)        a tile-surrogate backend (IR drop, device nonlinearity) from the
//                         surrogate library: forward through the surrogate, backward
//                         straight-through or through its Jacobian, same interface.
//
// Calling rules (what TrainGraph guarantees):
// - begin_step(step) once per forward pass, before the first forward() of that pass; `step`
//   is the optimizer step (keys the noise streams, so a resumed run draws the same noise).
// - forward() for each layer in Model::linear_layers() order, then backward() in reverse
//   order, each at most once per pass; a backend may keep per-layer state from forward()
//   for backward(), indexed by info.index. Calls come from one thread; a backend may use
//   OpenMP inside, and must give the same numbers at any thread count.
// - x, w and the outputs never alias. dx and dw are overwritten.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "transformer/model.hpp"

namespace kirchhoff::training {

/// What a backend learns about a layer (the weights themselves come as pointers).
struct TrainLinearInfo {
    std::string name;  // "layers.3.attn.q", ..., "classifier" (as in LinearLayer)
    int index = 0;     // LinearLayer::index
    transformer::LinearKind kind = transformer::LinearKind::q;
    int out = 0;
    int in = 0;
};

template <class S>
class TrainLinearBackend {
public:
    virtual ~TrainLinearBackend() = default;
    virtual std::string_view name() const = 0;
    /// Start of a forward pass for optimizer step `step`; `training` false for evaluation.
    virtual void begin_step(std::int64_t step, bool training) {
        (void)step;
        (void)training;
    }
    /// y (n, out) = x (n, in) W^T with w (out, in).
    virtual void forward(const TrainLinearInfo& info, const S* w, const S* x, S* y, int n) = 0;
    /// Given dy (n, out): dx (n, in) and dw (out, in), both overwritten.
    virtual void backward(const TrainLinearInfo& info, const S* w, const S* x, const S* dy,
                          S* dx, S* dw, int n) = 0;
};

/// Digital reference: exact products and exact gradients.
template <class S>
class IdealTrainLinear final : public TrainLinearBackend<S> {
public:
    std::string_view name() const override { return "ideal"; }
    void forward(const TrainLinearInfo& info, const S* w, const S* x, S* y, int n) override;
    void backward(const TrainLinearInfo& info, const S* w, const S* x, const S* dy, S* dx,
                  S* dw, int n) override;
};

extern template class IdealTrainLinear<float>;
extern template class IdealTrainLinear<double>;

}  // namespace kirchhoff::training
