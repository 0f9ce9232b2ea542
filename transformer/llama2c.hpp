// llama2.c checkpoints (Karpathy's `.bin`, the "legacy" version-0 export).
//
// Layout, all little-endian:
//   Config: 7 x int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len.
//           A negative vocab_size means the classifier is stored separately (unshared).
//   float32 arrays, in this order (head_size = dim / n_heads, kv_dim = n_kv_heads * head_size):
//     token_embedding (vocab_size, dim)
//     rms_att  (n_layers, dim)            wq (n_layers, dim, dim)
//     wk (n_layers, kv_dim, dim)          wv (n_layers, kv_dim, dim)
//     wo (n_layers, dim, dim)             rms_ffn (n_layers, dim)
//     w1 (n_layers, hidden_dim, dim)      w2 (n_layers, dim, hidden_dim)
//     w3 (n_layers, hidden_dim, dim)      rms_final (dim)
//     freq_cis_real (seq_len, head_size / 2), freq_cis_imag (seq_len, head_size / 2): legacy
//       RoPE tables, skipped on load (RoPE is recomputed with theta = 10000) and written as
//       cos/sin on save so that llama2.c's run.c reads our files unchanged
//     wcls (vocab_size, dim), only when vocab_size was negative.
// Every matrix is (out, in) row-major, as Model stores them; w1 = gate, w3 = up, w2 = down.
// The newer llama2.c exports (magic "ak42", versions 1 and 2) are recognised and refused
// with a hint.
#pragma once

#include <filesystem>

#include "transformer/model.hpp"

namespace kirchhoff::transformer {

/// Loads a llama2.c checkpoint. Any defect (short header, bad config values, truncation
/// inside a named tensor, trailing bytes) is an InputError naming the file.
Model load_llama2c(const std::filesystem::path& path);

/// Writes a Llama-architecture model without biases in the same format (negative vocab_size
/// when the classifier is not shared). InputError when the model cannot be represented
/// (GPT-2, biases, rope_theta other than 10000, norm_eps other than 1e-5). Written whole or not
/// at all (io/atomic_file.hpp).
void save_llama2c(const Model& model, const std::filesystem::path& path);

}  // namespace kirchhoff::transformer
