// The run.* keys and their typed view (run_spec.hpp).
#include "evaluation/run_spec.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "evaluation/model_inputs.hpp"
#include "params/error.hpp"

namespace kirchhoff::evaluation {

using params::Range;

const params::Table<RunSpec>& run_keys() {
    static const params::Table<RunSpec> table = [] {
        using R = RunSpec;
        using cosim::Engine;
        using Validation = std::optional<Engine>;
        params::Table<R> t;
        t.text("run.model", &R::model, "llama2.c .bin or Hugging Face folder (empty: the shipped plain model)");
        t.text("run.tokenizer", &R::tokenizer, "tokenizer file (empty: tokenizer.json or tokenizer.bin beside the model)");
        t.text("run.text", &R::text, "text to score (empty: held-out tail of data/tinyshakespeare.txt)");
        t.integer("run.tokens", &R::tokens, Range::closed(0, 1 << 30), "score the first N tokens of the text, 0 for all");
        t.choice("run.engine", &R::engine, {Engine::ideal, Engine::surrogate, Engine::nodal},
                 "crossbar engine for every layer");
        t.text("run.tables", &R::tables, "surrogate table from `kirchhoff fit` (empty: fit in-process for device cells)");
        t.choice("run.validate_engine", &R::validate,
                 std::vector<std::pair<std::string, Validation>>{
                     {"none", std::nullopt}, {"nodal", Engine::nodal}, {"spice", Engine::spice}},
                 "full-circuit solver of the sampled validation");
        t.real("run.validate_fraction", &R::validate_fraction, "1", Range::closed(0, 1),
               "fraction of each layer's MVMs re-solved as full circuits after ADC calibration");
        t.integer("run.validate_count", &R::validate_count, Range::closed(0, double(1LL << 40)),
                  "at most N validated MVMs per layer, 0 for no cap");
        t.boolean("run.validate_in_background", &R::validate_in_background,
                  "re-solve validated MVMs on a worker thread while inference goes on (false: inline)");
        t.real("run.validate_cache_mib", &R::validate_cache_mib, "MiB", Range::closed(0, 1e9),
               "nodal validation: memory for the tiles' check engines kept between validations (ohmic cells on the "
               "surrogate engine: the factorisations programming made, so that a validation is one substitution "
               "per tile; other ohmic tiles: the engine built at its first validation; device tiles keep none, "
               "they share a few reprogrammed solvers); 0: none kept, slower, the same statistics");
        t.choice("run.validate_start", &R::validate_from_surrogate, {{"surrogate", true}, {"zero_bias", false}},
                 "device cells, line-relaxation surrogate, nodal validation: where each validated tile's Newton "
                 "starts, the surrogate's solution of the same input (fewer iterations) or the circuit linearised "
                 "at zero bias (the path before); Newton's own convergence test decides either way "
                 "(cosim/surrogate_start.hpp)");
        t.boolean("run.logit_effect", &R::logit_effect,
                  "replay with the validated MVMs taken from the circuit to measure the effect on the logits");
        t.integer("run.reference_tokens", &R::reference_tokens, Range::closed(0, 1 << 30),
                  "score the first N tokens again with every MVM solved as a full circuit (nodal) and report "
                  "ppl_circuit and the engine's share of the analog error; 0 for none, else at least 2 and at most "
                  "the tokens scored");
        return t;
    }();
    return table;
}

params::Schema run_schema() { return run_keys().schema(); }

std::filesystem::path RunSpec::model_path() const { return model.empty() ? default_model_path() : model; }

void check_reference_tokens(long n, long available) {
    if (n == 0 || (n >= 2 && (available < 0 || n <= available))) return;
    throw InputError(fmt::format(
        "run.reference_tokens (--reference-tokens) = {}: outside the allowed values 0 (no circuit reference) or "
        "[2, {}]{}",
        n, available < 0 ? "tokens scored" : std::to_string(available),
        available < 0 ? "" : " (the tokens this evaluation scores; see run.tokens / --tokens)"));
}

RunSpec run_spec(const params::Config& c) {
    const RunSpec s = run_keys().read(c);
    check_reference_tokens(s.reference_tokens, s.tokens > 0 ? s.tokens : -1);  // evaluate() checks the text's count
    return s;
}

}  // namespace kirchhoff::evaluation
