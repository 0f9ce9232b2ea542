// The analog LinearBackend: every linear layer of the transformer on simulated crossbar tiles.
//
// prepare(model): each layer's W (out, in) is tiled as W^T onto array.rows x array.cols tiles
// (rows = inputs), programmed as differential pairs with the configured non-idealities
// (tile_programming.hpp), and each tile gets an engine (cosim/mvm_engine.hpp): ideal
// (G^T v of the programmed conductances), surrogate (the tile surrogate, wires included) or
// nodal (a full circuit solve per MVM). OpenMP over tiles; each tile's numbers come from its
// own seeded streams, so results are the same at any thread count.
//
// matvec(layer, x, y), x (in), y (out):
//   DAC     x_max = max |x|; u = x / x_max quantised to the DAC levels; row voltages
//           v = u v_read. dac.signs = signed: one read with v in [-v_read, v_read];
//           two_phase: the positive and the negative parts of u as two reads in [0, v_read],
//           digitised separately and subtracted. dac.encoding = bit_serial: each bit of the
//           DAC level is one read at 0 or v_read (signed: +-v_read), digitised and summed with
//           weight 2^b / levels (one read per bit and phase).
//   tile    I = engine(v) (cols), outputs I+ - I- of the differential pairs, in A.
//   noise   pcm.read_noise: per output, N(0, sum_r v_r^2 (sigma_read,r+^2 + sigma_read,r-^2)),
//           the exact distribution of the summed cell read noise for ideal wires (Joshi 2020),
//           drawn per MVM from the tile's read-noise stream.
//   ADC     calibration MVMs pass unquantised and record the largest |I| per tile; after
//           them each tile's range is headroom x that maximum, and outputs are clipped to
//           [-range, range] and quantised to 2^(bits-1) - 1 levels a side.
//   calib.  adc.calibration (output_calibration.hpp, default per_column): each tile output
//           alpha I_adc (alpha the tile's global drift compensation) becomes
//           I_cal = s alpha I_adc + b, with one s per tile (global) or s and b per column
//           (per_column) fitted by least squares on the calibration MVMs against the digital
//           product of the same DAC voltages; the calibration MVMs pass uncorrected.
//   which MVMs calibrate (CalibrationPhase): a calibration set, the runner's way
//           (evaluation/calibration_set.hpp): begin_calibration(), every MVM of the model's
//           pass over the calibration tokens calibrates (read noise from streams of its own, so
//           no draw is shared with the scored MVMs; attention tiles written with their own
//           programming draws), end_calibration() fits and freezes the ranges and corrections
//           and returns to the state right after prepare() with them kept, which restart()
//           keeps too. Without one (in_run), the first adc.calibration_mvms MVMs of each
//           layer after prepare() or restart() calibrate and pass unquantised and uncorrected:
//           the fit then sees few inputs, and with device noise it follows their errors.
//   back    y = sum over row tiles of I_cal x_max w_max / (v_read (g_max - g_min)).
//           Row tiles are summed in a fixed order.
//
// Sampled validation: after the ADC calibration, each MVM of a layer is validated with
// probability validate_fraction (decided by a hash of seed, layer and call number, so the
// same calls are validated in every replay), up to validate_max_per_layer. A validated MVM
// re-solves every tile of the layer with the full circuit (nodal or ngspice) on the same
// voltages, with the same noise draws and ADC ranges; ValidationStats compares the two layer
// outputs. The inference result is the engine's, unchanged, unless set_substitute(true)
// asks for the circuit's (the shadow pass that measures the effect on the logits).
// Concurrency (validate_in_background, the default): a validated MVM, of a linear layer or of
// an attention product, is queued, with copies of its voltages, noise draws, ADC ranges,
// scales and engine outputs, to one worker thread that re-solves it while inference goes on
// (a bounded queue of 64 MVMs; a full queue makes inference wait). An attention check also
// keeps the tiles it read as they were written (attention_tiles.hpp: a rewrite makes a new
// tile, shared, not copied), and builds their circuit engines on the worker, once per write.
// The worker takes the MVMs first in first out, so the statistics are summed in the same
// order as inline and are identical to an inline run at any thread count; validation() waits
// for the queue to empty. The shadow pass (set_substitute) needs the circuit's outputs at once
// and validates inline. Nodal validation runs over tiles in parallel (OpenMP), inline and on
// the worker alike: on the shipped model at 1% the solves outweigh inference, and the
// worker's team finishing them sooner beats leaving inference a core to itself (211 against
// 125 tokens/s with validation at 2 threads). Each ngspice session is used from one thread:
// the worker has its own.
// A circuit solve that fails (no convergence, an ngspice error, solver.timeout_s running out)
// is counted in the layer's ValidationStats::failed with its message; inference goes on and
// nothing is lost. ngspice runs in a worker process (cosim::SpicePool, processes backend): a
// solve past solver.timeout_s, deck loading included, has its worker killed 1 s past the limit
// and replaced, and an ngspice crash only fails the check.
// Global drift compensation (pcm.drift_compensation, with pcm.t_inference_s > 0): each tile's
// alpha is measured at prepare() by one-hot reads of the tile at t_inference 0 and at
// t_inference through the inference engine, with read noise (drift_compensation.hpp), each
// tile from its own seeded stream.
// The periphery (per-vector DAC scaling, per-tile ADC bound, global drift compensation) is the
// hardware-aware inference arrangement of Rasch et al., Nature Communications 14, 5282, 2023.
// attention.on_crossbars: the backend also takes the two attention products, on tiles that hold
// the KV cache (attention_tiles.hpp); their validation rows follow the layers'.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analog/analog_config.hpp"
#include "analog/background_worker.hpp"
#include "analog/op_counts.hpp"
#include "analog/tile_programming.hpp"
#include "analog/tile_read.hpp"
#include "analog/validation_stats.hpp"
#include "cosim/cell_response.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/surrogate_options.hpp"
#include "transformer/linear_backend.hpp"

namespace kirchhoff::analog {

// The engines are cosim::Engine's (cosim/mvm_engine.hpp); the backend takes two subsets of them.
/// The inference engine named `text` (`flag`: the flag or key it came from): ideal, surrogate or
/// nodal; else InputError "<flag> <text>: unknown engine; allowed: ideal, surrogate, nodal".
cosim::Engine parse_inference_engine(std::string_view text, std::string_view flag);
/// The validation engine named `text`: none (std::nullopt), nodal or spice; else InputError
/// "<flag> <text>: unknown validation engine; allowed: none, nodal, spice".
std::optional<cosim::Engine> parse_validation_engine(std::string_view text, std::string_view flag);
/// "none" without a validation engine, else the engine's name.
std::string_view validation_engine_name(std::optional<cosim::Engine> validate);

/// Builds the validation (circuit) engine of a programmed tile, on the thread that validates.
using CheckEngineMaker = std::function<std::unique_ptr<cosim::MvmEngine>(const cosim::ProgrammedTile&)>;

struct AnalogOptions {
    AnalogConfig config;
    cosim::Engine engine = cosim::Engine::surrogate;                // ideal, surrogate or nodal
    cosim::CellResponse response = cosim::CellResponse::linear();  // surrogate engine: the cells
    double v_star_volt = 0.0;                                       //   and their V* (0 for ohmic)
    cosim::SurrogateOptions surrogate;                              //   and the tier (surrogate.*)
    std::optional<cosim::Engine> validate;                          // nodal or spice; none: nullopt
    double validate_fraction = 0.0;       // [0, 1]: of each layer's MVMs after ADC calibration
    long validate_max_per_layer = 0;      // 0: no cap
    bool validate_in_background = true;   // validation on a worker thread (see above)
    double validate_cache_mib = 2048.0;   // >= 0: factorisations kept for validation (check_cache.hpp)
    /// run.validate_start: nodal validation of device tiles read by the line-relaxation
    /// surrogate starts each Newton solve from the surrogate's solution of the same input
    /// (cosim/surrogate_start.hpp) instead of zero bias. Same answers within the Newton tolerance.
    bool validate_from_surrogate = true;
    /// Optional: builds the validation engines (linear layers and attention tiles) instead of
    /// `validate` (nodal or spice), e.g. a circuit engine with other solver settings, or a
    /// failing one in tests. May be called from several threads at once; validate must still
    /// be set.
    CheckEngineMaker make_check_engine;
    /// Optional: called after each tile programming makes, with the tiles made so far and the
    /// total (progress of a long prepare()); the calls are serialised, from whichever thread
    /// programmed the tile.
    std::function<void(long programmed, long total)> on_tile_programmed;
};

/// One sampled MVM's circuit re-solve: what a linear layer (AnalogBackend) or an attention
/// product (attention_tiles.hpp) hands to AnalogBackend::validate. It holds copies of everything
/// its solves need (the tiles as they were read, voltages, noise draws, ADC ranges, scales),
/// so that it can run on the worker thread after inference has moved on.
class CircuitCheck {
public:
    virtual ~CircuitCheck() = default;
    /// Fills y_circuit (the MVM's outputs, as the engine's) from circuit solves of its tiles,
    /// making their engines with `make`; parallel: whether the tiles may be solved on OpenMP
    /// threads (not with ngspice: one session is one simulator).
    virtual void solve(const CheckEngineMaker& make, bool parallel, std::span<float> y_circuit) = 0;
};

/// The options' inference engine (ideal, surrogate or nodal) on a programmed tile; rows_driven:
/// rows from it on stay at 0 V (the surrogate skips them for ohmic cells; -1: all rows).
/// keep (optional): the surrogate's factorisation of an ohmic tile (cosim::make_surrogate_engine).
std::unique_ptr<cosim::MvmEngine> make_engine(const AnalogOptions& options, const cosim::ProgrammedTile& tile,
                                              int rows_driven = -1, cosim::TileFactor* keep = nullptr);
/// Whether `reads` reads of array.rows x array.cols tiles by the options' engine go over threads:
/// where a read is expensive (a circuit solve per MVM: the nodal engine, or the line-relaxation
/// surrogate of device cells) or the reads are many and big (reads x rows x cols >= 2^18). A
/// surrogate GEMV of a 64 x 64 tile takes microseconds, less than waking a thread team.
bool reads_in_parallel(const AnalogOptions& options, int reads);
/// Whether call number `call` of the MVMs numbered `index` (a layer, an attention product) is
/// validated, `validated` of them having been so far: a hash of seed, index and call below
/// validate_fraction, up to validate_max_per_layer. The same calls in every replay.
bool validation_sampled(const AnalogOptions& options, int index, long call, long validated);

class AttentionTiles;

class CheckCacheBudget;  // check_cache.hpp
class CheckSolverPool;   // check_solvers.hpp

class AnalogBackend final : public transformer::LinearBackend {
public:
    /// InputError for a validate_fraction outside [0, 1], an engine outside ideal, surrogate,
    /// nodal and a validation engine outside nodal, spice.
    explicit AnalogBackend(AnalogOptions options);
    ~AnalogBackend() override;

    std::string_view name() const override { return name_; }
    void prepare(const transformer::Model& model) override;
    /// prepare() for linear layers outside a transformer (the Python module's layers): layer
    /// i of `layers` must have index i, and the layers must outlive the backend's use of them.
    /// InputError with attention.on_crossbars (there is no attention to put on tiles).
    void prepare_layers(const std::vector<const transformer::LinearLayer*>& layers);
    void matvec(const transformer::LinearLayer& layer, std::span<const float> x, std::span<float> y) override;
    /// attention.on_crossbars: the two attention products on KV-cache tiles (attention_tiles.hpp).
    bool computes_attention() const override { return attention_ != nullptr; }
    void attention_scores(const transformer::AttentionStep& step, std::span<const float> q, std::span<float> scores,
                          std::size_t stride) override;
    void attention_values(const transformer::AttentionStep& step, std::span<const float> probs, std::size_t stride,
                          std::span<float> out) override;

    /// A backend on the tiles this one programmed for `model` (the same conductances,
    /// programming noise, drift and faults: copied, not programmed again; the global drift
    /// compensation read again through `engine`, as a chip reads it through its circuit) with
    /// `engine` for every MVM and no validation, in the state right after prepare(): it gives bit for bit
    /// what a backend made with `engine` and this one's configuration gives. The circuit
    /// reference of evaluation/circuit_reference.hpp. std::logic_error unless this backend
    /// was prepared for `model`.
    std::unique_ptr<AnalogBackend> on_same_tiles(cosim::Engine engine, const transformer::Model& model) const;

    /// Back to the state right after prepare(): call counters, read-noise streams, op counts
    /// and the engines' carried state (nodal warm starts, MvmEngine::restart) restart, so
    /// replaying the same calls gives the same outputs. The ADC ranges and output corrections
    /// restart too, unless they were frozen by end_calibration().
    void restart();
    /// Starts a calibration set (after prepare(); the phase becomes collecting): everything
    /// restarts, and every MVM until end_calibration() (linear layers and attention products)
    /// passes unquantised and uncorrected, records its largest currents and adds to the output
    /// calibration's least squares. Not validated, counted apart (calibration_counts()).
    /// std::logic_error before prepare().
    void begin_calibration();
    /// Fits every tile's ADC range and output correction on the MVMs since begin_calibration(),
    /// freezes them (phase frozen) and restarts: the scored calls start from the state right
    /// after prepare(), calibrated. std::logic_error unless collecting.
    void end_calibration();
    CalibrationPhase calibration_phase() const { return phase_; }
    /// MVMs of the linear layers that calibrated, summed over layers (a calibration set: all
    /// of its MVMs; in_run: the first adc.calibration_mvms of each layer run so far).
    long calibration_mvms() const;
    /// Attention products that calibrated (summed over blocks and products; 0 without
    /// attention.on_crossbars).
    long attention_calibration_mvms() const;
    /// The hardware operations of the calibration set's MVMs (zero without one).
    const OpCounts& calibration_counts() const { return calibration_counts_; }
    /// Validated MVMs return the circuit's outputs instead of the engine's (shadow pass).
    void set_substitute(bool on) {
        finish_validation();
        substitute_ = on;
    }
    /// The hardware operations of the MVMs since prepare() or restart() (op_counts.hpp): DAC
    /// and ADC conversions, cell read power, periphery; validation solves and a calibration
    /// set (end_calibration() restarts) are not counted.
    const OpCounts& op_counts() const { return counts_; }

    /// Waits for the validation solves still running in the background.
    void finish_validation() const;
    /// Per layer, in Model::linear_layers() order; then, with attention.on_crossbars, per
    /// block its scores and values products. Waits for background validation first.
    std::vector<ValidationStats> validation() const;
    /// Time spent in circuit solves (background ones included).
    double validation_seconds() const;
    /// Time inference waited for validation: the inline solves, plus, in the background, the
    /// waits for a free queue slot and for finish_validation().
    double validation_wait_seconds() const;
    /// Newton totals of the inference engines' circuit solves (engine nodal; zeros otherwise).
    cosim::NodalCounts nodal_counts() const;
    /// The same over the validation engines: the linear layers' still held (ohmic tiles kept
    /// within run.validate_cache_mib), and every device tile's solve on a pooled solver
    /// (check_solvers.hpp; attention's once its tiles are rewritten). Waits for background
    /// validation first.
    cosim::NodalCounts check_counts() const;
    int tiles() const;
    /// Circuit solvers made for the device tiles' nodal validation (check_solvers.hpp): as many
    /// as checks ran at once, not one per tile; 0 without such validation.
    int check_solvers() const;
    /// Bytes charged for the check engines kept for validation so far (check_cache.hpp):
    /// programming's factorisations, and engines built at validation (complete once
    /// validation() has waited for the worker); at most run.validate_cache_mib.
    double kept_check_bytes() const;
    double prepare_seconds() const { return prepare_seconds_; }
    const AnalogOptions& options() const { return options_; }

private:
    friend class AttentionTiles;  // hands its sampled products to validate()
    struct Layer;
    struct Session;
    /// prepare(model) with each tile programmed, or copied from `from` (prepared for the same
    /// layers); `model` (attention tiles) is null for layers outside a transformer.
    void program(const std::vector<const transformer::LinearLayer*>& layers, const transformer::ModelConfig* model,
                 const AnalogBackend* from);
    void count(const Layer& L, const std::vector<std::vector<Eigen::VectorXd>>& volts);
    /// Each tile's ADC range and output correction from L's calibration MVMs.
    void freeze(Layer& L) const;
    struct Check;
    /// One sampled MVM whose engine outputs are y: stats gets the comparison with `check`'s
    /// circuit outputs or the failure; y becomes the circuit's outputs in substitute mode.
    void validate(ValidationStats& stats, std::span<float> y, std::shared_ptr<CircuitCheck> check);
    void check_now(ValidationStats& stats, std::span<const float> y_engine, CircuitCheck& check,
                   std::span<float> y_circuit, bool on_worker);

    AnalogOptions options_;
    std::string name_;
    std::unique_ptr<CheckSolverPool> check_solvers_;  // device tiles' nodal checks (check_solvers.hpp); outlives them
    std::vector<std::unique_ptr<Layer>> layers_;  // by layer.index
    const void* prepared_for_ = nullptr;
    std::unique_ptr<Session> session_;            // ngspice worker (validate = spice), forked by program()
    std::unique_ptr<Session> worker_session_;     // the background worker's (used on its thread only)
    std::unique_ptr<AttentionTiles> attention_;   // attention.on_crossbars only
    bool substitute_ = false;
    CalibrationPhase phase_ = CalibrationPhase::in_run;
    long calibration_mvms_ = 0;      // of the calibration set (frozen)
    OpCounts calibration_counts_;    // of the calibration set
    std::shared_ptr<CheckCacheBudget> check_budget_;  // run.validate_cache_mib (check_cache.hpp)
    double prepare_seconds_ = 0.0;
    OpCounts counts_;
    double inline_check_seconds_ = 0.0;
    std::unique_ptr<BackgroundWorker> worker_;    // last: destroyed (drained) before the layers
};

}  // namespace kirchhoff::analog
