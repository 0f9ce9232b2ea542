// Training configuration: every key declared once (default, unit, range, one-line meaning)
// in a params::Table beside the member it sets (defaults: TrainConfig{}), read through params::Config (TOML file, then --set overrides), and
// turned into the option structs the trainer uses. Keys:
//   model.*  shape of the Llama-style model (char level: vocab = the corpus' distinct bytes)
//   data.*   corpus
//   train.*  optimizer, schedule, batch, logging, evaluation, checkpoints
//   hwa.*    hardware-aware options (hwa.hpp: Joshi 2020; Rasch 2023)
// Cross-key rules (dim divisible by n_heads, ...) are InputErrors naming both keys and values.
#pragma once

#include <cstdint>
#include <string>

#include "params/config.hpp"
#include "params/table.hpp"
#include "training/hwa.hpp"
#include "training/optimizer.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::training {

struct TrainConfig {
    // vocab_size is filled in from the corpus
    transformer::ModelConfig model{.dim = 128, .hidden_dim = 384, .n_layers = 5, .n_heads = 4, .n_kv_heads = 4,
                                   .seq_len = 256, .shared_classifier = false};
    std::string corpus;              // "" = the vendored tiny-shakespeare
    AdamWOptions adamw{.lr = 2e-3, .lr_min = 2e-4, .warmup_steps = 200, .total_steps = 5000};
    HwaOptions hwa;
    std::uint64_t seed = 1;
    int batch_size = 32;
    double init_std = 0.02;
    std::string init_from;           // llama2.c .bin to start from, "" = random init
    std::int64_t log_every = 10;
    std::int64_t eval_every = 250;   // 0 = only at the end
    int eval_windows = 64;           // held-out windows per periodic evaluation
    std::int64_t checkpoint_every = 500;  // 0 = only at the end
};

/// Every training key.
params::Schema training_schema();
/// The table training_schema() and train_config_from() are derived from (params/table.hpp),
/// defaults from TrainConfig{}.
const params::Table<TrainConfig>& training_keys();

/// The option structs from a configuration built on training_schema(). InputError for
/// cross-key violations.
TrainConfig train_config_from(const params::Config& config);

/// Keys that may differ between a checkpoint's configuration and a resumed run's (they do
/// not change the numbers): logging, evaluation and checkpoint cadence.
bool key_may_change_on_resume(const std::string& key);

}  // namespace kirchhoff::training
