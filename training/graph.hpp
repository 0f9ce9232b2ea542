// The training pass of a Llama-style model over a batch of sequences: forward to the mean
// cross-entropy, then an explicit backward pass to the gradient of every parameter.
//
//   x = embedding(token)                                            (B*T, dim)
//   per block:  h = rmsnorm(x) ; q, k, v = h Wq^T, h Wk^T, h Wv^T   SEAM x3
//               q, k = rope(q), rope(k)                             llama2.c pair layout
//               a = causal softmax(q k^T / sqrt(hs)) v              grouped-query heads
//               x = x + a Wo^T                                      SEAM
//               h = rmsnorm(x) ; x = x + (silu(h Wg^T) * h Wu^T) Wd^T   SEAM x3
//   logits = rmsnorm(x) Wcls^T                                      SEAM
//   loss = mean over B*T targets of logsumexp(logits) - logits[target]   (nats)
// The same arithmetic as Forward<S> (forward.hpp), batched; every linear layer goes through a
// TrainLinearBackend (linear.hpp). Templated on the scalar: float for training, double
// for the finite-difference gradient check. Deterministic at any thread count (reductions
// over tokens are done in fixed blocks, summed in order).
// Not here: the optimizer (optimizer.hpp), data (corpus.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "training/layout.hpp"
#include "training/linear.hpp"

namespace kirchhoff::training {

template <class S>
class TrainGraph {
public:
    explicit TrainGraph(const ParamLayout& layout);

    /// tokens: (batch, seq + 1), row b = inputs b[0..seq) and targets b[1..seq]. 1 <= seq <=
    /// config.seq_len. Returns the SUM of the batch * seq per-target losses (nats), in double.
    /// std::out_of_range for a token outside the vocabulary or a bad seq.
    double forward(std::span<const S> params, std::span<const int> tokens, int batch, int seq,
                   TrainLinearBackend<S>& backend, std::int64_t step, bool training);

    /// After forward(): grad (layout.total) = gradient of the MEAN loss of that forward pass
    /// (sum / (batch * seq)), overwritten.
    void backward(std::span<const S> params, std::span<S> grad, TrainLinearBackend<S>& backend);

    const ParamLayout& layout() const { return layout_; }
    const std::vector<TrainLinearInfo>& linear_infos() const { return infos_; }

private:
    struct LayerActs {
        std::vector<S> x_in, rms1, xn1, q, k, v, probs, ao, x_mid, rms2, xn2, g, u, hact;
    };
    void resize(int batch, int seq);
    void linear_forward(TrainLinearBackend<S>& be, int slot, std::span<const S> params,
                        const S* x, S* y);
    void linear_backward(TrainLinearBackend<S>& be, int slot, std::span<const S> params,
                         std::span<S> grad, const S* x, const S* dy, S* dx);
    void rope(S* v, int width, bool inverse) const;

    ParamLayout layout_;
    std::vector<TrainLinearInfo> infos_;  // by linear index
    int batch_ = 0, seq_ = 0;             // of the last forward
    int rope_seq_ = 0;
    std::vector<S> rope_cos_, rope_sin_;  // (seq, head_size / 2)
    std::vector<int> inputs_, targets_;   // (batch * seq)
    std::vector<LayerActs> acts_;         // (n_layers)
    std::vector<S> x_final_, rmsf_, xnf_, logits_;  // logits_ holds probabilities after forward
    std::vector<double> nll_;                       // (batch * seq)
    // backward scratch
    std::vector<S> dx_, dn_, dt_, dq_, dk_, dv_, dh_, dg_, du_, dw_, dnorm_;
};

extern template class TrainGraph<float>;
extern template class TrainGraph<double>;

}  // namespace kirchhoff::training
