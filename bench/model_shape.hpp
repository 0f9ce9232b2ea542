// The model-shape flags the benchmarks that build a random model share (--dim, --hidden,
// --layers, --heads, --vocab, --seq; n_kv_heads follows --heads).
#pragma once

#include <CLI/CLI.hpp>

#include "transformer/model.hpp"

namespace kirchhoff::bench {

/// Adds the shape flags to `app`, each defaulting to `shape`'s value.
inline void add_shape_options(CLI::App& app, transformer::ModelConfig& shape) {
    app.add_option("--dim", shape.dim, "model width")->check(CLI::Range(8, 8192));
    app.add_option("--hidden", shape.hidden_dim, "MLP width")->check(CLI::Range(8, 32768));
    app.add_option("--layers", shape.n_layers, "blocks")->check(CLI::Range(1, 128));
    app.add_option("--heads", shape.n_heads, "attention heads (= key/value heads)")->check(CLI::Range(1, 128));
    app.add_option("--vocab", shape.vocab_size, "vocabulary")->check(CLI::Range(2, 1000000));
    app.add_option("--seq", shape.seq_len, "positions")->check(CLI::Range(2, 1 << 16));
}

}  // namespace kirchhoff::bench
