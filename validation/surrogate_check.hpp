// `kirchhoff check`: a fitted surrogate against full ngspice circuits on held-out tiles.
// Each sample is a fresh random tile (seeds apart from the fit's) and a random input; the
// surrogate, the ideal G^T v and ngspice each compute its outputs. A sample whose ngspice
// solve fails is recorded and skipped; the others still count.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cosim/ngspice_session.hpp"
#include "cosim/surrogate_model.hpp"

namespace kirchhoff::validation {

struct CheckResult {
    std::string tier;                // the surrogate tier checked (surrogate.tier of the table; ohmic: linearised)
    int samples = 0;                 // samples solved (failed ones are not counted)
    int failed = 0;                  // samples whose ngspice solve failed (recorded, skipped)
    std::vector<std::string> errors; // their messages
    double nmse = 0.0;               // sum ||surrogate - spice||^2 / sum ||spice||^2
    double max_rel_err = 0.0;        // max over samples of max |surrogate - spice| / max |spice|
    double ideal_nmse = 0.0;         // the same for ideal vs spice
    double captured_fraction = 0.0;  // 1 - ||surrogate - spice|| / ||ideal - spice|| (over all samples)
    double seconds_spice = 0.0, seconds_surrogate_build = 0.0;
};

CheckResult check_surrogate(const cosim::SurrogateModel& model, int samples, cosim::NgspiceSession& session,
                            const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace kirchhoff::validation
