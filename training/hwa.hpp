// Hardware-aware training (HWA): the non-idealities of an analog tile put into the training
// forward pass, so that the trained weights tolerate them at inference.
//
// V. Joshi et al., "Accurate deep neural network inference using computational phase-change
// memory", Nature Communications 11, 2473 (2020): Gaussian weight noise injected in the
// forward pass (std relative to the layer's max |W|), weights clipped, gradients computed
// with the noisy weights and applied to the clean ones.
// M. J. Rasch et al., "Hardware-aware training for large-scale and diverse deep learning
// inference workloads using in-memory computing-based accelerators", Nature Communications
// 14, 5282 (2023): adds DAC/ADC quantisation, input and output noise, PCM-like programming
// noise; its StandardHWATrainingPreset (IBM aihwkit) uses 8-bit DAC and ADC
// (resolution 1/254), output noise 0.04 and output bound 10 (both in units of
// max|W| max|x|), and layer-wise Gaussian weight clipping at 2.5 standard deviations.
//
// Per linear layer and per forward pass, with w_max = max |W| of the (clean) layer and
// x_max = max |x| of each input row (token):
//   weights   W' = W + w_max eta N(0,1)                        (weight_noise = gaussian)
//             PCM: each weight on a differential pair, g+ = max(w, 0) / w_max g_max,
//             g- = max(-w, 0) / w_max g_max, each g <- max(0, g + s sigma_prog(g) N(0,1)),
//             W' = (g+ - g-) / g_max w_max; the draw is devices::pcm_programmed_siemens, the one
//             the analog tiles' pcm_program makes
//             (Nandakumar et al., IEEE ICECS 2019; Joshi et al. 2020, Methods)
//   inputs    x' = round(x / x_max L_dac) x_max / L_dac  (DAC, L = 2^(bits-1) - 1 levels per
//             sign), then x' += x_max sigma_in N(0,1)
//   outputs   y = x' W'^T + w_max x_max sigma_out N(0,1), then the ADC: clip to
//             +-b = adc_bound w_max x_max and round to b / L_adc steps
//             (the converters are the inference tiles' own: devices/converters.hpp; their
//             full scale here is aihwkit's, per token, not a calibrated range)
//   backward  straight-through estimator (Bengio et al. 2013): the quantisers pass the
//             gradient unchanged, the ADC clip passes it only where |y| <= b (dY' = dY
//             masked); dX = dY' W' and dW = dY'^T X', with the noisy, quantised operands.
//   clipping  after each optimizer step, each layer's W is clipped to +- k std(W).
// Noise draws are counter-based (rng.hpp), keyed by (seed, step, layer, purpose):
// the same at any thread count and after resuming from a checkpoint.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "training/layout.hpp"
#include "training/linear.hpp"

namespace kirchhoff::training {

enum class WeightNoise { none, gaussian, pcm };
std::string_view weight_noise_name(WeightNoise w);

struct HwaOptions {
    WeightNoise weight_noise = WeightNoise::none;
    double weight_noise_rel = 0.0;        // gaussian: std / max|W| of the layer
    double pcm_noise_scale = 1.0;         // pcm: multiplies sigma_prog
    double pcm_g_max_siemens = 25e-6;     // pcm: conductance of max|W|
    double input_noise_rel = 0.0;         // std / max|x| of the row
    double output_noise_rel = 0.0;        // std / (max|W| max|x|)
    int dac_bits = 0;                     // 0 = no input quantisation
    int adc_bits = 0;                     // 0 = no output clipping or quantisation
    double adc_bound = 10.0;              // ADC full scale, in units of max|W| max|x|
    double weight_clip_sigma = 0.0;       // k; 0 = no clipping
    std::uint64_t seed = 1;

    /// True when the forward pass differs from the digital one (clipping aside).
    bool forward_enabled() const;
};


/// Clips every linear layer's weights (Model::linear_layers, incl. the classifier) to
/// +- k std(W) of that layer (std over all its elements, in double). Returns the number of
/// weights clipped.
std::int64_t clip_weights(const ParamLayout& layout, std::span<float> params, double k_sigma);

template <class S>
class HardwareAwareLinear final : public TrainLinearBackend<S> {
public:
    HardwareAwareLinear(HwaOptions options, int n_linear);
    std::string_view name() const override { return "hardware-aware"; }
    void begin_step(std::int64_t step, bool training) override;
    void forward(const TrainLinearInfo& info, const S* w, const S* x, S* y, int n) override;
    void backward(const TrainLinearInfo& info, const S* w, const S* x, const S* dy, S* dx, S* dw,
                  int n) override;

    /// What the last forward() of layer `index` used (for tests): W' (out, in), X' (n, in).
    const std::vector<S>& effective_weights(int index) const { return layers_.at(index).w; }
    const std::vector<S>& effective_inputs(int index) const { return layers_.at(index).x; }
    const HwaOptions& options() const { return options_; }

private:
    struct Layer {
        std::vector<S> w;                 // W' (out, in)
        std::vector<S> x;                 // X' (n, in)
        std::vector<unsigned char> pass;  // (n, out): 1 where the ADC did not clip
        int n = 0;
    };
    HwaOptions options_;
    std::vector<Layer> layers_;
    std::uint64_t step_key_ = 0;
};

extern template class HardwareAwareLinear<float>;
extern template class HardwareAwareLinear<double>;

}  // namespace kirchhoff::training
