// `kirchhoff run [--model M] [--tokenizer T] [--text FILE] [--tokens N] [--engine E] [--tables F]
//  [--validate-fraction F] [--validate-count N] [--validate-engine E] [--config F] [--set k=v ...]
//  [--out DIR] [--json]`: the model's perplexity in float32 (digital) and on simulated crossbars
// (analog), tokens per second, and the sampled circuit validation per layer.
//
// Effect on the logits (when anything was validated): a shadow pass replays the same tokens
// with the same noise draws and ADC ranges, but every validated MVM returns the full circuit's
// outputs instead of the engine's. Reported: its perplexity, the mean KL(analog || shadow) of
// the next-token distributions over all positions run, and the NMSE of the shadow logits
// against the analog ones. The analog perplexity itself always comes from the engine alone.
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/analog_setup.hpp"
#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "params/error.hpp"
#include "transformer/perplexity.hpp"
#include "validation/gnuplot.hpp"

namespace kirchhoff::cli {

namespace {

struct RunOptions {
    std::string model = default_model_path, tokenizer, text, tables, out_dir;
    int tokens = 256;
    std::string engine = "surrogate", validate_engine = "nodal";
    double validate_fraction = 0.01;
    long validate_count = 0;
    bool json = false;
};

struct LogitEffect {
    double ppl_shadow = 0, kl_mean_nats = 0, logit_nmse = 0;
};

// KL(p || q) of softmax(a) and softmax(b), in nats.
double kl_of_logits(const std::vector<float>& a, const std::vector<float>& b) {
    auto log_softmax = [](const std::vector<float>& z) {
        double m = -INFINITY;
        for (float v : z) m = std::max(m, double(v));
        double s = 0;
        for (float v : z) s += std::exp(double(v) - m);
        std::vector<double> out;
        for (float v : z) out.push_back(double(v) - m - std::log(s));
        return out;
    };
    const auto la = log_softmax(a), lb = log_softmax(b);
    double kl = 0;
    for (std::size_t k = 0; k < la.size(); ++k) kl += std::exp(la[k]) * (la[k] - lb[k]);
    return kl;
}

void write_outputs(const std::string& dir, const nlohmann::json& summary, const std::vector<analog::ValidationStats>& v,
                   const params::Config& config) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    {
        std::ofstream f(fs::path(dir) / "validation.csv");
        f << "layer,count,nmse,max_rel_err,correlation,seconds\n";
        for (const auto& s : v)
            f << fmt::format("{},{},{:.9g},{:.9g},{:.9g},{:.6g}\n", s.layer, s.count, s.nmse(), s.max_rel_err,
                             s.correlation(), s.seconds);
    }
    std::ofstream(fs::path(dir) / "summary.json") << summary.dump(2) << "\n";
    std::ofstream(fs::path(dir) / "config.toml") << config.to_toml();
    // NMSE per layer (validated layers only; log scale).
    std::ofstream data(fs::path(dir) / "validation_nmse.dat");
    int row = 0;
    for (const auto& s : v)
        if (s.count > 0 && s.nmse() > 0) data << row++ << " " << s.nmse() << " \"" << s.layer << "\"\n";
    data.close();
    if (row == 0) return;
    const std::string script = fmt::format(
        "set terminal pngcairo size 1000,500\nset output 'validation_nmse.png'\n"
        "set title 'surrogate vs circuit ({} engine): NMSE per layer'\nset logscale y\nset ylabel 'NMSE'\n"
        "set xtics rotate by -60 font ',8'\nset style fill solid 0.6\nset boxwidth 0.7\nunset key\n"
        "plot 'validation_nmse.dat' using 1:2:xtic(3) with boxes\n",
        summary.value("validate_engine", std::string("?")));
    validation::run_gnuplot(fs::path(dir) / "validation_nmse.gp", script);
    fmt::print(stderr, "wrote {}/validation.csv, summary.json, config.toml, validation_nmse.png\n", dir);
}

void run(const RunOptions& o, const ConfigOptions& config_options) {
    if (o.model.empty())
        throw InputError("--model: empty; give a llama2.c .bin "
                         "or a Hugging Face folder");
    const params::Config config = config_options.load();
    print_effective_config(config);
    const analog::EngineKind engine = analog::parse_engine(o.engine, "--engine");
    analog::AnalogOptions options = analog_options(config, engine, o.tables);
    options.validate = analog::parse_check_engine(o.validate_engine, "--validate-engine");
    options.validate_fraction = o.validate_fraction;
    options.validate_max_per_layer = o.validate_count;
    if (o.validate_fraction == 0) options.validate = analog::CheckEngine::none;

    const transformer::Model model = load_model(o.model);
    const auto tokenizer = load_model_tokenizer(o.tokenizer, o.model, model.config.vocab_size);
    std::string source;
    const std::vector<int> tokens = text_tokens(o.text, *tokenizer, o.tokens, &source);
    fmt::print(stderr, "model {} ({} parameters), {} tokens of {}\n", o.model, model.parameter_count(), tokens.size(),
               source);

    transformer::IdealBackend digital;
    const auto d = transformer::perplexity<float>(model, digital, tokens);

    analog::AnalogBackend backend(options);
    backend.set_record_logits(options.validate != analog::CheckEngine::none);
    const auto a = transformer::perplexity<float>(model, backend, tokens);
    const double inference_s = a.seconds - backend.validation_seconds();
    const double analog_tps = inference_s > 0 ? a.tokens_run / inference_s : 0.0;
    const auto stats = backend.validation();
    long validated = 0;
    for (const auto& s : stats) validated += s.count;

    std::optional<LogitEffect> effect;
    if (validated > 0) {
        const auto main_logits = backend.recorded_logits();
        backend.clear_recorded_logits();
        backend.restart();
        backend.set_substitute(true);
        analog::AnalogBackend& shadow = backend;
        const auto s = transformer::perplexity<float>(model, shadow, tokens);
        const auto& shadow_logits = shadow.recorded_logits();
        LogitEffect e;
        e.ppl_shadow = s.perplexity();
        double err = 0, ref = 0;
        for (std::size_t i = 0; i < main_logits.size() && i < shadow_logits.size(); ++i) {
            e.kl_mean_nats += kl_of_logits(main_logits[i], shadow_logits[i]) / double(main_logits.size());
            for (std::size_t k = 0; k < main_logits[i].size(); ++k) {
                const double diff = double(shadow_logits[i][k]) - main_logits[i][k];
                err += diff * diff, ref += double(main_logits[i][k]) * main_logits[i][k];
            }
        }
        e.logit_nmse = ref > 0 ? err / ref : 0.0;
        effect = e;
    }

    nlohmann::json j;
    j["model"] = o.model;
    j["engine"] = o.engine;
    j["validate_engine"] = to_string(options.validate);
    j["tokens"] = tokens.size();
    j["tiles"] = backend.tiles();
    j["ppl_digital"] = d.perplexity();
    j["ppl_analog"] = a.perplexity();
    j["bits_per_token_digital"] = d.bits_per_token();
    j["bits_per_token_analog"] = a.bits_per_token();
    j["tokens_per_s"] = analog_tps;
    j["tokens_per_s_digital"] = d.tokens_per_second();
    j["tokens_per_s_with_validation"] = a.tokens_per_second();
    j["prepare_s"] = backend.prepare_seconds();
    j["validation_s"] = backend.validation_seconds();
    j["validation"] = nlohmann::json::array();
    for (const auto& s : stats)
        j["validation"].push_back({{"layer", s.layer}, {"count", s.count}, {"nmse", s.nmse()},
                                   {"max_rel_err", s.max_rel_err}, {"correlation", s.correlation()}});
    if (effect)
        j["logit_effect"] = {{"ppl_circuit_substituted", effect->ppl_shadow},
                             {"kl_mean_nats", effect->kl_mean_nats},
                             {"logit_nmse", effect->logit_nmse}};
    if (!o.out_dir.empty()) write_outputs(o.out_dir, j, stats, config);
    if (o.json) {
        fmt::print("{}\n", j.dump());
        return;
    }
    fmt::print("{} tokens of {}; {} tiles of {}x{}, engine {}\n", tokens.size(), source, backend.tiles(),
               options.config.crossbar.spec.rows, options.config.crossbar.spec.cols, o.engine);
    fmt::print("{:>8}  {:>12}  {:>14}  {:>12}\n", "", "perplexity", "bits/token", "tokens/s");
    fmt::print("{:>8}  {:>12.5f}  {:>14.5f}  {:>12.1f}\n", "digital", d.perplexity(), d.bits_per_token(),
               d.tokens_per_second());
    fmt::print("{:>8}  {:>12.5f}  {:>14.5f}  {:>12.1f}   (without validation solves; {:.1f} with them; tiles "
               "programmed in {:.2f} s)\n",
               "analog", a.perplexity(), a.bits_per_token(), analog_tps, a.tokens_per_second(),
               backend.prepare_seconds());
    if (options.validate == analog::CheckEngine::none) return;
    fmt::print("\nvalidation: {} engine vs {} circuit solves, fraction {} of the MVMs of each layer after ADC "
               "calibration ({:.2f} s)\n",
               o.engine, to_string(options.validate), o.validate_fraction, backend.validation_seconds());
    fmt::print("{:<22} {:>6} {:>12} {:>12} {:>12}\n", "layer", "count", "nmse", "max_rel_err", "correlation");
    for (const auto& s : stats)
        fmt::print("{:<22} {:>6} {:>12.3e} {:>12.3e} {:>12.9f}\n", s.layer, s.count, s.nmse(), s.max_rel_err,
                   s.correlation());
    if (effect)
        fmt::print("effect on the logits (validated MVMs take the circuit's outputs): perplexity {:.5f} "
                   "(analog {:.5f}), mean KL {:.3e} nats, logit NMSE {:.3e}\n",
                   effect->ppl_shadow, a.perplexity(), effect->kl_mean_nats, effect->logit_nmse);
}

}  // namespace

void add_run_command(CLI::App& app) {
    auto o = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Perplexity of a transformer in float32 and on simulated crossbars, "
                                              "with sampled full-circuit validation");
    cmd->add_option("--model", o->model, "llama2.c .bin or Hugging Face folder (default: the shipped plain model, models/plain/model.bin)");
    cmd->add_option("--tokenizer", o->tokenizer, "tokenizer file (default: tokenizer.json or tokenizer.bin beside the model)");
    cmd->add_option("--text", o->text, "text to score (default: held-out tail of transformer/data/tinyshakespeare.txt)");
    cmd->add_option("--tokens", o->tokens, "score the first N tokens of the text, 0 for all (default 256)")
        ->check(CLI::Range(0, 1 << 30));
    cmd->add_option("--engine", o->engine, "crossbar engine for every layer: ideal, surrogate, nodal (default surrogate)")
        ->check(CLI::IsMember({"ideal", "surrogate", "nodal"}));
    cmd->add_option("--tables", o->tables, "surrogate table from `kirchhoff fit` (device cells; default: fit in-process)");
    cmd->add_option("--validate-fraction", o->validate_fraction,
                    "fraction of each layer's MVMs re-solved as full circuits, in [0, 1] (default 0.01)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--validate-count", o->validate_count, "at most N validated MVMs per layer, 0 for no cap (default 0)")
        ->check(CLI::Range(0L, 1L << 40));
    cmd->add_option("--validate-engine", o->validate_engine, "nodal or spice (default nodal)")
        ->check(CLI::IsMember({"nodal", "spice"}));
    cmd->add_option("--out", o->out_dir, "write validation.csv, summary.json, config.toml and a plot here")
        ->type_name("DIR");
    cmd->add_flag("--json", o->json,
                  "print one JSON object {ppl_digital, ppl_analog, tokens_per_s, validation: [{layer, count, nmse, "
                  "max_rel_err, correlation}], ...}");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, analog::analog_schema());
    cmd->callback([o, config_options] { run(*o, *config_options); });
}

}  // namespace kirchhoff::cli
