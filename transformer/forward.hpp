// The digital reference forward pass, one token at a time with a KV cache.
//
// Forward<float> is the production path; Forward<double> is the same arithmetic in float64
// over the same float32 weights, for checking the float path (the backend must implement
// matvec_f64; the ideal one does). Every linear layer goes through the LinearBackend; the
// rest (norms, RoPE, attention, softmax, activations, biases) is plain loops here, OpenMP
// over heads. Results do not depend on the thread count. A backend whose computes_attention()
// is true takes the two attention products of Forward<float> instead (linear_backend.hpp);
// the scale and the softmax stay here.
//
// Usage: Forward<float> f(model, backend); for (pos...) logits = f.step(tokens[pos], pos);
// Positions must be stepped in order 0, 1, 2, ...; stepping pos = 0 starts a new sequence.
#pragma once

#include <span>
#include <vector>

#include "transformer/linear_backend.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::transformer {

template <class Scalar>
class Forward {
public:
    /// Calls backend.prepare(model). Both must outlive this object.
    Forward(const Model& model, LinearBackend& backend);

    /// Runs `token` at position `pos` (0 <= pos < seq_len; pos = 0 or one past the last
    /// step) and returns the logits (vocab_size), valid until the next step.
    /// std::out_of_range for a bad token or position.
    std::span<const Scalar> step(int token, int pos);

    /// Logits for every position of `tokens` from a fresh cache: (tokens.size(), vocab_size).
    std::vector<Scalar> run(std::span<const int> tokens);

    const Model& model() const { return model_; }
    LinearBackend& backend() { return backend_; }
    /// The next position step() accepts besides 0.
    int next_pos() const { return next_pos_; }

private:
    void linear(const LinearLayer& layer, std::span<const Scalar> x, std::span<Scalar> y);
    void norm(const Norm& n, std::span<Scalar> out, std::span<const Scalar> x) const;
    void attention(int block, int pos);
    void attention_on_backend(int block, int pos, std::size_t layer_off, Scalar inv_sqrt);

    const Model& model_;
    LinearBackend& backend_;
    int next_pos_ = 0;
    // activations
    std::vector<Scalar> x_;       // residual stream (dim)
    std::vector<Scalar> xb_;      // normed input / attention output (dim)
    std::vector<Scalar> xb2_;     // branch output (dim)
    std::vector<Scalar> hb_;      // MLP hidden (hidden_dim)
    std::vector<Scalar> hb2_;     // MLP hidden, up branch (hidden_dim)
    std::vector<Scalar> q_;       // query (dim)
    std::vector<Scalar> att_;     // scores (n_heads, seq_len)
    std::vector<Scalar> logits_;  // (vocab_size)
    // KV cache
    std::vector<Scalar> key_cache_;    // (n_layers, seq_len, kv_dim)
    std::vector<Scalar> value_cache_;  // (n_layers, seq_len, kv_dim)
};

extern template class Forward<float>;
extern template class Forward<double>;

}  // namespace kirchhoff::transformer
