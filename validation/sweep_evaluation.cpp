// Sweep points as model evaluations.
#include "validation/sweep_evaluation.hpp"

#include <algorithm>

#include "analog/analog_config.hpp"

namespace kirchhoff::validation {

PointMetrics evaluation_metrics(const evaluation::Evaluation& e) {
    PointMetrics m{{"ppl_digital", e.digital.perplexity()},
                   {"ppl_analog", e.analog.perplexity()},
                   {"bits_per_token_analog", e.analog.bits_per_token()},
                   {"validated", double(e.validated())},
                   {"validation_failed", double(e.validation_failed())},
                   {"energy_per_token_j", e.energy.energy_per_token_j},
                   {"latency_per_token_s", e.energy.latency_per_token_s},
                   {"tokens_per_s", e.tokens_per_s},
                   {"seconds", e.seconds}};
    if (e.validated() > 0) {
        double max_rel = 0;
        for (const auto& s : e.validation)
            if (s.count > 0) max_rel = std::max(max_rel, s.max_rel_err);
        m["validation_nmse"] = e.validation_nmse();
        m["max_rel_err"] = max_rel;
    }
    if (e.logit_effect) {
        m["ppl_circuit_substituted"] = e.logit_effect->ppl_circuit_substituted;
        m["kl_mean_nats"] = e.logit_effect->kl_mean_nats;
        m["logit_nmse"] = e.logit_effect->logit_nmse;
    }
    if (const auto& r = e.reference) {
        m["ppl_circuit"] = r->ppl_circuit();
        m["ppl_analog_window"] = r->analog.perplexity();
        m["ppl_digital_window"] = r->digital.perplexity();
        if (const auto share = r->engine_error_share()) m["engine_error_share"] = *share;
    }
    return m;
}

PointRunner evaluation_runner(std::shared_ptr<evaluation::ModelCache> cache) {
    return [cache](const StudyPoint& p) {
        return evaluation_metrics(evaluation::evaluate(p.config, evaluation::run_spec(p.config), cache.get()));
    };
}

void check_evaluation_config(const params::Config& config) {
    analog::analog_config(config);
    evaluation::check_evaluation_memory(config, evaluation::run_spec(config));
}

}  // namespace kirchhoff::validation
