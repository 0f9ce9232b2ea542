// The training loop: batches from the corpus, forward/backward through TrainGraph, AdamW,
// weight clipping, held-out evaluation, checkpoints; and run_training(), which does a whole
// run into an output folder (what `kirchhoff train` calls).
//
// Batches: each step draws batch_size offsets uniformly from the training tokens with the
// SplitMix64 stream whose state the checkpoint keeps; the row is tokens[o, o + seq_len].
// Held-out loss: the held-out tokens cut into windows of seq_len + 1 tokens that overlap by
// one (every held-out token after the first is a target exactly once, predicted from the
// earlier tokens of its window); periodic evaluations use `eval_windows` evenly spaced
// windows, the final one all of them. Reported in nats per character (= per token).
// With hardware-aware options the held-out loss is reported twice: digital (the weights as
// the runner's ideal backend uses them) and through the hardware-aware forward pass.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "params/config.hpp"
#include "training/checkpoint.hpp"
#include "training/config.hpp"
#include "training/corpus.hpp"
#include "training/graph.hpp"

namespace kirchhoff::training {

struct StepReport {
    std::int64_t step = 0;
    double loss_nats = 0;  // mean training loss of this step's batch
    double lr = 0;
    double grad_norm = 0;  // before clipping
    double seconds = 0;    // wall time of the step
};

struct EvalReport {
    std::int64_t step = 0;
    std::int64_t targets = 0;
    double heldout_nats = NAN;      // digital
    double heldout_hwa_nats = NAN;  // through the hardware-aware forward pass (NaN without)
};

class Trainer {
public:
    /// `corpus` must outlive the trainer; cfg.model.vocab_size is taken from it.
    Trainer(TrainConfig cfg, const Corpus& corpus);

    /// Random initialisation from the seed, or the weights of cfg.init_from (a llama2.c .bin
    /// of the same shape; InputError otherwise), unchanged (weight clipping applies after each
    /// optimizer step). Resets the optimizer and the step.
    void init_weights();
    /// Continues from a checkpoint's state.
    void restore(TrainState state);

    StepReport step();
    /// Held-out loss; `all_windows` false = cfg.eval_windows evenly spaced windows.
    EvalReport evaluate(bool all_windows);

    transformer::Model model() const;
    const TrainState& state() const { return state_; }
    const ParamLayout& layout() const { return layout_; }
    const TrainConfig& config() const { return cfg_; }
    bool hardware_aware() const { return hwa_ != nullptr; }

private:
    double heldout(TrainLinearBackend<float>& backend, bool all_windows, std::int64_t* targets);

    TrainConfig cfg_;
    const Corpus& corpus_;
    ParamLayout layout_;
    TrainGraph<float> graph_;
    AdamW adamw_;
    IdealTrainLinear<float> ideal_;
    std::unique_ptr<HardwareAwareLinear<float>> hwa_;
    TrainState state_;
    std::vector<float> grad_;
    std::vector<int> tokens_;
};

struct RunOptions {
    std::filesystem::path out_dir;
    std::filesystem::path resume;                  // checkpoint, or empty
    std::int64_t stop_after = 0;                   // stop (with a checkpoint) after this step; 0 = run to the end
    std::function<void(std::string_view)> log;     // progress lines; default: stderr
};

struct RunResult {
    EvalReport start_eval;  // before the first step, when starting from train.init_from
    EvalReport final_eval;
    std::int64_t steps = 0;
    std::int64_t parameters = 0;
    double seconds = 0;
    double tokens_per_second = 0;
    std::filesystem::path model, tokenizer, loss_csv, checkpoint, summary;
};

/// A whole run into options.out_dir: model.bin (llama2.c), tokenizer.json (char),
/// loss.csv (step, lr, train_loss_nats, grad_norm, tokens_per_s, heldout_nats,
/// heldout_hwa_nats), checkpoint.safetensors (every checkpoint_every steps and at the end),
/// config.toml (effective configuration), summary.json (final held-out loss, figures).
RunResult run_training(const params::Config& config, const RunOptions& options);

}  // namespace kirchhoff::training
