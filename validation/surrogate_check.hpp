// `kirchhoff check`: a fitted surrogate against full ngspice circuits on held-out tiles.
// Each sample is a fresh random tile (seeds apart from the fit's) and a random input; the
// surrogate, ngspice, the ideal G^T v and the same cells with ideal wires (nodal solve of
// cosim::ideal_wire_tile) each compute its outputs (cosim/residual_metrics.hpp defines the
// metrics). A sample whose ngspice solve fails is recorded and skipped; the others still count.
// ngspice runs in `pool` (the processes backend: a sample past solver.timeout_s, deck loading
// included, has its worker killed and replaced, and counts as failed).
#pragma once

#include <functional>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cosim/spice_pool.hpp"
#include "cosim/residual_metrics.hpp"
#include "cosim/surrogate_model.hpp"

namespace kirchhoff::validation {

struct CheckResult {
    std::string tier;                   // the surrogate tier checked (the table's surrogate.tier; ohmic: linearised)
    netlists::CrossbarConfig crossbar;  // the tiles checked (the table's, with the checked layout)
    int samples = 0;                    // samples solved (failed ones are not counted)
    int failed = 0;                     // samples whose ngspice solve failed (recorded, skipped)
    std::vector<std::string> errors;    // their messages
    cosim::ResidualMetrics metrics;     // surrogate vs ngspice over the solved samples
    double seconds_spice = 0.0, seconds_surrogate_build = 0.0, seconds_ideal_wire = 0.0;
};

/// Checks `model` on `samples` held-out tiles laid out as `layout` (the model's own cells,
/// wires and voltages; a surrogate's cell response and V* apply to any layout).
CheckResult check_surrogate(const cosim::SurrogateModel& model, netlists::Differential layout, int samples,
                            cosim::SpicePool& pool,
                            const std::function<void(std::size_t, std::size_t)>& progress = {});

/// What `kirchhoff check --json` prints: samples, tier, failed, the metrics (NaN
/// captured_fraction_ir as null), the tiles checked and the table's layout and V*.
nlohmann::json to_json(const CheckResult& result, const cosim::SurrogateModel& model);

}  // namespace kirchhoff::validation
