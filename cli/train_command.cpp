// `kirchhoff train [--config F] [--set k=v ...] --out DIR [--resume CKPT]`: trains a small
// Llama-style character model on the vendored corpus (digital, or hardware-aware with the
// hwa.* keys), writes model.bin (llama2.c, what the runner loads), tokenizer.json, loss.csv,
// loss.png (gnuplot), checkpoint.safetensors, config.toml and summary.json into DIR, then
// checks the saved model through the runner's forward pass (perplexity on the held-out text).
#include <cmath>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"
#include "tokenizers/char_tokenizer.hpp"
#include "training/config.hpp"
#include "training/corpus.hpp"
#include "training/loop.hpp"
#include "transformer/linear_backend.hpp"
#include "transformer/llama2c.hpp"
#include "transformer/perplexity.hpp"

namespace kirchhoff::cli {

namespace {

struct TrainOptions {
    std::string out_dir;
    std::string resume;
    std::int64_t stop_after = 0;
    bool runner_check = true;
};

void plot_loss(const std::filesystem::path& dir) {
    const std::string script =
        "set terminal pngcairo size 900,600 font ',11' noenhanced\nset output 'loss.png'\n"
        "set datafile separator ','\nset key autotitle columnhead top right\n"
        "set title 'kirchhoff train: loss (nats per character)'\nset xlabel 'step'\nset ylabel 'nats per character'\n"
        "set grid\nset yrange [*:*]\n"
        "plot 'loss.csv' using 1:3 with lines lw 2 title 'training (batch mean)', "
        "'' using 1:6 with linespoints lw 2 pt 7 title 'held-out (digital)', "
        "'' using 1:7 with linespoints lw 2 pt 5 title 'held-out (hardware-aware forward)'\n";
    if (io::run_gnuplot(dir / "loss.gp", script, dir / "loss.png")) fmt::print(stderr, "wrote {}\n", (dir / "loss.png").string());
}

void run(const TrainOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    print_effective_config(config);
    io::prepare_output_dir(o.out_dir, "--out");  // before training
    training::RunOptions ro;
    ro.out_dir = o.out_dir;
    ro.resume = o.resume;
    ro.stop_after = o.stop_after;
    const training::RunResult r = training::run_training(config, ro);
    for (const auto& f : {r.model, r.tokenizer, r.loss_csv, r.checkpoint, r.summary})
        fmt::print(stderr, "wrote {}\n", f.string());
    plot_loss(ro.out_dir);
    fmt::print("steps {} | {} parameters | {:.0f} tokens/s | {:.1f} s this run\n", r.steps, r.parameters,
               r.tokens_per_second, r.seconds);
    if (std::isnan(r.final_eval.heldout_nats)) return;  // stopped early: no final evaluation
    fmt::print("held-out loss {:.4f} nats/char over {} characters (training graph, windows of seq_len)\n",
               r.final_eval.heldout_nats, r.final_eval.targets);
    if (!std::isnan(r.final_eval.heldout_hwa_nats))
        fmt::print("held-out loss {:.4f} nats/char through the hardware-aware forward pass\n", r.final_eval.heldout_hwa_nats);
    if (!o.runner_check) return;
    // The saved files through the runner: llama2.c loader, char tokenizer, Forward<float>.
    const transformer::Model model = transformer::load_llama2c(r.model);
    const tokenizers::CharTokenizer tok = tokenizers::CharTokenizer::load(r.tokenizer);
    const training::Corpus corpus = training::load_corpus(training::train_config_from(config).corpus);
    const std::vector<int> heldout = tok.encode(std::string_view(corpus.text).substr(static_cast<std::size_t>(corpus.split)));
    transformer::IdealBackend ideal;
    transformer::PerplexityOptions po;
    po.context = model.config.seq_len;
    po.stride = model.config.seq_len - 1;
    const transformer::PerplexityResult p = transformer::perplexity<float>(model, ideal, heldout, po);
    fmt::print("runner check: {} loaded, held-out {:.4f} nats/char (perplexity {:.3f}, {:.3f} bits/char; windows of {} "
               "tokens, stride {}), {:.0f} tokens/s\n",
               r.model.string(), p.mean_nll_nats(), p.perplexity(), p.bits_per_token(), p.context, p.stride,
               p.tokens_per_second());
    nlohmann::json summary = nlohmann::json::parse(std::ifstream(r.summary));
    summary["runner_heldout_nats_per_char"] = p.mean_nll_nats();
    summary["runner_context"] = p.context;
    summary["runner_stride"] = p.stride;
    io::write_file_atomic(r.summary, summary.dump(2) + "\n");
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto options = std::make_shared<TrainOptions>();
    CLI::App* cmd = app.add_subcommand(
        "train", "Train a small Llama-style character model (digital or hardware-aware) on the vendored corpus");
    cmd->add_option("--out", options->out_dir, "output folder: model.bin, tokenizer.json, loss.csv/png, checkpoint")
        ->type_name("DIR")
        ->required();
    cmd->add_option("--resume", options->resume,
                    "continue from a checkpoint.safetensors (same configuration; the result equals an uninterrupted run)")
        ->type_name("CKPT");
    cmd->add_option("--stop-after", options->stop_after,
                    "stop after this step with a checkpoint, to --resume later (default: run to train.steps)")
        ->type_name("STEP");
    cmd->add_flag("!--no-runner-check", options->runner_check,
                  "skip scoring the saved model.bin through the runner's forward pass at the end");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, training::training_schema());
    cmd->callback([options, config_options] { run(*options, *config_options); });
}

}  // namespace kirchhoff::cli
