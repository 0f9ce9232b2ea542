// Training checkpoints: everything a resumed run needs to continue exactly where the saved
// one stopped, in one safetensors file (io/):
//   tensors  params, adam_m, adam_v: F32 (layout.total), ParamLayout order (layout.hpp)
//   metadata kirchhoff_train_checkpoint = "1", step (optimizer steps done), data_rng_state
//            (SplitMix64 state of the batch sampler, decimal), config (the effective
//            configuration as JSON), param_count.
// Noise streams are counter-based (keyed by seed and step), so they need no state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "params/config.hpp"
#include "training/layout.hpp"

namespace kirchhoff::training {

struct TrainState {
    std::vector<float> params, m, v;  // (layout.total) each
    std::int64_t step = 0;            // optimizer steps done
    std::uint64_t data_rng = 0;       // batch sampler state
};

/// Writes atomically (PATH.tmp, then rename).
void save_checkpoint(const std::filesystem::path& path, const TrainState& state, const params::Config& config);

/// Reads a checkpoint for `layout`; InputError naming the file for a wrong kind of file or
/// tensors of the wrong size.
TrainState load_checkpoint(const std::filesystem::path& path, const ParamLayout& layout);

/// InputError naming the file, the key, the checkpoint's value and the given value when
/// `config` differs from the checkpoint's in a key that changes the numbers
/// (key_may_change_on_resume lists the others).
void check_resume_config(const std::filesystem::path& path, const params::Config& config);

}  // namespace kirchhoff::training
