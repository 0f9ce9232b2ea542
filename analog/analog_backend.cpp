// The analog LinearBackend (analog_backend.hpp).
#include "analog/analog_backend.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <optional>

#include <fmt/format.h>

#include "cosim/mvm_engine.hpp"
#include "cosim/ngspice_session.hpp"
#include "devices/rng.hpp"
#include "params/error.hpp"

namespace kirchhoff::analog {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs body(i) for i in [0, n) over OpenMP threads (when parallel), rethrowing the first
// exception on the calling thread.
template <class F>
void for_each_index(int n, bool parallel, F&& body) {
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic) if (parallel && n > 1)
    for (int i = 0; i < n; ++i) {
        try {
            body(i);
        } catch (...) {
#pragma omp critical(kirchhoff_analog_error)
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

// ADC: clip to [-range, range], quantise to `levels` steps a side. range 0: calibrating (pass).
double adc(double i_ampere, double range_ampere, double levels) {
    if (range_ampere <= 0) return i_ampere;
    const double clipped = std::clamp(i_ampere, -range_ampere, range_ampere);
    const double step = range_ampere / levels;
    return std::round(clipped / step) * step;
}

}  // namespace

std::string_view to_string(EngineKind e) {
    switch (e) {
        case EngineKind::ideal: return "ideal";
        case EngineKind::surrogate: return "surrogate";
        case EngineKind::nodal: return "nodal";
    }
    return "?";
}
std::string_view to_string(CheckEngine e) {
    switch (e) {
        case CheckEngine::none: return "none";
        case CheckEngine::nodal: return "nodal";
        case CheckEngine::spice: return "spice";
    }
    return "?";
}
EngineKind parse_engine(std::string_view t, std::string_view flag) {
    for (EngineKind e : {EngineKind::ideal, EngineKind::surrogate, EngineKind::nodal})
        if (to_string(e) == t) return e;
    throw InputError(fmt::format("{} {}: unknown engine; allowed: ideal, surrogate, nodal", flag, t));
}
CheckEngine parse_check_engine(std::string_view t, std::string_view flag) {
    for (CheckEngine e : {CheckEngine::none, CheckEngine::nodal, CheckEngine::spice})
        if (to_string(e) == t) return e;
    throw InputError(fmt::format("{} {}: unknown validation engine; allowed: none, nodal, spice", flag, t));
}

struct AnalogBackend::Session {
    cosim::NgspiceSession session;
};

struct AnalogBackend::Layer {
    const transformer::LinearLayer* layer = nullptr;
    double w_max = 1.0;
    std::vector<LayerTile> tiles;
    std::vector<std::unique_ptr<cosim::MvmEngine>> engines;  // per tile
    std::vector<std::unique_ptr<cosim::MvmEngine>> checks;   // per tile, built on first validation
    std::vector<devices::Rng> noise;                         // per tile: read noise
    std::vector<double> adc_range, calibration_max;          // per tile (A)
    std::vector<Eigen::VectorXd> partial, partial_check;     // per tile (cols): scratch
    long calls = 0, validated = 0;
    ValidationStats stats;
};

AnalogBackend::AnalogBackend(AnalogOptions o) : options_(std::move(o)) {
    if (!(options_.validate_fraction >= 0 && options_.validate_fraction <= 1))
        throw InputError(fmt::format("--validate-fraction {}: outside the allowed range [0, 1]", options_.validate_fraction));
    if (options_.validate_max_per_layer < 0)
        throw InputError(fmt::format("--validate-count {}: outside the allowed range [0, inf)", options_.validate_max_per_layer));
    name_ = fmt::format("analog-{}", to_string(options_.engine));
}

AnalogBackend::~AnalogBackend() = default;

void AnalogBackend::prepare(const transformer::Model& model) {
    const auto layers = model.linear_layers();
    if (layers.empty()) return;
    if (prepared_for_ == layers.front()->weight.data() && layers_.size() == layers.size()) return;
    const auto t0 = Clock::now();
    const AnalogConfig& c = options_.config;
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
    for_each_index(int(jobs.size()), true, [&](int j) {
        Layer& L = *layers_[jobs[j].first];
        const int t = jobs[j].second;
        L.tiles[t] = program_layer_tile(c, *L.layer, L.w_max, L.tiles[t].place);
        const auto& tile = L.tiles[t].tile;
        switch (options_.engine) {
            case EngineKind::ideal: L.engines[t] = cosim::make_ideal_engine(tile); break;
            case EngineKind::surrogate:
                L.engines[t] = cosim::make_surrogate_engine(tile, options_.response, options_.v_star_volt);
                break;
            case EngineKind::nodal: L.engines[t] = cosim::make_nodal_engine(tile); break;
        }
    });
    prepared_for_ = layers.front()->weight.data();
    restart();
    prepare_seconds_ = since(t0);
}

void AnalogBackend::restart() {
    const AnalogConfig& c = options_.config;
    for (auto& L : layers_) {
        L->noise.clear();
        for (const LayerTile& t : L->tiles)
            L->noise.emplace_back(tile_seed(c.seed, L->layer->index, t.place.tile_row, t.place.tile_col, 2));
        L->adc_range.assign(L->tiles.size(), 0.0);
        L->calibration_max.assign(L->tiles.size(), 0.0);
        L->calls = 0;
        L->validated = 0;
    }
    counts_ = {};
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
    const bool calibrating = call < c.adc_calibration_mvms;
    bool check = false;
    if (!calibrating && options_.validate != CheckEngine::none && options_.validate_fraction > 0 &&
        (options_.validate_max_per_layer == 0 || L.validated < options_.validate_max_per_layer)) {
        const std::uint64_t h = tile_seed(c.seed, layer.index, -1, -1, 0x76616c6964617465ULL ^ std::uint64_t(call));
        check = double(h >> 11) * 0x1.0p-53 < options_.validate_fraction;
    }
    if (x_max == 0) return;  // zero input: zero output on every engine, nothing to digitise
    const bool two_phase = c.signs == SignEncoding::two_phase;
    const double v_read = c.crossbar.v_read_volt;
    const int magnitude_bits = two_phase ? c.dac_bits : c.dac_bits - 1;
    const double dac_levels = std::ldexp(1.0, magnitude_bits) - 1;
    const double adc_levels = std::ldexp(1.0, c.adc_bits - 1) - 1;
    const int R = c.crossbar.spec.rows, C = c.crossbar.spec.cols;
    const int n = int(L.tiles.size());
    // The reads of one MVM, the same on every tile: phase 0 (signed, or the positive part) and
    // 1 (the negative part, two_phase); bit b of the DAC level (bit_serial) or the whole level
    // (amplitude, bit -1); the weight of its digitised output in the sum.
    struct Read {
        int phase, bit;
        double weight;
    };
    std::vector<Read> plan;
    for (int p = 0; p < (two_phase ? 2 : 1); ++p) {
        if (!c.bit_serial) plan.push_back({p, -1, p ? -1.0 : 1.0});
        else
            for (int b = magnitude_bits - 1; b >= 0; --b)
                plan.push_back({p, b, (p ? -1.0 : 1.0) * std::ldexp(1.0, b) / dac_levels});
    }
    std::vector<double> weights;
    for (const Read& rd : plan) weights.push_back(rd.weight);

    // Threads over tiles only where a tile's MVM is expensive (nodal solves, or big tiles):
    // a surrogate GEMV of a 64 x 64 tile takes microseconds, less than waking a thread team.
    const bool parallel = options_.engine == EngineKind::nodal || double(n) * R * C >= double(1 << 18);
    std::vector<std::vector<Eigen::VectorXd>> volts(n), noise(n);  // (tile, read) -> (R) V, (C) A
    for_each_index(n, parallel, [&](int t) {
        const TilePlace& p = L.tiles[t].place;
        // DAC: x scaled per vector to v_read, quantised to dac_levels a side.
        volts[t].assign(plan.size(), Eigen::VectorXd::Zero(R));
        noise[t].assign(plan.size(), Eigen::VectorXd());
        for (int r = 0; r < p.rows; ++r) {
            const double u = double(x[p.row0 + r]) / x_max;
            const double level = std::round(std::abs(u) * dac_levels);
            for (std::size_t k = 0; k < plan.size(); ++k) {
                if (two_phase && (plan[k].phase == 0 ? u <= 0 : u >= 0)) continue;
                const double value = plan[k].bit < 0 ? level / dac_levels
                                                     : double((std::int64_t(level) >> plan[k].bit) & 1);
                volts[t][k](r) = (two_phase || u >= 0 ? 1.0 : -1.0) * value * v_read;
            }
        }
        // Read noise, one draw per output per read (Joshi 2020), from the tile's stream.
        const Eigen::MatrixXd& var = L.tiles[t].read_var_a2_per_v2;
        if (var.size())
            for (std::size_t k = 0; k < plan.size(); ++k) {
                Eigen::VectorXd s = (var.transpose() * volts[t][k].cwiseAbs2()).cwiseSqrt();
                for (int j = 0; j < C; ++j) s(j) *= L.noise[t].normal();
                noise[t][k] = std::move(s);
            }
        L.partial[t] = Eigen::VectorXd::Zero(C);
        for (std::size_t k = 0; k < plan.size(); ++k) {
            Eigen::VectorXd i = L.engines[t]->matvec(volts[t][k]);
            if (noise[t][k].size()) i += noise[t][k];
            if (calibrating) L.calibration_max[t] = std::max(L.calibration_max[t], i.cwiseAbs().maxCoeff());
            for (int j = 0; j < C; ++j) i(j) = adc(i(j), L.adc_range[t], adc_levels);
            L.partial[t] += plan[k].weight * i;
        }
        L.partial[t] *= L.tiles[t].drift_compensation;
    });
    count(L, volts);
    if (calibrating && call + 1 == c.adc_calibration_mvms)
        for (int t = 0; t < n; ++t)
            L.adc_range[t] = L.calibration_max[t] > 0 ? c.adc_headroom * L.calibration_max[t] : 1e-30;

    const double to_y = double(x_max) * L.w_max / (v_read * (c.crossbar.g_max_siemens - c.crossbar.g_min_siemens));
    auto sum_tiles = [&](const std::vector<Eigen::VectorXd>& partial, std::span<float> out) {
        std::vector<double> acc(out.size(), 0.0);
        for (int t = 0; t < n; ++t) {  // fixed order: row tiles summed the same way at any thread count
            const TilePlace& p = L.tiles[t].place;
            for (int k = 0; k < p.cols; ++k) acc[p.col0 + k] += partial[t](k);
        }
        for (std::size_t k = 0; k < out.size(); ++k) out[k] = float(acc[k] * to_y);
    };
    sum_tiles(L.partial, y);

    if (check) {
        std::vector<float> y_circuit(y.size());
        validate(L, weights, volts, noise, y_circuit);
        for (std::size_t k = 0; k < y_circuit.size(); ++k) y_circuit[k] = float(y_circuit[k] * to_y);
        L.stats.add(y_circuit, y);
        ++L.validated;
        if (substitute_) std::copy(y_circuit.begin(), y_circuit.end(), y.begin());
    }
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
        counts_.cell_v2g_w += cell_read_power_w(volts[t], tile.row_g_siemens);
    }
}

// The same MVM through full circuit solves: writes the tile sums (before the conversion to
// y units) into y_circuit.
void AnalogBackend::validate(Layer& L, const std::vector<double>& weights,
                             const std::vector<std::vector<Eigen::VectorXd>>& volts,
                             const std::vector<std::vector<Eigen::VectorXd>>& noise, std::span<float> y_circuit) {
    const auto t0 = Clock::now();
    const AnalogConfig& c = options_.config;
    const bool spice = options_.validate == CheckEngine::spice;
    if (spice && !session_) session_ = std::make_unique<Session>();
    const double adc_levels = std::ldexp(1.0, c.adc_bits - 1) - 1;
    const int n = int(L.tiles.size()), C = c.crossbar.spec.cols;
    // One ngspice session is one simulator: spice solves stay on this thread.
    for_each_index(n, !spice, [&](int t) {
        if (!L.checks[t])
            L.checks[t] = spice ? cosim::make_spice_engine(L.tiles[t].tile, session_->session)
                                : cosim::make_nodal_engine(L.tiles[t].tile);
        L.partial_check[t] = Eigen::VectorXd::Zero(C);
        for (std::size_t k = 0; k < weights.size(); ++k) {
            Eigen::VectorXd i = L.checks[t]->matvec(volts[t][k]);
            if (noise[t][k].size()) i += noise[t][k];
            for (int j = 0; j < C; ++j) i(j) = adc(i(j), L.adc_range[t], adc_levels);
            L.partial_check[t] += weights[k] * i;
        }
        L.partial_check[t] *= L.tiles[t].drift_compensation;
    });
    std::vector<double> acc(y_circuit.size(), 0.0);
    for (int t = 0; t < n; ++t) {
        const TilePlace& p = L.tiles[t].place;
        for (int k = 0; k < p.cols; ++k) acc[p.col0 + k] += L.partial_check[t](k);
    }
    for (std::size_t k = 0; k < acc.size(); ++k) y_circuit[k] = float(acc[k]);
    L.stats.seconds += since(t0);
}

std::vector<ValidationStats> AnalogBackend::validation() const {
    std::vector<ValidationStats> out;
    for (const auto& L : layers_) out.push_back(L->stats);
    return out;
}

double AnalogBackend::validation_seconds() const {
    double s = 0;
    for (const auto& L : layers_) s += L->stats.seconds;
    return s;
}

int AnalogBackend::tiles() const {
    int n = 0;
    for (const auto& L : layers_) n += int(L->tiles.size());
    return n;
}

}  // namespace kirchhoff::analog
