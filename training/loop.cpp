// Trainer and run_training (see loop.hpp).
#include "training/loop.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"
#include "training/rng.hpp"
#include "transformer/llama2c.hpp"

namespace kirchhoff::training {

namespace {

TrainConfig with_vocab(TrainConfig cfg, const Corpus& corpus) {
    cfg.model.vocab_size = corpus.tokenizer.vocab_size();
    return cfg;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Trainer::Trainer(TrainConfig cfg, const Corpus& corpus)
    : cfg_(with_vocab(std::move(cfg), corpus)),
      corpus_(corpus),
      layout_(cfg_.model),
      graph_(layout_),
      adamw_(layout_, cfg_.adamw) {
    if (static_cast<std::int64_t>(corpus_.train.size()) <= cfg_.model.seq_len + 1)
        throw InputError(fmt::format("{}: the training text has {} tokens, fewer than model.seq_len + 2 = {}",
                                     corpus_.path.string(), corpus_.train.size(), cfg_.model.seq_len + 2));
    if (static_cast<std::int64_t>(corpus_.heldout.size()) < 2)
        throw InputError(fmt::format("{}: the held-out text has fewer than 2 tokens", corpus_.path.string()));
    if (cfg_.hwa.forward_enabled())
        hwa_ = std::make_unique<HardwareAwareLinear<float>>(cfg_.hwa, static_cast<int>(layout_.linear.size()));
    grad_.assign(layout_.total, 0.0f);
}

void Trainer::init_weights() {
    state_ = TrainState{};
    if (cfg_.init_from.empty()) {
        state_.params = init_parameters(layout_, cfg_.init_std, cfg_.seed);
    } else {
        const transformer::Model m = transformer::load_llama2c(cfg_.init_from);
        state_.params = from_model(layout_, m);
    }
    state_.m.assign(layout_.total, 0.0f);
    state_.v.assign(layout_.total, 0.0f);
    state_.step = 0;
    state_.data_rng = mix64(cfg_.seed ^ 0x6a09e667f3bcc909ULL);
}

void Trainer::restore(TrainState s) {
    if (s.params.size() != layout_.total)
        throw InputError(fmt::format("checkpoint holds {} parameters, the configured model {}", s.params.size(), layout_.total));
    state_ = std::move(s);
}

StepReport Trainer::step() {
    const auto t0 = std::chrono::steady_clock::now();
    const int B = cfg_.batch_size, T = cfg_.model.seq_len;
    const std::uint64_t range = corpus_.train.size() - static_cast<std::size_t>(T);  // offsets 0 .. size - T - 1
    SplitMix64 rng{state_.data_rng};
    tokens_.resize(static_cast<std::size_t>(B) * (T + 1));
    for (int b = 0; b < B; ++b) {
        const std::size_t o = rng.below(range);
        std::copy(corpus_.train.begin() + static_cast<std::ptrdiff_t>(o),
                  corpus_.train.begin() + static_cast<std::ptrdiff_t>(o + T + 1),
                  tokens_.begin() + static_cast<std::ptrdiff_t>(b) * (T + 1));
    }
    state_.data_rng = rng.state;
    const std::int64_t t = state_.step + 1;
    TrainLinearBackend<float>& be = hwa_ ? static_cast<TrainLinearBackend<float>&>(*hwa_) : ideal_;
    const double sum = graph_.forward(state_.params, tokens_, B, T, be, t, true);
    graph_.backward(state_.params, grad_, be);
    // The optimizer owns its moments; keep them in the state so checkpoints see them.
    adamw_.m().swap(state_.m);
    adamw_.v().swap(state_.v);
    const double norm = adamw_.step(state_.params, grad_, t);
    adamw_.m().swap(state_.m);
    adamw_.v().swap(state_.v);
    clip_weights(layout_, state_.params, cfg_.hwa.weight_clip_sigma);
    state_.step = t;
    StepReport r;
    r.step = t;
    r.loss_nats = sum / (static_cast<double>(B) * T);
    r.lr = learning_rate(cfg_.adamw, t);
    r.grad_norm = norm;
    r.seconds = seconds_since(t0);
    return r;
}

double Trainer::heldout(TrainLinearBackend<float>& be, bool all_windows, std::int64_t* targets) {
    const int T = cfg_.model.seq_len;
    const std::vector<int>& h = corpus_.heldout;
    const std::int64_t n_targets = static_cast<std::int64_t>(h.size()) - 1;
    const std::int64_t n_windows = (n_targets + T - 1) / T;  // the last may be shorter
    std::vector<std::int64_t> windows;
    if (all_windows || cfg_.eval_windows >= n_windows) {
        for (std::int64_t w = 0; w < n_windows; ++w) windows.push_back(w);
    } else {
        const std::int64_t full = n_targets / T;  // evenly spaced among the full windows
        for (int i = 0; i < cfg_.eval_windows; ++i) windows.push_back(i * full / cfg_.eval_windows);
    }
    double sum = 0;
    std::int64_t count = 0;
    std::vector<int> batch;
    std::size_t i = 0;
    while (i < windows.size()) {
        // Batch full-length windows together; a short last window runs alone.
        const auto length = [&](std::int64_t w) { return static_cast<int>(std::min<std::int64_t>(T, n_targets - w * T)); };
        const int seq = length(windows[i]);
        batch.clear();
        int rows = 0;
        while (i < windows.size() && rows < cfg_.batch_size && length(windows[i]) == seq) {
            const std::int64_t o = windows[i] * T;
            batch.insert(batch.end(), h.begin() + o, h.begin() + o + seq + 1);
            ++rows;
            ++i;
        }
        sum += graph_.forward(state_.params, batch, rows, seq, be, state_.step, false);
        count += static_cast<std::int64_t>(rows) * seq;
    }
    if (targets) *targets = count;
    return sum / static_cast<double>(count);
}

EvalReport Trainer::evaluate(bool all_windows) {
    EvalReport r;
    r.step = state_.step;
    r.heldout_nats = heldout(ideal_, all_windows, &r.targets);
    if (hwa_) r.heldout_hwa_nats = heldout(*hwa_, all_windows, nullptr);
    return r;
}

transformer::Model Trainer::model() const { return to_model(layout_, state_.params); }

namespace {

std::string csv_number(double x) { return std::isnan(x) ? "" : fmt::format("{:.6g}", x); }

/// Rows of an existing loss.csv up to `step` (for a resumed run), header included.
std::string csv_prefix(const std::filesystem::path& path, std::int64_t step) {
    std::ifstream in(path);
    std::string line, out;
    bool header = true;
    while (std::getline(in, line)) {
        if (header) {
            header = false;
            continue;
        }
        if (line.empty()) continue;
        if (std::stoll(line.substr(0, line.find(','))) <= step) out += line + "\n";
    }
    return out;
}

}  // namespace

RunResult run_training(const params::Config& config, const RunOptions& options) {
    const auto log = options.log ? options.log : [](std::string_view s) { fmt::print(stderr, "{}\n", s); };
    const TrainConfig cfg = train_config_from(config);
    const Corpus corpus = load_corpus(cfg.corpus);
    Trainer trainer(cfg, corpus);
    const TrainConfig& c = trainer.config();
    io::prepare_output_dir(options.out_dir, "output folder");
    RunResult res;
    res.model = options.out_dir / "model.bin";
    res.tokenizer = options.out_dir / "tokenizer.json";
    res.loss_csv = options.out_dir / "loss.csv";
    res.checkpoint = options.out_dir / "checkpoint.safetensors";
    res.summary = options.out_dir / "summary.json";

    std::string csv_rows;
    if (!options.resume.empty()) {
        check_resume_config(options.resume, config);
        trainer.restore(load_checkpoint(options.resume, trainer.layout()));
        csv_rows = csv_prefix(res.loss_csv, trainer.state().step);
        log(fmt::format("resumed from {} at step {}", options.resume.string(), trainer.state().step));
    } else {
        trainer.init_weights();
    }
    io::write_file_atomic(options.out_dir / "config.toml", config.to_toml());
    res.parameters = trainer.model().parameter_count();
    log(fmt::format("corpus {} ({} bytes, SHA-256 {}), split at byte {}: {} training / {} held-out characters, vocab {}",
                    corpus.path.string(), corpus.text.size(), corpus.sha256, corpus.split, corpus.train.size(),
                    corpus.heldout.size(), corpus.tokenizer.vocab_size()));
    log(fmt::format("model: dim {}, hidden {}, {} layers, {} heads ({} kv), seq_len {}, {} parameters; backend {}",
                    c.model.dim, c.model.hidden_dim, c.model.n_layers, c.model.n_heads, c.model.n_kv_heads,
                    c.model.seq_len, res.parameters, trainer.hardware_aware() ? "hardware-aware" : "ideal"));

    const std::string header = "step,lr,train_loss_nats,grad_norm,tokens_per_s,heldout_nats,heldout_hwa_nats\n";
    const auto write_csv = [&] {
        io::write_file_atomic(res.loss_csv, header + csv_rows);
    };
    if (options.resume.empty() && !c.init_from.empty()) {
        // Starting from a trained model (e.g. hardware-aware fine-tuning): its held-out loss
        // before any step, digital and through the hardware-aware forward pass, on all windows.
        const EvalReport e = trainer.evaluate(true);
        res.start_eval = e;
        std::string line = fmt::format("step 0: {} held-out {:.4f} nats/char", c.init_from, e.heldout_nats);
        if (!std::isnan(e.heldout_hwa_nats)) line += fmt::format(" (hardware-aware {:.4f})", e.heldout_hwa_nats);
        log(line);
        csv_rows += fmt::format("0,0,,,,{},{}\n", csv_number(e.heldout_nats), csv_number(e.heldout_hwa_nats));
        write_csv();
    }
    const std::int64_t total = c.adamw.total_steps;
    const std::int64_t stop = options.stop_after > 0 ? std::min(options.stop_after, total) : total;
    const double tokens_per_step = static_cast<double>(c.batch_size) * c.model.seq_len;
    double loss_acc = 0, time_acc = 0, run_time = 0;
    std::int64_t acc_steps = 0, run_steps = 0;
    const auto t_run = std::chrono::steady_clock::now();
    while (trainer.state().step < stop) {
        const StepReport r = trainer.step();
        loss_acc += r.loss_nats;
        time_acc += r.seconds;
        run_time += r.seconds;
        ++acc_steps;
        ++run_steps;
        const bool last = r.step == total;
        const bool eval = last || (c.eval_every > 0 && r.step % c.eval_every == 0);
        if (r.step % c.log_every == 0 || eval || r.step == stop) {
            EvalReport e;
            if (eval) e = trainer.evaluate(last);
            const double tps = tokens_per_step * acc_steps / time_acc;
            std::string line = fmt::format("step {:>6}/{} | loss {:.4f} | lr {:.2e} | grad norm {:.3f} | {:.0f} tokens/s",
                                           r.step, total, loss_acc / acc_steps, r.lr, r.grad_norm, tps);
            if (eval) {
                line += fmt::format(" | held-out {:.4f} nats/char", e.heldout_nats);
                if (!std::isnan(e.heldout_hwa_nats)) line += fmt::format(" (hardware-aware {:.4f})", e.heldout_hwa_nats);
            }
            log(line);
            csv_rows += fmt::format("{},{:.6g},{:.6g},{:.6g},{:.1f},{},{}\n", r.step, r.lr, loss_acc / acc_steps, r.grad_norm,
                                    tps, csv_number(e.heldout_nats), csv_number(e.heldout_hwa_nats));
            write_csv();
            if (last) res.final_eval = e;
            loss_acc = time_acc = 0;
            acc_steps = 0;
        }
        if ((c.checkpoint_every > 0 && r.step % c.checkpoint_every == 0) || r.step == stop)
            save_checkpoint(res.checkpoint, trainer.state(), config);
    }
    res.steps = trainer.state().step;
    res.seconds = seconds_since(t_run);
    res.tokens_per_second = run_steps > 0 ? tokens_per_step * run_steps / run_time : 0;
    const transformer::Model model = trainer.model();
    transformer::save_llama2c(model, res.model);
    corpus.tokenizer.save(res.tokenizer);
    write_csv();
    nlohmann::json summary;
    summary["steps"] = res.steps;
    summary["finished"] = res.steps == total;
    summary["parameters"] = res.parameters;
    summary["tokens_per_second"] = res.tokens_per_second;
    summary["seconds_this_run"] = res.seconds;
    summary["corpus_sha256"] = corpus.sha256;
    summary["heldout_split_byte"] = corpus.split;
    if (!std::isnan(res.start_eval.heldout_nats)) {
        summary["init_from"] = c.init_from;
        summary["start_heldout_nats_per_char"] = res.start_eval.heldout_nats;
        if (!std::isnan(res.start_eval.heldout_hwa_nats))
            summary["start_heldout_hwa_nats_per_char"] = res.start_eval.heldout_hwa_nats;
    }
    if (res.steps == total) {
        summary["heldout_targets"] = res.final_eval.targets;
        summary["heldout_nats_per_char"] = res.final_eval.heldout_nats;
        if (!std::isnan(res.final_eval.heldout_hwa_nats))
            summary["heldout_hwa_nats_per_char"] = res.final_eval.heldout_hwa_nats;
    }
    io::write_file_atomic(res.summary, summary.dump(2) + "\n");
    return res;
}

}  // namespace kirchhoff::training
