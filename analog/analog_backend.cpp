// The analog LinearBackend (analog_backend.hpp).
#include "analog/analog_backend.hpp"
#include "analog/check_cache.hpp"

#include "params/enum_names.hpp"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "analog/attention_tiles.hpp"
#include "analog/drift_compensation.hpp"
#include "analog/parallel.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/spice_pool.hpp"
#include "devices/rng.hpp"
#include "params/error.hpp"

namespace kirchhoff::analog {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The layer outputs (`outputs` of them) from its tiles' outputs (tile, cols), summed in tile
// order: row tiles add up the same way at any thread count.
std::vector<double> sum_tiles(const std::vector<LayerTile>& tiles, const std::vector<Eigen::VectorXd>& partial,
                              std::size_t outputs) {
    std::vector<double> acc(outputs, 0.0);
    for (std::size_t t = 0; t < tiles.size(); ++t) {
        const TilePlace& p = tiles[t].place;
        for (int k = 0; k < p.cols; ++k) acc[p.col0 + k] += partial[t](k);
    }
    return acc;
}

// The target conductance differences of a tile of `layer`, (place.rows, place.cols) S:
// (g_max - g_min) W^T / w_max over the block the tile holds (output calibration's reference).
Eigen::MatrixXd target_block(const transformer::LinearLayer& layer, const TilePlace& p, double g_per_w) {
    Eigen::MatrixXd dg(p.rows, p.cols);
    for (int r = 0; r < p.rows; ++r)
        for (int k = 0; k < p.cols; ++k) dg(r, k) = g_per_w * layer.w(p.col0 + k, p.row0 + r);
    return dg;
}

// The subsets of cosim::Engine the backend takes (analog_backend.hpp).
const std::initializer_list<cosim::Engine> inference_engines = {cosim::Engine::ideal, cosim::Engine::surrogate,
                                                                cosim::Engine::nodal};
const std::initializer_list<cosim::Engine> validation_engines = {cosim::Engine::nodal, cosim::Engine::spice};

bool one_of(cosim::Engine e, std::initializer_list<cosim::Engine> allowed) {
    return std::find(allowed.begin(), allowed.end(), e) != allowed.end();
}

}  // namespace

cosim::Engine parse_inference_engine(std::string_view t, std::string_view flag) {
    return cosim::parse_engine(t, inference_engines, flag);
}
std::optional<cosim::Engine> parse_validation_engine(std::string_view t, std::string_view flag) {
    if (t == "none") return std::nullopt;
    if (const auto e = params::enum_from_name(t, validation_engines)) return *e;
    throw InputError(fmt::format("{} {}: unknown validation engine; allowed: none, {}", flag, t,
                                 params::enum_names(validation_engines)));
}
std::string_view validation_engine_name(std::optional<cosim::Engine> validate) {
    return validate ? to_string(*validate) : "none";
}

std::unique_ptr<cosim::MvmEngine> make_engine(const AnalogOptions& o, const cosim::ProgrammedTile& tile,
                                              int rows_driven, cosim::TileFactor* keep) {
    switch (o.engine) {
        case cosim::Engine::ideal: return cosim::make_ideal_engine(tile);
        case cosim::Engine::surrogate:
            return cosim::make_surrogate_engine(tile, o.response, o.v_star_volt, rows_driven, o.surrogate, keep);
        case cosim::Engine::nodal: return cosim::make_nodal_engine(tile);
        case cosim::Engine::spice: break;  // validation only (the AnalogBackend constructor refuses it)
    }
    throw std::logic_error(fmt::format("make_engine: engine {} is not an inference engine", to_string(o.engine)));
}

bool reads_in_parallel(const AnalogOptions& o, int reads) {
    const bool solves = o.engine == cosim::Engine::nodal ||
                        (o.engine == cosim::Engine::surrogate &&
                         cosim::tier_in_force(o.response, o.surrogate) == cosim::SurrogateTier::line_relaxation);
    const auto& spec = o.config.crossbar.spec;
    return solves || double(reads) * spec.rows * spec.cols >= double(1 << 18);
}

bool validation_sampled(const AnalogOptions& o, int index, long call, long validated) {
    if (!o.validate || o.validate_fraction <= 0 ||
        (o.validate_max_per_layer > 0 && validated >= o.validate_max_per_layer))
        return false;
    const std::uint64_t h = tile_seed(o.config.seed, index, -1, -1, 0x76616c6964617465ULL ^ std::uint64_t(call));
    return double(h >> 11) * 0x1.0p-53 < o.validate_fraction;
}

// ngspice for validation = spice: one worker process, so that solver.timeout_s bounds deck
// loading too (a worker past it is killed and replaced) and an ngspice crash is a failed check.
struct AnalogBackend::Session {
    cosim::SpicePool pool{1, cosim::PoolBackend::processes};
};

struct AnalogBackend::Layer {
    const transformer::LinearLayer* layer = nullptr;
    double w_max = 1.0;
    std::vector<LayerTile> tiles;
    std::vector<std::unique_ptr<cosim::MvmEngine>> engines;  // per tile
    std::vector<std::unique_ptr<cosim::MvmEngine>> checks;   // per tile, built on first validation
    std::vector<CheckKeep> keep_check;                       // per tile: is checks[t] kept (check_cache.hpp)
    std::shared_ptr<CheckCacheBudget> check_budget;          // the backend's, for tiles decided at validation
    double check_bytes = 0;                                  // what a check engine built at validation is charged
    std::vector<devices::Rng> noise;                         // per tile: read noise
    std::vector<double> adc_range, calibration_max;          // per tile (A)
    std::vector<CalibrationFit> fit;                         // per tile: output calibration sums
    std::shared_ptr<const std::vector<OutputCorrection>> correction;  // per tile; identity while calibrating
    std::vector<Eigen::VectorXd> partial, partial_check;     // per tile (cols): scratch
    long calls = 0, validated = 0;
    ValidationStats stats;
};

// One validated MVM of a layer: what its circuit solves need besides the programmed tiles
// (which never change after prepare()), copied, so that it can run after inference has moved on.
struct AnalogBackend::Check final : CircuitCheck {
    Layer& L;
    Periphery io;
    std::vector<std::vector<Eigen::VectorXd>> volts, noise;  // (tile, read)
    std::vector<double> adc_range;                           // per tile (A)
    std::shared_ptr<const std::vector<OutputCorrection>> correction;  // per tile
    double to_y = 1.0;                                       // tile sums -> layer outputs

    Check(Layer& layer, Periphery io_, std::vector<std::vector<Eigen::VectorXd>> volts_,
          std::vector<std::vector<Eigen::VectorXd>> noise_, std::vector<double> adc_range_,
          std::shared_ptr<const std::vector<OutputCorrection>> correction_, double to_y_)
        : L(layer), io(std::move(io_)), volts(std::move(volts_)), noise(std::move(noise_)),
          adc_range(std::move(adc_range_)), correction(std::move(correction_)), to_y(to_y_) {}

    void solve(const CheckEngineMaker& make, bool parallel, std::span<float> y_circuit) override {
        const int n = int(L.tiles.size());
        // A tile's first validation decides whether its engine stays (check_cache.hpp), in tile
        // order before the threads start: the checks run in a fixed order, so the same tiles are
        // kept in every run.
        for (int t = 0; t < n; ++t)
            if (L.keep_check[t] == CheckKeep::undecided)
                L.keep_check[t] = L.check_budget->admit(L.check_bytes) ? CheckKeep::kept : CheckKeep::transient;
        for_each_index(n, parallel, [&](int t) {
            if (!L.checks[t]) L.checks[t] = make(L.tiles[t].tile);  // the tiles of a layer never change
            L.partial_check[t] = read_tile(*L.checks[t], io, volts[t], noise[t], adc_range[t],
                                           L.tiles[t].drift_compensation, (*correction)[t], nullptr);
            if (L.keep_check[t] == CheckKeep::transient) L.checks[t].reset();  // outside the budget
        });
        const std::vector<double> acc = sum_tiles(L.tiles, L.partial_check, y_circuit.size());
        for (std::size_t k = 0; k < acc.size(); ++k) y_circuit[k] = float(float(acc[k]) * to_y);
    }
};

AnalogBackend::AnalogBackend(AnalogOptions o) : options_(std::move(o)) {
    if (!(options_.validate_fraction >= 0 && options_.validate_fraction <= 1))
        throw InputError(fmt::format("--validate-fraction {}: outside the allowed range [0, 1]", options_.validate_fraction));
    if (options_.validate_max_per_layer < 0)
        throw InputError(fmt::format("--validate-count {}: outside the allowed range [0, inf)", options_.validate_max_per_layer));
    if (!one_of(options_.engine, inference_engines))
        throw InputError(fmt::format("analog engine {}: not an inference engine; allowed: {}", to_string(options_.engine),
                                     params::enum_names(inference_engines)));
    if (options_.validate && !one_of(*options_.validate, validation_engines))
        throw InputError(fmt::format("analog validation engine {}: not a circuit engine; allowed: none, {}",
                                     to_string(*options_.validate), params::enum_names(validation_engines)));
    name_ = fmt::format("analog-{}", to_string(options_.engine));
}

AnalogBackend::~AnalogBackend() = default;  // worker_ first: drains while the layers exist

void AnalogBackend::prepare(const transformer::Model& model) {
    const auto layers = model.linear_layers();
    if (layers.empty()) return;
    if (prepared_for_ == layers.front()->weight.data() && layers_.size() == layers.size()) return;
    program(layers, &model.config, nullptr);
}

void AnalogBackend::prepare_layers(const std::vector<const transformer::LinearLayer*>& layers) {
    if (options_.config.attention_on_crossbars)
        throw InputError("attention.on_crossbars = true: linear layers outside a transformer have no attention to "
                         "put on crossbars; allowed: false");
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (layers[i]->index != int(i))
            throw std::logic_error(fmt::format("{}: layer {} has index {}, expected {}", name_, layers[i]->name,
                                               layers[i]->index, i));
    if (layers.empty()) return;
    program(layers, nullptr, nullptr);
}

std::unique_ptr<AnalogBackend> AnalogBackend::on_same_tiles(cosim::Engine engine, const transformer::Model& model) const {
    const auto layers = model.linear_layers();
    if (layers.empty() || prepared_for_ != layers.front()->weight.data() || layers_.size() != layers.size())
        throw std::logic_error(fmt::format("{}: on_same_tiles() for a model this backend was not prepared for", name_));
    AnalogOptions o = options_;
    o.engine = engine;
    o.validate = std::nullopt;
    o.validate_fraction = 0.0;
    o.make_check_engine = nullptr;
    auto b = std::make_unique<AnalogBackend>(std::move(o));
    b->program(layers, &model.config, this);
    return b;
}

void AnalogBackend::program(const std::vector<const transformer::LinearLayer*>& layers,
                            const transformer::ModelConfig* model, const AnalogBackend* from) {
    const auto t0 = Clock::now();
    const AnalogConfig& c = options_.config;
    finish_validation();  // queued checks refer to the layers about to go
    layers_.clear();
    std::vector<std::pair<int, int>> jobs;  // (layer index, tile)
    for (const transformer::LinearLayer* l : layers) {
        auto L = std::make_unique<Layer>();
        L->layer = l;
        float w_max = 0;
        for (float w : l->weight) w_max = std::max(w_max, std::abs(w));
        L->w_max = w_max > 0 ? w_max : 1.0;
        const auto places = tile_places(c, l->out, l->in);
        L->tiles.resize(places.size());
        L->engines.resize(places.size());
        L->checks.resize(places.size());
        L->partial.assign(places.size(), Eigen::VectorXd());
        L->partial_check.assign(places.size(), Eigen::VectorXd());
        for (std::size_t t = 0; t < places.size(); ++t) {
            L->tiles[t].place = places[t];
            jobs.emplace_back(l->index, int(t));
        }
        L->stats.layer = l->name;
        layers_.push_back(std::move(L));
    }
    const bool keep_factors = keeps_check_factors(options_);
    check_budget_ = std::make_shared<CheckCacheBudget>(options_.validate_cache_mib);
    CheckCacheBudget& cache = *check_budget_;
    // Nodal check engines are kept within the budget, except device tiles', which borrow a
    // pooled solver at each validation (check_solvers.hpp); others (ngspice sessions, a
    // make_check_engine's) hold little and are always kept.
    const bool pooled = pools_check_solvers(options_);
    if (pooled && !check_solvers_) check_solvers_ = std::make_unique<CheckSolverPool>();
    const bool budgeted = options_.validate == cosim::Engine::nodal && !options_.make_check_engine && !pooled;
    const double check_bytes = budgeted ? check_engine_bytes(c) : 0.0;
    const CheckKeep unbudgeted = pooled ? CheckKeep::transient : CheckKeep::kept;
    for (auto& L : layers_) {
        L->keep_check.assign(L->tiles.size(), budgeted ? CheckKeep::undecided : unbudgeted);
        L->check_budget = check_budget_;
        L->check_bytes = check_bytes;
    }
    std::mutex progress_mutex;
    long programmed = 0;
    for_each_index(int(jobs.size()), true, [&](int j) {
        Layer& L = *layers_[jobs[j].first];
        const int t = jobs[j].second;
        L.tiles[t] = from ? from->layers_[jobs[j].first]->tiles[t]
                          : program_layer_tile(c, *L.layer, L.w_max, L.tiles[t].place);
        cosim::TileFactor factor;
        L.engines[t] = make_engine(options_, L.tiles[t].tile, -1, keep_factors ? &factor : nullptr);
        if (factor.solver) {  // check_cache.hpp: kept if it fits, else never (the budget only fills)
            const bool admitted = cache.admit(factor.bytes());
            if (admitted) L.checks[t] = cosim::make_nodal_engine(L.tiles[t].tile, std::move(factor));
            L.keep_check[t] = admitted ? CheckKeep::kept : CheckKeep::transient;
        }
        // Global drift compensation: read through this backend's engine (a copied tile is read
        // again, so the circuit reference's alpha is the circuit's).
        if (const auto base = L.tiles[t].baseline) {
            const TilePlace& p = L.tiles[t].place;
            devices::Rng rng(tile_seed(c.seed, L.layer->index, p.tile_row, p.tile_col, 3));
            const auto base_engine = make_engine(options_, base->tile);
            L.tiles[t].drift_compensation = drift_compensation_factor(*L.engines[t], L.tiles[t].read_var_a2_per_v2,
                                                                      *base_engine, *base, p,
                                                                      c.crossbar.v_read_volt, rng);
            L.engines[t]->restart();
        }
        if (options_.on_tile_programmed) {
            const std::lock_guard lock(progress_mutex);
            options_.on_tile_programmed(++programmed, long(jobs.size()));
        }
    });
    attention_.reset();
    if (c.attention_on_crossbars && model) {
        // Its sampled products go to validate(): the layers' queue (or inline), one order for all.
        attention_ = std::make_unique<AttentionTiles>(options_, *model, int(layers.size()), *this);
    }
    // The ngspice worker processes are forked here, while no other thread of this backend
    // is busy (the queue was drained above), rather than on the first validated MVM.
    if (options_.validate == cosim::Engine::spice && !options_.make_check_engine) {
        if (!session_) session_ = std::make_unique<Session>();
        if (options_.validate_in_background && !worker_session_) worker_session_ = std::make_unique<Session>();
    }
    prepared_for_ = layers.front()->weight.data();
    restart();
    prepare_seconds_ = since(t0);
}

void AnalogBackend::restart() {
    const AnalogConfig& c = options_.config;
    finish_validation();
    // Read noise of a calibration set from streams of its own (4): its draws are not the
    // scored MVMs' (2), so the fit cannot learn them.
    const std::uint64_t noise_stream = phase_ == CalibrationPhase::collecting ? 4 : 2;
    for (auto& L : layers_) {
        L->noise.clear();
        for (const LayerTile& t : L->tiles)
            L->noise.emplace_back(tile_seed(c.seed, L->layer->index, t.place.tile_row, t.place.tile_col, noise_stream));
        if (phase_ != CalibrationPhase::frozen) {
            L->adc_range.assign(L->tiles.size(), 0.0);
            L->calibration_max.assign(L->tiles.size(), 0.0);
            L->fit.assign(L->tiles.size(), CalibrationFit());
            L->correction = std::make_shared<const std::vector<OutputCorrection>>(L->tiles.size());
        }
        L->calls = 0;
        L->validated = 0;
        for (auto& e : L->engines) e->restart();  // the nodal engine's warm starts
        for (auto& e : L->checks)
            if (e) e->restart();
    }
    if (attention_) attention_->restart();
    counts_ = {};
}

void AnalogBackend::begin_calibration() {
    if (layers_.empty()) throw std::logic_error(fmt::format("{}: begin_calibration() before prepare()", name_));
    phase_ = CalibrationPhase::collecting;
    calibration_mvms_ = 0;
    if (attention_) attention_->begin_calibration();
    restart();
}

void AnalogBackend::end_calibration() {
    if (phase_ != CalibrationPhase::collecting)
        throw std::logic_error(fmt::format("{}: end_calibration() without begin_calibration()", name_));
    finish_validation();
    calibration_mvms_ = 0;
    for (auto& L : layers_) {
        calibration_mvms_ += L->calls;
        freeze(*L);
    }
    if (attention_) attention_->end_calibration();
    calibration_counts_ = counts_;
    phase_ = CalibrationPhase::frozen;
    restart();
}

long AnalogBackend::calibration_mvms() const {
    if (phase_ != CalibrationPhase::in_run) return calibration_mvms_;
    long n = 0;
    for (const auto& L : layers_) n += std::min<long>(L->calls, options_.config.adc_calibration_mvms);
    return n;
}

long AnalogBackend::attention_calibration_mvms() const { return attention_ ? attention_->calibration_mvms() : 0; }

void AnalogBackend::freeze(Layer& L) const {
    const AnalogConfig& c = options_.config;
    auto correction = std::make_shared<std::vector<OutputCorrection>>(L.tiles.size());
    for (std::size_t t = 0; t < L.tiles.size(); ++t) {
        L.adc_range[t] = L.calibration_max[t] > 0 ? c.adc_headroom * L.calibration_max[t] : 1e-30;
        (*correction)[t] = L.fit[t].solve(c.output_calibration);
    }
    L.correction = std::move(correction);
}

void AnalogBackend::matvec(const transformer::LinearLayer& layer, std::span<const float> x, std::span<float> y) {
    if (layer.index < 0 || std::size_t(layer.index) >= layers_.size() || layers_[layer.index]->layer->out != layer.out ||
        layers_[layer.index]->layer->in != layer.in)
        throw std::logic_error(fmt::format("{}: layer {} was not prepared", name_, layer.name));
    Layer& L = *layers_[layer.index];
    const AnalogConfig& c = options_.config;
    const long call = L.calls++;
    std::fill(y.begin(), y.end(), 0.0f);
    float x_max = 0;
    for (float v : x) x_max = std::max(x_max, std::abs(v));
    const bool calibrating = phase_ == CalibrationPhase::collecting ||
                             (phase_ == CalibrationPhase::in_run && call < c.adc_calibration_mvms);
    const bool check = !calibrating && validation_sampled(options_, layer.index, call, L.validated);
    if (x_max == 0) return;  // zero input: zero output on every engine, nothing to digitise
    const Periphery io(c);
    const double v_read = io.v_read_volt;
    const int R = c.crossbar.spec.rows, C = c.crossbar.spec.cols;
    const int n = int(L.tiles.size());
    const bool parallel = reads_in_parallel(options_, n);
    const double g_per_w = (c.crossbar.g_max_siemens - c.crossbar.g_min_siemens) / L.w_max;
    const bool fitting = calibrating && c.output_calibration != OutputCalibration::none;
    std::vector<std::vector<Eigen::VectorXd>> volts(n), noise(n);  // (tile, read) -> (R) V, (C) A
    for_each_index(n, parallel, [&](int t) {
        const TilePlace& p = L.tiles[t].place;
        volts[t] = dac_volts(io, x.subspan(p.row0, p.rows), x_max, R);
        noise[t] = read_noise(L.tiles[t].read_var_a2_per_v2, volts[t], L.noise[t]);  // the tile's stream
        L.partial[t] = read_tile(*L.engines[t], io, volts[t], noise[t], L.adc_range[t], L.tiles[t].drift_compensation,
                                 (*L.correction)[t], calibrating ? &L.calibration_max[t] : nullptr);
        if (fitting) L.fit[t].add(L.partial[t], target_product(io, volts[t], target_block(*L.layer, p, g_per_w), C), p.cols);
    });
    count(L, volts);
    if (phase_ == CalibrationPhase::in_run && call + 1 == c.adc_calibration_mvms) freeze(L);

    const double to_y = double(x_max) * L.w_max / (v_read * (c.crossbar.g_max_siemens - c.crossbar.g_min_siemens));
    const std::vector<double> acc = sum_tiles(L.tiles, L.partial, y.size());
    for (std::size_t k = 0; k < y.size(); ++k) y[k] = float(acc[k] * to_y);

    if (!check) return;
    ++L.validated;
    validate(L.stats, y,
             std::make_shared<Check>(L, io, std::move(volts), std::move(noise), L.adc_range, L.correction, to_y));
}

// One sampled MVM (a layer's or an attention product's) whose engine outputs are y: in the
// background (a copy of y and `check`, which holds copies of everything else, queued to the
// worker), or inline, timed as a wait of inference, where substitute mode replaces y by the
// circuit's outputs.
void AnalogBackend::validate(ValidationStats& stats, std::span<float> y, std::shared_ptr<CircuitCheck> check) {
    if (options_.validate_in_background && !substitute_) {
        if (!worker_)
            worker_ = std::make_unique<BackgroundWorker>(64, [](std::exception_ptr) {});  // check_now catches all
        worker_->post([this, &stats, y_engine = std::vector<float>(y.begin(), y.end()), check = std::move(check)] {
            std::vector<float> y_circuit(y_engine.size());
            check_now(stats, y_engine, *check, y_circuit, true);  // on the worker
        });
        return;
    }
    const auto t0 = Clock::now();
    std::vector<float> y_circuit(y.size());
    check_now(stats, y, *check, y_circuit, false);
    if (substitute_) std::copy(y_circuit.begin(), y_circuit.end(), y.begin());
    inline_check_seconds_ += since(t0);
}

// The hardware operations of one MVM of L (op_counts.hpp): volts (tile, read) -> (rows) V as
// the DAC drove them. Called for the engine's MVM only, never for its validation.
void AnalogBackend::count(const Layer& L, const std::vector<std::vector<Eigen::VectorXd>>& volts) {
    const AnalogConfig& c = options_.config;
    const int reads = int(volts.front().size());
    const transformer::LinearLayer& l = *L.layer;
    counts_.add_mvm(l.in, l.out, !l.bias.empty(), {reads, std::min(c.crossbar.spec.cols, l.out), c.adc_bits});
    for (std::size_t t = 0; t < L.tiles.size(); ++t) {
        const LayerTile& tile = L.tiles[t];
        counts_.add_tile(tile.place.rows, tile.place.cols, reads, c.bit_serial ? 1 : c.dac_bits, c.adc_bits,
                         tile.drift_compensation != 1.0);
        counts_.add_calibration(tile.place.cols, c.output_calibration);
        counts_.cell_v2g_w += cell_read_power_w(volts[t], tile.row_g_siemens);
    }
}

// One validated MVM through full circuit solves (`check`): the outputs into y_circuit and the
// comparison with y_engine into stats. A solve that throws is recorded as a failure, named by
// stats.layer (y_circuit then holds the engine's outputs). Runs inline or on the worker thread,
// never both at once for one backend (inline checks happen only while nothing is queued:
// substitute mode is set after restart(), which drains), so the check engines a solve caches
// are used by one thread at a time.
void AnalogBackend::check_now(ValidationStats& stats, std::span<const float> y_engine, CircuitCheck& check,
                              std::span<float> y_circuit, bool on_worker) {
    const auto t0 = Clock::now();
    const bool spice = options_.validate == cosim::Engine::spice;
    std::unique_ptr<Session>& session = on_worker ? worker_session_ : session_;
    try {
        if (spice && !session) session = std::make_unique<Session>();
        const CheckEngineMaker make = [&](const cosim::ProgrammedTile& tile) {
            return options_.make_check_engine ? options_.make_check_engine(tile)
                   : spice                    ? cosim::make_spice_engine(tile, session->pool)
                                              : make_nodal_check_engine(options_, tile, check_solvers_.get());
        };
        check.solve(make, !spice, y_circuit);  // one ngspice session is one simulator: spice solves stay on this thread
        stats.add(y_circuit, y_engine);
    } catch (const std::exception& e) {
        stats.fail(fmt::format("{}: {}", stats.layer, e.what()));
        std::copy(y_engine.begin(), y_engine.end(), y_circuit.begin());
    } catch (...) {
        stats.fail(fmt::format("{}: unknown error", stats.layer));
        std::copy(y_engine.begin(), y_engine.end(), y_circuit.begin());
    }
    stats.seconds += since(t0);
}

void AnalogBackend::attention_scores(const transformer::AttentionStep& step, std::span<const float> q,
                                     std::span<float> scores, std::size_t stride) {
    if (!attention_) LinearBackend::attention_scores(step, q, scores, stride);  // throws
    attention_->scores(step, q, scores, stride, counts_);
}

void AnalogBackend::attention_values(const transformer::AttentionStep& step, std::span<const float> probs,
                                     std::size_t stride, std::span<float> out) {
    if (!attention_) LinearBackend::attention_values(step, probs, stride, out);  // throws
    attention_->values(step, probs, stride, out, counts_);
}

void AnalogBackend::finish_validation() const {
    if (worker_) worker_->drain();
}

std::vector<ValidationStats> AnalogBackend::validation() const {
    finish_validation();
    std::vector<ValidationStats> out;
    for (const auto& L : layers_) out.push_back(L->stats);
    if (attention_)
        for (const ValidationStats& v : attention_->validation()) out.push_back(v);
    return out;
}

double AnalogBackend::validation_wait_seconds() const {
    return inline_check_seconds_ + (worker_ ? worker_->blocked_seconds() : 0.0);
}

double AnalogBackend::validation_seconds() const {
    double s = 0;
    for (const ValidationStats& v : validation()) s += v.seconds;  // layers and attention products
    return s;
}

namespace {
cosim::NodalCounts sum_counts(const std::vector<std::unique_ptr<cosim::MvmEngine>>& engines, cosim::NodalCounts total) {
    for (const auto& e : engines) {
        if (e) total += e->solve_counts();
    }
    return total;
}
}  // namespace

cosim::NodalCounts AnalogBackend::nodal_counts() const {
    finish_validation();
    cosim::NodalCounts total;
    for (const auto& L : layers_) total = sum_counts(L->engines, total);
    return total;
}

cosim::NodalCounts AnalogBackend::check_counts() const {
    finish_validation();
    cosim::NodalCounts total;
    for (const auto& L : layers_) total = sum_counts(L->checks, total);
    if (check_solvers_) total += check_solvers_->counts();
    return total;
}

int AnalogBackend::check_solvers() const { return check_solvers_ ? check_solvers_->solvers() : 0; }

double AnalogBackend::kept_check_bytes() const { return check_budget_ ? check_budget_->used_bytes() : 0.0; }

int AnalogBackend::tiles() const {
    int n = 0;
    for (const auto& L : layers_) n += int(L->tiles.size());
    return attention_ ? n + attention_->tiles() : n;
}

}  // namespace kirchhoff::analog
