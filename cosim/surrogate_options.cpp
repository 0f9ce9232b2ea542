// The surrogate.* keys and their typed view.
#include "cosim/surrogate_options.hpp"

#include <stdexcept>

namespace kirchhoff::cosim {

std::string_view to_string(SurrogateTier t) {
    switch (t) {
        case SurrogateTier::linearised: return "linearised";
        case SurrogateTier::line_relaxation: return "line_relaxation";
    }
    return "?";
}

SurrogateTier tier_in_force(const CellResponse& response, const SurrogateOptions& options) {
    return response.is_linear() ? SurrogateTier::linearised : options.tier;
}

void add_surrogate_keys(params::Schema& s) {
    using namespace params;
    s.add(choice_key("surrogate.tier", "line_relaxation", {"line_relaxation", "linearised"},
                     "device-cell surrogate: line_relaxation (circuit solved per MVM to surrogate.tolerance) or "
                     "linearised (cells linearised at V*, one GEMV); ohmic cells are exact in both"));
    s.add(real_key("surrogate.tolerance", 1e-6, "1", Range{0, 0.1, true, false},
                   "line_relaxation: stop when no sense current changes by more than this times the largest"));
    s.add(integer_key("surrogate.max_sweeps", 500, Range::closed(2, 100000),
                      "line_relaxation: sweeps before a solve is reported as not converged"));
}

SurrogateOptions surrogate_options(const params::Config& c) {
    SurrogateOptions o;
    const std::string& tier = c.text("surrogate.tier");
    if (tier == "linearised") o.tier = SurrogateTier::linearised;
    else if (tier == "line_relaxation") o.tier = SurrogateTier::line_relaxation;
    else throw std::logic_error("surrogate.tier value not in its enum: " + tier);  // the schema checked it
    o.line.tolerance = c.real("surrogate.tolerance");
    o.line.max_sweeps = int(c.integer("surrogate.max_sweeps"));
    return o;
}

}  // namespace kirchhoff::cosim
