// One evaluation of a transformer on simulated crossbars (model_evaluation.hpp).
#include "evaluation/model_evaluation.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "analog/analog_config.hpp"
#include "analog/solve_budget.hpp"
#include "evaluation/model_inputs.hpp"
#include "evaluation/pass_progress.hpp"
#include "params/error.hpp"
#include "transformer/ops.hpp"

namespace kirchhoff::evaluation {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<double> log_softmax(std::span<const float> z) {
    const double lse = transformer::ops::logsumexp(z);
    std::vector<double> out;
    out.reserve(z.size());
    for (float v : z) out.push_back(double(v) - lse);
    return out;
}

// KL(p || q) of softmax(a) and softmax(b), in nats.
double kl_of_logits(std::span<const float> a, std::span<const float> b) {
    const auto la = log_softmax(a), lb = log_softmax(b);
    double kl = 0;
    for (std::size_t k = 0; k < la.size(); ++k) kl += std::exp(la[k]) * (la[k] - lb[k]);
    return kl;
}

std::string cache_key(const RunSpec& s) {
    return fmt::format("{}\n{}\n{}\n{}", s.model_path().string(), s.tokenizer, s.text, s.tokens);
}

}  // namespace

params::Schema evaluation_schema() {
    params::Schema s = analog::analog_schema();
    s.add(run_schema());
    return s;
}

double Evaluation::validation_nmse() const {
    double err = 0, ref = 0;
    for (const auto& s : validation) err += s.sum_sq_err, ref += s.sum_sq_ref;
    return ref > 0 ? err / ref : 0.0;
}

long Evaluation::validation_failed() const {
    long n = 0;
    for (const auto& s : validation) n += long(s.failed);
    return n;
}

long Evaluation::validated() const {
    long n = 0;
    for (const auto& s : validation) n += long(s.count);
    return n;
}

nlohmann::json Evaluation::to_json() const {
    nlohmann::json j;
    j["model"] = model;
    j["text"] = text_source;
    j["engine"] = engine;
    j["validate_engine"] = validate_engine;
    j["calibration"] = calibration;
    j["calibration_set"] = calibration_set.to_json();
    j["tokens"] = tokens;
    j["tiles"] = tiles;
    j["ppl_digital"] = digital.perplexity();
    j["ppl_analog"] = analog.perplexity();
    j["bits_per_token_digital"] = digital.bits_per_token();
    j["bits_per_token_analog"] = analog.bits_per_token();
    j["tokens_per_s"] = tokens_per_s;
    j["tokens_per_s_digital"] = digital.tokens_per_second();
    j["tokens_per_s_with_validation"] = tokens_per_s_with_validation;
    j["prepare_s"] = prepare_s;
    j["validation_s"] = validation_s;
    j["seconds"] = seconds;
    j["validated"] = validated();
    j["validation_nmse"] = validated() > 0 ? nlohmann::json(validation_nmse()) : nlohmann::json(nullptr);
    j["validation_failed"] = validation_failed();
    j["validation"] = nlohmann::json::array();
    for (const auto& s : validation) {
        nlohmann::json row = {{"layer", s.layer},         {"count", s.count},
                              {"nmse", s.nmse()},         {"max_rel_err", s.max_rel_err},
                              {"correlation", s.correlation()}, {"failed", s.failed}};
        if (!s.validated()) row["nmse"] = row["max_rel_err"] = row["correlation"] = nullptr;  // no score
        if (s.failed) row["first_error"] = s.first_error;
        j["validation"].push_back(std::move(row));
    }
    if (reference) j["circuit_reference"] = reference->to_json();
    if (logit_effect)
        j["logit_effect"] = {{"ppl_circuit_substituted", logit_effect->ppl_circuit_substituted},
                             {"kl_mean_nats", logit_effect->kl_mean_nats},
                             {"logit_nmse", logit_effect->logit_nmse}};
    j["energy_per_token_j"] = energy.energy_per_token_j;
    j["latency_per_token_s"] = energy.latency_per_token_s;
    j["energy"] = energy.to_json();
    return j;
}

const ModelCache::Entry& ModelCache::get(const RunSpec& spec) {
    auto& slot = entries_[cache_key(spec)];
    if (slot) return *slot;
    auto e = std::make_unique<Entry>();
    const std::filesystem::path path = spec.model_path();
    e->model = load_model(path);
    e->tokenizer = load_model_tokenizer(spec.tokenizer, path, e->model.config.vocab_size);
    e->tokens = text_tokens(spec.text, *e->tokenizer, spec.tokens, &e->text_source);
    fmt::print(stderr, "model {} ({} parameters), {} tokens of {}\n", path.string(), e->model.parameter_count(),
               e->tokens.size(), e->text_source);
    transformer::IdealBackend digital;
    e->digital = transformer::perplexity<float>(e->model, digital, e->tokens);
    slot = std::move(e);
    return *slot;
}

void check_evaluation_memory(const params::Config& config, const RunSpec& spec) {
    analog::check_solve_budget(analog::analog_config(config), spec.engine,
                               spec.validate_fraction > 0 ? spec.validate : std::nullopt,
                               spec.reference_tokens > 0, spec.validate_fraction > 0 ? spec.validate_cache_mib : 0.0);
}

Evaluation evaluate(const params::Config& config, const RunSpec& spec, ModelCache* cache) {
    const auto t0 = Clock::now();
    check_evaluation_memory(config, spec);  // before the model is loaded or a tile built
    ModelCache local;
    const ModelCache::Entry& m = (cache ? *cache : local).get(spec);
    check_reference_tokens(spec.reference_tokens, long(m.tokens.size()));

    analog::AnalogOptions options = analog_options(config, spec.engine, spec.tables);
    options.validate = spec.validate_fraction > 0 ? spec.validate : std::nullopt;
    options.validate_fraction = spec.validate_fraction;
    options.validate_max_per_layer = spec.validate_count;
    options.validate_in_background = spec.validate_in_background;
    options.validate_cache_mib = spec.validate_cache_mib;
    options.on_tile_programmed = programming_progress();
    options.validate_from_surrogate = spec.validate_from_surrogate;
    const bool shadow = spec.logit_effect && options.validate.has_value();

    Evaluation ev;
    ev.model = spec.model_path().string();
    ev.text_source = m.text_source;
    ev.engine = std::string(to_string(spec.engine));
    ev.validate_engine = std::string(analog::validation_engine_name(options.validate));
    ev.calibration = std::string(to_string(options.config.output_calibration));
    ev.tokens = m.tokens.size();
    ev.digital = m.digital;

    analog::AnalogBackend backend(options);
    // The calibration set first: ADC ranges and output calibration fitted and frozen (or, with
    // calibration.tokens = 0, left to the scored run's first MVMs).
    const CalibrationSet calibration = calibration_set(config, *m.tokenizer, spec.text);
    ev.calibration_set = calibrate(m.model, backend, calibration);
    std::vector<std::vector<float>> logits;  // of the analog pass, per scored target
    PassProgress progress("analog", std::int64_t(m.tokens.size()) - 1);
    WindowScore window(m.tokens, spec.reference_tokens);  // the engine over the reference's tokens
    std::int64_t scored = 0;
    transformer::PerplexityOptions po;
    po.on_scored = [&](std::int64_t target, std::span<const float> z) {
        if (shadow) logits.emplace_back(z.begin(), z.end());
        window.add(target, z);
        progress.scored(++scored);
    };
    ev.analog = transformer::perplexity<float>(m.model, backend, m.tokens, po);
    const auto drain_t0 = Clock::now();
    backend.finish_validation();  // the background solves still queued
    const double wall_s = ev.analog.seconds + since(drain_t0);
    ev.tiles = backend.tiles();
    if (calibration.tokens.empty()) ev.calibration_set.count(backend, int(m.model.linear_layers().size()));
    ev.prepare_s = backend.prepare_seconds();
    ev.validation_s = backend.validation_seconds();
    ev.validation = backend.validation();
    const double inference_s = wall_s - backend.validation_wait_seconds();
    ev.tokens_per_s = inference_s > 0 ? double(ev.analog.tokens_run) / inference_s : 0.0;
    ev.tokens_per_s_with_validation = wall_s > 0 ? double(ev.analog.tokens_run) / wall_s : 0.0;
    ev.energy = analog::energy_report(backend.op_counts(), m.model.config, ev.analog, analog::energy_config(config),
                                      !options.config.attention_on_crossbars);

    if (shadow && ev.validated() > 0) {
        // The same calls again (same noise draws, same ADC calibration: restart() keeps a
        // calibration set's, an in-run one is fitted again on the same first MVMs), with every
        // validated MVM taking the circuit's outputs; compared position by position with the
        // analog pass.
        backend.restart();
        backend.set_substitute(true);
        LogitEffect e;
        std::size_t i = 0;
        double err = 0, ref = 0;
        PassProgress shadow_progress("shadow pass", std::int64_t(logits.size()));
        transformer::PerplexityOptions so;
        so.on_scored = [&](std::int64_t, std::span<const float> z) {
            const std::vector<float>& a = logits.at(i++);
            e.kl_mean_nats += kl_of_logits(a, z);
            for (std::size_t k = 0; k < a.size(); ++k) {
                const double d = double(z[k]) - a[k];
                err += d * d, ref += double(a[k]) * a[k];
            }
            shadow_progress.scored(std::int64_t(i));
        };
        e.ppl_circuit_substituted = transformer::perplexity<float>(m.model, backend, m.tokens, so).perplexity();
        e.kl_mean_nats /= double(std::max<std::size_t>(i, 1));
        e.logit_nmse = ref > 0 ? err / ref : 0.0;
        ev.logit_effect = e;
    }
    if (spec.reference_tokens > 0)
        ev.reference = circuit_reference(m.model, std::span<const int>(m.tokens).first(std::size_t(spec.reference_tokens)),
                                         backend, window.result(), calibration);
    ev.seconds = since(t0);
    return ev;
}

}  // namespace kirchhoff::evaluation
