// What `kirchhoff fit` produces and the runner loads: everything needed to build the surrogate
// of any programmed tile of one configuration.
//   - the configuration it was fitted for (a table refuses any other),
//   - for device cells, the device I-V table from ngspice DC sweeps, its errors against the
//     native model, and its separable factors (recomputed from the table on load),
//   - the linearisation voltage V*, fitted to full circuit solves of random tiles,
//   - provenance: Kirchhoff and ngspice versions, deck hash, date, seed, fit residuals.
// Stored as safetensors: tensor "device_current_a" (memory, v) in A, axes and units, the
// configuration (JSON) and the fit in the header metadata, readable from Python and C++.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cosim/cell_response.hpp"
#include "cosim/device_table.hpp"
#include "cosim/fit_options.hpp"
#include "cosim/ngspice_session.hpp"
#include "cosim/surrogate_options.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/config.hpp"

namespace kirchhoff::cosim {

/// The tile keys (netlists::inference_crossbar_schema: differential columns by default, the
/// layout `kirchhoff run` uses, so a table fitted with the defaults is one it accepts) plus
/// the fit's own keys (fit.*, cosim/fit_options.hpp) and the surrogate tier's (surrogate.*).
params::Schema surrogate_fit_schema();

struct FitReport {
    std::string tier = "linearised";      // the surrogate tier the residuals below are of
    int tiles = 0, inputs = 0;            // calibration set
    double nmse = 0.0;                    // surrogate vs full circuit, on the calibration set
    double ideal_nmse = 0.0;              // ideal G^T v vs full circuit
    double ir_nmse = 0.0;                 // ideal-wire baseline vs full circuit (residual_metrics.hpp)
    double captured_fraction = 1.0;       // 1 - ||surrogate - circuit|| / ||ideal - circuit||
    double captured_fraction_ir = 1.0;    // 1 - ||surrogate - circuit|| / ||ideal wire - circuit||; NaN:
                                          // no IR drop, or a table written before it was measured
    double table_vs_native = 0.0;         // device table vs native model (TableErrors)
    double table_interpolation = 0.0;
    double factor_residual = 0.0;         // CellResponse::residual
};

struct SurrogateModel {
    nlohmann::json config;                // the effective configuration (params::Config::to_json)
    netlists::CrossbarConfig crossbar;    // its typed view
    std::optional<DeviceTable> table;     // device cells only
    CellResponse response = CellResponse::linear();
    double v_star_volt = 0.0;             // linearisation voltage (linearised tier), chord voltage (line tier)
    SurrogateOptions options;             // surrogate.* keys of its configuration
    FitReport report;
    std::map<std::string, std::string> provenance;  // kirchhoff_version, ngspice_version, deck_hash, date, seed
};

using FitProgress = std::function<void(const std::string& stage, std::size_t done, std::size_t total)>;

/// Fits a surrogate for `config` (keys of surrogate_fit_schema). Device tables come from
/// `session` (ngspice). Throws InputError, SpiceError, NodalError.
/// The grid `kirchhoff fit` tabulates a cell's read response on for tiles of `x`: +-table_v_span
/// v_read, and the memory states of [g_min, g_max] widened by 2% of their span (fit.* keys).
TableGrid table_grid(const netlists::CrossbarConfig& x, const devices::Device& device, const FitOptions& fit);
/// The response fit_surrogate tabulates from ngspice, tabulated from the native model instead
/// (the two tables agree to 1e-14): for tests and benchmarks that run no ngspice session.
CellResponse native_response(const netlists::CrossbarConfig& x, const FitOptions& fit);

SurrogateModel fit_surrogate(const params::Config& config, NgspiceSession& session, const FitProgress& progress = {});

void save_surrogate(const SurrogateModel& model, const std::filesystem::path& path);
/// Throws InputError naming the file and what is wrong or missing.
SurrogateModel load_surrogate(const std::filesystem::path& path);

/// Throws InputError listing every tile key (netlists::crossbar_keys) whose value differs between
/// the configuration the model was fitted for and the tile `requested` (seed and solver.* are
/// free to differ).
void check_compatible(const SurrogateModel& model, const netlists::CrossbarConfig& requested,
                      const std::string& model_path);

/// 64-bit FNV-1a of a text, as 16 hex digits (deck provenance).
std::string fnv1a64_hex(std::string_view text);

}  // namespace kirchhoff::cosim
