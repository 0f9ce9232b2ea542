// Matrix products of the training pass, deterministic at any thread count.
//
// Each product is split into fixed blocks of output rows (the split never depends on the
// number of threads); each block is one single-threaded Eigen GEMM, so every output element
// is reduced in the same order whichever thread computes it. Row-major throughout.
//   matmul_xwt:  Y (n, out)  = X (n, in) W^T          (forward of a linear layer)
//   matmul_dyw:  dX (n, in)  = dY (n, out) W (out, in) (input gradient), or += when accumulate
//   matmul_dytx: dW (out, in) = dY^T X                 (weight gradient), or += when accumulate
// Causal multi-head attention over a batch, forward and backward (grouped-query: query head
// h reads key/value head h / (n_heads / n_kv_heads)), one (sequence, key/value head) per
// task so that gradients of shared key/value heads are summed in a fixed order.
// The slow reference (plain loops in double) lives in the tests.
#pragma once

namespace kirchhoff::training {

template <class S>
void matmul_xwt(S* y, const S* x, const S* w, int n, int in, int out);
template <class S>
void matmul_dyw(S* dx, const S* dy, const S* w, int n, int in, int out, bool accumulate);
template <class S>
void matmul_dytx(S* dw, const S* dy, const S* x, int n, int in, int out, bool accumulate);

/// Shapes of one attention call. q, dq: (batch, seq, n_heads * head_size); k, v, dk, dv:
/// (batch, seq, n_kv_heads * head_size); probs: (batch, n_heads, seq, seq), row t holds
/// softmax over positions 0..t (zeros above the diagonal).
struct AttentionShape {
    int batch = 0;
    int seq = 0;
    int n_heads = 0;
    int n_kv_heads = 0;
    int head_size = 0;
};

/// out (batch, seq, n_heads * head_size) = softmax(q k^T / sqrt(head_size), causal) v;
/// stores the probabilities for the backward pass.
template <class S>
void attention_forward(const AttentionShape& a, const S* q, const S* k, const S* v, S* probs, S* out);
/// Given dout: dq, dk, dv (overwritten).
template <class S>
void attention_backward(const AttentionShape& a, const S* q, const S* k, const S* v,
                        const S* probs, const S* dout, S* dq, S* dk, S* dv);

}  // namespace kirchhoff::training
