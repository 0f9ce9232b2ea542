// The point runner of `kirchhoff sweep`: one model evaluation (model_evaluation.hpp) per point,
// sharing one evaluation::ModelCache, reduced to the result columns of results_store.hpp.
#pragma once

#include <memory>

#include "evaluation/model_evaluation.hpp"
#include "validation/sweep.hpp"

namespace kirchhoff::validation {

/// The metric_columns() of one evaluation: perplexities, overall validation NMSE, largest
/// relative error of any layer, validated count, logit effect (when run), throughput, wall
/// time, energy_per_token_j / latency_per_token_s, and the circuit reference (when run).
PointMetrics evaluation_metrics(const evaluation::Evaluation& evaluation);

/// evaluation::evaluate(point.config, evaluation::run_spec(point.config), cache) for every point.
PointRunner evaluation_runner(std::shared_ptr<evaluation::ModelCache> cache);

/// The checks one evaluation would make of a configuration before running anything
/// (analog_config(), evaluation::run_spec(), evaluation::check_evaluation_memory()); expand() runs them on every point.
void check_evaluation_config(const params::Config& config);

}  // namespace kirchhoff::validation
