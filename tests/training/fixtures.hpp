// Small models and corpora shared by the training tests.
#pragma once

#include <string>

#include "params/config.hpp"
#include "training/config.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::training::testing {

/// A tiny Llama config with grouped-query attention: dim 8, 2 heads of 4, 1 kv head,
/// hidden 12, 2 layers, vocab 7, seq_len 6.
inline transformer::ModelConfig tiny_config(bool shared_classifier) {
    transformer::ModelConfig c;
    c.dim = 8;
    c.hidden_dim = 12;
    c.n_layers = 2;
    c.n_heads = 2;
    c.n_kv_heads = 1;
    c.vocab_size = 7;
    c.seq_len = 6;
    c.shared_classifier = shared_classifier;
    return c;
}

/// A training configuration of a small model on the vendored corpus, fast enough for tests.
inline params::Config small_run_config() {
    params::Config cfg(training_schema());
    for (const char* kv : {"model.dim=32", "model.hidden_dim=64", "model.n_layers=2", "model.n_heads=4",
                           "model.n_kv_heads=2", "model.seq_len=32", "train.batch_size=8", "train.steps=40",
                           "train.warmup_steps=5", "train.lr=3e-3", "train.lr_min=3e-4", "train.log_every=10",
                           "train.eval_every=20", "train.eval_windows=8", "train.checkpoint_every=20"})
        cfg.set_override(kv);
    return cfg;
}

}  // namespace kirchhoff::training::testing
