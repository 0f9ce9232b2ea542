// `kirchhoff run [--model M] [--tokenizer T] [--text FILE] [--tokens N] [--engine E] [--tables F]
//  [--validate-fraction F] [--validate-count N] [--validate-engine E] [--reference-tokens N]
//  [--config F] [--set k=v ...] [--out DIR] [--json]`: the model's perplexity in float32
// (digital) and on simulated crossbars (analog), tokens per second, the sampled circuit
// validation per layer with its effect on the logits, and the full-circuit reference perplexity
// over the first N tokens (evaluation/model_evaluation.hpp does the work; this file is flags
// and output).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "evaluation/model_evaluation.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

namespace {

struct RunOptions {
    evaluation::RunSpec spec;  // the flags that map onto it directly; the rest below
    std::string engine = "surrogate", validate_engine = "nodal", out_dir;
    bool validate_inline = false, json = false;
};

// A validation statistic in `format`, or `none` for a layer without validated MVMs (no score).
std::string score(const analog::ValidationStats& s, double value, std::string_view format, const char* none) {
    return s.validated() ? fmt::format(fmt::runtime(format), value) : std::string(none);
}

void write_outputs(const std::string& dir, const nlohmann::json& summary, const std::vector<analog::ValidationStats>& v,
                   const params::Config& config) {
    namespace fs = std::filesystem;
    io::prepare_output_dir(dir, "--out");
    std::string csv = "layer,count,nmse,max_rel_err,correlation,seconds,failed\n";
    for (const auto& s : v)  // null: nothing validated, no score
        csv += fmt::format("{},{},{},{},{},{:.6g},{}\n", s.layer, s.count, score(s, s.nmse(), "{:.9g}", "null"),
                           score(s, s.max_rel_err, "{:.9g}", "null"), score(s, s.correlation(), "{:.9g}", "null"),
                           s.seconds, s.failed);
    io::write_file_atomic(fs::path(dir) / "validation.csv", csv);
    io::write_file_atomic(fs::path(dir) / "summary.json", summary.dump(2) + "\n");
    io::write_file_atomic(fs::path(dir) / "config.toml", config.to_toml());
    fmt::print(stderr, "wrote {}/validation.csv, summary.json, config.toml\n", dir);
    // NMSE per layer (validated layers only; log scale).
    std::string data;
    int row = 0;
    for (const auto& s : v)
        if (s.count > 0 && s.nmse() > 0)
            data += fmt::format("{} {:.9g} \"{}\"\n", row++, s.nmse(), io::gnuplot_data_label(s.layer));
    io::write_file_atomic(fs::path(dir) / "validation_nmse.dat", data);
    if (row == 0) return;
    const std::string script = fmt::format(
        "set terminal pngcairo size 1000,500\nset output 'validation_nmse.png'\n"
        "set title {}\nset logscale y\nset ylabel 'NMSE'\n"
        "set xtics rotate by -60 font ',8'\nset style fill solid 0.6\nset boxwidth 0.7\nunset key\n"
        "plot 'validation_nmse.dat' using 1:2:xtic(3) with boxes\n",
        io::gnuplot_quote(fmt::format("surrogate vs circuit ({} engine): NMSE per layer",
                                              summary.value("validate_engine", std::string("?")))));
    if (io::run_gnuplot(fs::path(dir) / "validation_nmse.gp", script, fs::path(dir) / "validation_nmse.png"))
        fmt::print(stderr, "wrote {}/validation_nmse.png\n", dir);
}

void print_validation(const evaluation::Evaluation& ev, const evaluation::RunSpec& spec) {
    fmt::print("\nvalidation: {} engine vs {} circuit solves, fraction {} of the MVMs of each layer after ADC "
               "calibration ({:.2f} s of solves, {})\n",
               ev.engine, ev.validate_engine, spec.validate_fraction, ev.validation_s,
               spec.validate_in_background ? "on a worker thread beside inference" : "inline");
    fmt::print("{:<22} {:>6} {:>12} {:>12} {:>12}\n", "layer", "count", "nmse", "max_rel_err", "correlation");
    for (const auto& s : ev.validation)
        fmt::print("{:<22} {:>6} {:>12} {:>12} {:>12}\n", s.layer, s.count, score(s, s.nmse(), "{:.3e}", "-"),
                   score(s, s.max_rel_err, "{:.3e}", "-"), score(s, s.correlation(), "{:.9f}", "-"));
    for (const auto& s : ev.validation)
        if (s.failed)
            fmt::print("{}: {} circuit solve(s) failed and were left out; first: {}\n", s.layer, s.failed,
                       s.first_error);
    if (const auto& e = ev.logit_effect)
        fmt::print("effect on the logits over the {} scored positions (validated MVMs take the circuit's outputs): "
                   "perplexity {:.5f} (analog {:.5f}), mean KL {:.3e} nats, logit NMSE {:.3e}\n",
                   ev.analog.scored, e->ppl_circuit_substituted, ev.analog.perplexity(), e->kl_mean_nats,
                   e->logit_nmse);
}

// The circuit reference (evaluation/circuit_reference.hpp) over the first N tokens.
void print_reference(const evaluation::CircuitReference& r) {
    const std::int64_t targets = r.tokens - 1;
    if (r.engine_is_circuit) {
        fmt::print("\ncircuit reference over the first {} tokens ({} targets): the engine is the nodal circuit itself, "
                   "so ppl_circuit is its own perplexity {:.5f} (digital {:.5f}) and its share of the analog error is "
                   "0 by construction; nothing was run twice\n",
                   r.tokens, targets, r.ppl_circuit(), r.digital.perplexity());
        return;
    }
    fmt::print("\ncircuit reference over the first {} tokens ({} targets): every MVM solved as a full circuit by the "
               "nodal engine, on the same tiles and read-noise draws ({:.1f} s, {:.2f} tokens/s)\n",
               r.tokens, targets, r.seconds, r.circuit.tokens_per_second());
    fmt::print("{:>10}  {:>12}\n", "", "perplexity");
    fmt::print("{:>10}  {:>12.5f}\n", "digital", r.digital.perplexity());
    fmt::print("{:>10}  {:>12.5f}\n", "circuit", r.ppl_circuit());
    fmt::print("{:>10}  {:>12.5f}\n", r.engine, r.analog.perplexity());
    if (const auto share = r.engine_error_share())
        fmt::print("{} share of the analog error |{} - circuit| / |circuit - digital| = {:.4f} (0: the engine gives "
                   "the circuit's perplexity)\n",
                   r.engine, r.engine, *share);
    else
        fmt::print("{} share of the analog error: undefined, the circuit's perplexity equals the digital one\n",
                   r.engine);
}

void run(const RunOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    print_effective_config(config);
    evaluation::RunSpec spec = o.spec;
    spec.engine = analog::parse_engine(o.engine, "--engine");
    spec.validate = analog::parse_check_engine(o.validate_engine, "--validate-engine");
    spec.validate_in_background = !o.validate_inline;
    if (!o.out_dir.empty()) io::prepare_output_dir(o.out_dir, "--out");  // before hours of computing
    const evaluation::Evaluation ev = evaluation::evaluate(config, spec);

    const nlohmann::json j = ev.to_json();
    if (!o.out_dir.empty()) write_outputs(o.out_dir, j, ev.validation, config);
    if (o.json) {
        fmt::print("{}\n", j.dump());
        return;
    }
    const analog::AnalogConfig hw = analog::analog_config(config);
    fmt::print("{} tokens of {}; {} tiles of {}x{}, engine {}, output calibration {} (adc.calibration)\n", ev.tokens,
               ev.text_source, ev.tiles, hw.crossbar.spec.rows, hw.crossbar.spec.cols, ev.engine, ev.calibration);
    const evaluation::CalibrationPass& cal = ev.calibration_set;
    if (cal.tokens > 0)
        fmt::print("ADC ranges and output calibration fitted on a calibration set of {} tokens of {} ({} MVMs per "
                   "layer{}; {:.2f} s, not counted in tokens/s or energy), frozen before scoring (calibration.*)\n",
                   cal.tokens, cal.source, cal.mvms_per_layer,
                   cal.attention_mvms ? fmt::format(", {} attention products", cal.attention_mvms) : std::string(),
                   cal.seconds);
    else
        fmt::print("ADC ranges and output calibration fitted on {} ({} MVMs per layer)\n", cal.source, cal.mvms_per_layer);
    fmt::print("{:>8}  {:>12}  {:>14}  {:>12}\n", "", "perplexity", "bits/token", "tokens/s");
    fmt::print("{:>8}  {:>12.5f}  {:>14.5f}  {:>12.1f}\n", "digital", ev.digital.perplexity(),
               ev.digital.bits_per_token(), ev.digital.tokens_per_second());
    fmt::print("{:>8}  {:>12.5f}  {:>14.5f}  {:>12.1f}   (not counting waits for validation; {:.1f} with them; tiles "
               "programmed in {:.2f} s)\n",
               "analog", ev.analog.perplexity(), ev.analog.bits_per_token(), ev.tokens_per_s,
               ev.tokens_per_s_with_validation, ev.prepare_s);
    fmt::print("\nenergy and latency per token (first-order estimate; analog/README.md):\n{}", ev.energy.table());
    if (ev.validate_engine != "none") print_validation(ev, spec);
    if (ev.reference) print_reference(*ev.reference);
}

}  // namespace

void add_run_command(CLI::App& app) {
    auto o = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Perplexity of a transformer in float32 and on simulated crossbars, "
                                              "with sampled full-circuit validation");
    cmd->add_option("--model", o->spec.model, "llama2.c .bin or Hugging Face folder (default: the shipped plain model, models/plain/model.bin)");
    cmd->add_option("--tokenizer", o->spec.tokenizer, "tokenizer file (default: tokenizer.json or tokenizer.bin beside the model)");
    cmd->add_option("--text", o->spec.text, "text to score (default: held-out tail of data/tinyshakespeare.txt)");
    cmd->add_option("--tokens", o->spec.tokens, "score the first N tokens of the text, 0 for all (default 256)")
        ->check(CLI::Range(0, 1 << 30));
    cmd->add_option("--engine", o->engine,
                    fmt::format("crossbar engine for every layer: ideal, surrogate, nodal (default surrogate). {}",
                                ideal_engine_help))
        ->check(CLI::IsMember({"ideal", "surrogate", "nodal"}));
    cmd->add_option("--tables", o->spec.tables, "surrogate table from `kirchhoff fit` (device cells; default: fit in-process)");
    cmd->add_option("--validate-fraction", o->spec.validate_fraction,
                    "fraction of each layer's MVMs re-solved as full circuits, in [0, 1] (default 0.01)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--validate-count", o->spec.validate_count, "at most N validated MVMs per layer, 0 for no cap (default 0)")
        ->check(CLI::Range(0L, 1L << 40));
    cmd->add_option("--validate-engine", o->validate_engine, "nodal or spice (default nodal)")
        ->check(CLI::IsMember({"nodal", "spice"}));
    cmd->add_option("--reference-tokens", o->spec.reference_tokens,
                    "score the first N tokens again with every MVM solved as a full circuit (nodal engine; slow) and "
                    "report ppl_circuit and the engine's share of the analog error; 0 for none (default 0)")
        ->check(CLI::Range(0, 1 << 30));
    cmd->add_option("--validate-cache-mib", o->spec.validate_cache_mib,
                    "ohmic cells, surrogate engine, nodal validation: MiB of the factorisations programming made, kept "
                    "so that a validation is one substitution per tile; 0 keeps none (slower, same statistics) "
                    "(default 2048)")
        ->check(CLI::Range(0.0, 1e9));
    cmd->add_flag("--validate-inline", o->validate_inline,
                  "solve validated MVMs inline instead of on a worker thread beside inference (same statistics)");
    cmd->add_option("--out", o->out_dir, "write validation.csv, summary.json, config.toml and a plot here")
        ->type_name("DIR");
    cmd->add_flag("--json", o->json,
                  "print one JSON object {ppl_digital, ppl_analog, tokens_per_s, validation: [{layer, count, nmse, "
                  "max_rel_err, correlation}], circuit_reference: {ppl_circuit, ...} with --reference-tokens, ...}");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, analog::analog_schema());
    cmd->callback([o, config_options] { run(*o, *config_options); });
}

}  // namespace kirchhoff::cli
