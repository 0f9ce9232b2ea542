// Which tile surrogate an MVM uses for device cells, and its solver settings: the
// configuration keys surrogate.* (declared once here, added to the fit, check and run schemas).
//   linearised       every cell linearised at V*, wires exact: one GEMV per MVM; misses the
//                    interplay of IR drop and cell nonlinearity (tile_surrogate.hpp)
//   line_relaxation  the tile's circuit solved per MVM by line relaxation to a tolerance
//                    (line_relaxation.hpp): circuit-accurate, tens of GEMVs per MVM
// Ohmic cells always use the exact effective matrix (both tiers are the same for them).
#pragma once

#include <string_view>

#include "cosim/cell_response.hpp"
#include "cosim/line_relaxation.hpp"
#include "params/config.hpp"
#include "params/table.hpp"

namespace kirchhoff::cosim {

enum class SurrogateTier { linearised, line_relaxation };
std::string_view to_string(SurrogateTier t);

struct SurrogateOptions {
    SurrogateTier tier = SurrogateTier::line_relaxation;
    LineRelaxationOptions line;
};

/// The tier that actually serves cells with this response: the configured one for device
/// cells; linearised (the exact effective matrix) for ohmic cells, whatever is configured.
SurrogateTier tier_in_force(const CellResponse& response, const SurrogateOptions& options);

/// The table of surrogate.tier, surrogate.tolerance and surrogate.max_sweeps (params/table.hpp),
/// defaults from SurrogateOptions{}; add_surrogate_keys() and surrogate_options() are derived from it.
const params::Table<SurrogateOptions>& surrogate_keys();
/// Adds surrogate.tier, surrogate.tolerance and surrogate.max_sweeps to `schema`.
void add_surrogate_keys(params::Schema& schema);
/// Typed view of those keys in `config`.
SurrogateOptions surrogate_options(const params::Config& config);

}  // namespace kirchhoff::cosim
