// The surrogate.* keys and their typed view.
#include "cosim/surrogate_options.hpp"

#include "params/table.hpp"

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

const params::Table<SurrogateOptions>& surrogate_keys() {
    static const params::Table<SurrogateOptions> table = [] {
        using params::in;
        using params::Range;
        using O = SurrogateOptions;
        params::Table<O> t;
        t.choice("surrogate.tier", &O::tier, {SurrogateTier::line_relaxation, SurrogateTier::linearised},
                 "device-cell surrogate: line_relaxation (circuit solved per MVM to surrogate.tolerance) or "
                 "linearised (cells linearised at V*, one GEMV); ohmic cells are exact in both");
        t.real("surrogate.tolerance", in(&O::line, &LineRelaxationOptions::tolerance), "1", Range{0, 0.1, true, false},
               "line_relaxation: stop when no sense current changes by more than this times the largest");
        t.integer("surrogate.max_sweeps", in(&O::line, &LineRelaxationOptions::max_sweeps), Range::closed(2, 100000),
                  "line_relaxation: sweeps before a solve is reported as not converged");
        return t;
    }();
    return table;
}

void add_surrogate_keys(params::Schema& s) { s.add(surrogate_keys().schema()); }

SurrogateOptions surrogate_options(const params::Config& c) { return surrogate_keys().read(c); }

}  // namespace kirchhoff::cosim
