// The attention products on KV-cache crossbar tiles (attention_tiles.hpp).
#include "analog/attention_tiles.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analog/parallel.hpp"
#include "analog/tile_programming.hpp"

namespace kirchhoff::analog {

namespace {

enum Which { scores_product = 0, values_product = 1 };

}  // namespace

// One write of one tile: its programmed cells and, built by the first validation that reads
// them (on the validating thread), their circuit engine. Shared with the validations queued
// while it was the tile's contents: a rewrite makes a new one and leaves them unchanged.
struct AttentionTiles::Written {
    LayerTile tile;
    Eigen::MatrixXd dg_siemens;  // (rows, cols) target conductance differences (output calibration)
    std::unique_ptr<cosim::MvmEngine> check;
};

// One product (K^T or V) of one kv head of one block on its tiles.
struct AttentionTiles::Array {
    int seed_index = 0;
    std::vector<TilePlace> places;
    std::vector<std::shared_ptr<Written>> written;            // per place, the last write; null until written
    std::vector<double> scale;                                // per place: w_tile
    std::vector<std::uint64_t> write_id;                      // per place: step of the last whole-tile write
    std::vector<std::unique_ptr<cosim::MvmEngine>> engines;  // per place; null until written
    double adc_range = 0, calibration_max = 0;                // A; range 0 while calibrating
    CalibrationFit fit;                                       // output calibration, per column index
    std::shared_ptr<const OutputCorrection> correction;       // shared by the tiles; identity while calibrating
};

// One product of one block: its calls, validation sampling and statistics.
struct AttentionTiles::Product {
    int block = 0, seed_index = 0;
    Which which = scores_product;
    long calls = 0, validated = 0;
    ValidationStats stats;
};

// One tile read for one query head, with what a circuit solve of it needs.
struct AttentionTiles::Read {
    int head = 0, tile = 0;
    Array* array = nullptr;             // inference's thread only
    std::shared_ptr<Written> written;   // the tile as read
    TilePlace place;
    float x_max = 0;
    double to_y = 0;                    // A -> model units: x_max w_tile / (v_read (g_max - g_min))
    double adc_range = 0;               // A; 0 while calibrating
    std::shared_ptr<const OutputCorrection> correction;  // the array's, as at this read
    std::vector<Eigen::VectorXd> volts;  // (DAC reads) x (array.rows) V
    Eigen::VectorXd engine, circuit;     // (array.cols) A, digitised
    double calibration_max = 0;
};

// The reads of one product at one step, grouped by tile (a tile's reads on one thread), and the
// shape of its outputs: (n_heads, length) with length = pos + 1 (scores) or head_size (values).
struct AttentionTiles::Reads {
    std::vector<Read> reads;
    std::vector<int> first;  // start of each tile's reads in `reads`; last: reads.size()
    int n_heads = 0, length = 0, pos = 0;
    bool keys = true;

    // Every read through engine_of(read) and the converters (no read noise) into read.engine or
    // read.circuit; tiles on threads when parallel. calibrating: records the largest currents.
    void run(const Periphery& io, bool parallel, bool circuit, bool calibrating,
             const std::function<cosim::MvmEngine&(Read&)>& engine_of) {
        const std::vector<Eigen::VectorXd> quiet(io.reads.size());  // no read noise (attention_tiles.hpp)
        for_each_index(int(first.size()) - 1, parallel, [&](int i) {
            for (int k = first[i]; k < first[i + 1]; ++k) {
                Read& r = reads[k];
                (circuit ? r.circuit : r.engine) = read_tile(engine_of(r), io, r.volts, quiet, r.adc_range, 1.0,
                                                             *r.correction, calibrating ? &r.calibration_max : nullptr);
            }
        });
    }
    // Model units, fixed order: y[h * length + j] = sum over the head's reads of I to_y.
    std::vector<float> convert(bool circuit) const {
        std::vector<double> acc(std::size_t(n_heads) * length, 0.0);
        for (const Read& r : reads) {
            const Eigen::VectorXd& i = circuit ? r.circuit : r.engine;
            for (int k = 0; k < r.place.cols && (!keys || r.place.col0 + k <= pos); ++k)
                acc[std::size_t(r.head) * length + r.place.col0 + k] += i(k) * r.to_y;
        }
        return std::vector<float>(acc.begin(), acc.end());
    }
};

// A sampled product's circuit re-solve (CircuitCheck, analog_backend.hpp): its reads with the
// tiles as written at that step, whenever it runs; the circuit engine of a write is built once
// (a tile's reads are on one thread).
struct AttentionTiles::ProductCheck final : CircuitCheck {
    std::shared_ptr<Reads> kept;
    Periphery io;

    ProductCheck(std::shared_ptr<Reads> reads, Periphery io_) : kept(std::move(reads)), io(std::move(io_)) {}

    void solve(const CheckEngineMaker& make, bool parallel, std::span<float> y_circuit) override {
        kept->run(io, parallel, true, false, [&](Read& r) -> cosim::MvmEngine& {
            if (!r.written->check) r.written->check = make(r.written->tile.tile);
            return *r.written->check;
        });
        const std::vector<float> y = kept->convert(true);
        std::copy(y.begin(), y.end(), y_circuit.begin());
    }
};

AttentionTiles::AttentionTiles(const AnalogOptions& options, const transformer::ModelConfig& model, int seed_index0,
                               AnalogBackend& backend)
    : options_(options), program_config_(options.config), io_(options.config), model_(model), backend_(backend) {
    program_config_.pcm_t_inference_s = 0;  // no drift, no read noise (attention_tiles.hpp)
    program_config_.pcm_read_noise = false;
    const int hs = model.head_size();
    int index = seed_index0;
    for (int b = 0; b < model.n_layers; ++b)
        for (int h = 0; h < model.n_kv_heads; ++h)
            for (Which w : {scores_product, values_product}) {
                auto a = std::make_unique<Array>();
                a->seed_index = index++;
                a->places = w == scores_product ? tile_places(options_.config, model.seq_len, hs)
                                                : tile_places(options_.config, hs, model.seq_len);
                a->written.resize(a->places.size());
                a->scale.assign(a->places.size(), 1.0);
                a->write_id.assign(a->places.size(), 0);
                a->engines.resize(a->places.size());
                arrays_.push_back(std::move(a));
            }
    for (int b = 0; b < model.n_layers; ++b)
        for (Which w : {scores_product, values_product}) {
            auto p = std::make_unique<Product>();
            p->block = b, p->which = w, p->seed_index = index++;
            p->stats.layer = fmt::format("layers.{}.attn.{}", b, w == scores_product ? "scores" : "values");
            products_.push_back(std::move(p));
        }
    restart();
}

AttentionTiles::~AttentionTiles() = default;

void AttentionTiles::restart() {
    for (auto& a : arrays_) {
        for (auto& e : a->engines) e.reset();
        for (auto& w : a->written) w.reset();  // queued validations keep theirs
        if (phase_ == CalibrationPhase::frozen) continue;
        a->adc_range = a->calibration_max = 0;
        a->fit = CalibrationFit();
        a->correction = std::make_shared<const OutputCorrection>();
    }
    for (auto& p : products_) p->calls = p->validated = 0;
    steps_ = 0;
}

void AttentionTiles::begin_calibration() {
    phase_ = CalibrationPhase::collecting;
    restart();
}

void AttentionTiles::end_calibration() {
    calibration_mvms_ = 0;
    for (const auto& p : products_) calibration_mvms_ += p->calls;
    for (auto& a : arrays_) freeze(*a);
    phase_ = CalibrationPhase::frozen;
    restart();
}

long AttentionTiles::calibration_mvms() const {
    if (phase_ != CalibrationPhase::in_run) return calibration_mvms_;
    long n = 0;
    for (const auto& p : products_) n += std::min<long>(p->calls, options_.config.attention_adc_calibration_tokens);
    return n;
}

void AttentionTiles::freeze(Array& a) const {
    const AnalogConfig& c = options_.config;
    a.adc_range = a.calibration_max > 0 ? c.attention_adc_headroom * a.calibration_max : 1e-30;
    a.correction = std::make_shared<const OutputCorrection>(a.fit.solve(c.output_calibration));
}

void AttentionTiles::scores(const transformer::AttentionStep& step, std::span<const float> q, std::span<float> scores,
                            std::size_t stride, OpCounts& counts) {
    const int pos = step.pos, hs = step.head_size, kv_dim = step.n_kv_heads * hs;
    const int n_kv = model_.n_kv_heads;
    // Write row pos of K and V into the tile of each array that holds position pos, all such
    // tiles in parallel. While the tile's scale (max |contents|) holds, only the new row is
    // written: the same write stream reproduces the other rows' conductances exactly. A new
    // scale (or the tile's first row of a sequence) rewrites the whole tile with fresh noise.
    struct Job {
        Array* array;
        int kv_head, tile;
        bool keys;
    };
    std::vector<Job> jobs;
    for (int h = 0; h < n_kv; ++h)
        for (Which w : {scores_product, values_product}) {
            Array& a = *arrays_[(std::size_t(step.block) * n_kv + h) * 2 + w];
            if (pos == 0)  // a new sequence: nothing of the old one is read again
                for (std::size_t t = 0; t < a.places.size(); ++t) a.engines[t].reset(), a.written[t].reset();
            for (std::size_t t = 0; t < a.places.size(); ++t) {
                const TilePlace& p = a.places[t];
                const int first = w == scores_product ? p.col0 : p.row0;
                const int count = w == scores_product ? p.cols : p.rows;
                if (pos >= first && pos < first + count) jobs.push_back({&a, h, int(t), w == scores_product});
            }
        }
    // A calibration set's writes draw their programming noise from ids of their own (bit 40
    // set), so the scored rows' draws stay unseen by the fit.
    const std::uint64_t step_id =
        std::uint64_t(steps_++) | (phase_ == CalibrationPhase::collecting ? std::uint64_t(1) << 40 : 0);
    // Threads only where a write costs milliseconds (surrogate or nodal engine rebuilt): an
    // ideal tile is programmed in microseconds, less than a parallel region costs whenever
    // another thread (background validation, another process) holds a core.
    for_each_index(int(jobs.size()), options_.engine != cosim::Engine::ideal, [&](int j) {
        const Job& job = jobs[j];
        Array& a = *job.array;
        const TilePlace& p = a.places[job.tile];
        Eigen::MatrixXd w = Eigen::MatrixXd::Zero(p.rows, p.cols);
        for (int r = 0; r < p.rows; ++r)
            for (int k = 0; k < p.cols; ++k) {
                // keys: row = head dim row0 + r, column = position col0 + k; values: the transpose.
                const int t = job.keys ? p.col0 + k : p.row0 + r, i = job.keys ? p.row0 + r : p.col0 + k;
                if (t > pos) continue;
                const auto& cache = job.keys ? step.keys : step.values;
                w(r, k) = cache[std::size_t(t) * kv_dim + std::size_t(job.kv_head) * hs + i];
            }
        const double w_max = w.cwiseAbs().maxCoeff(), scale = w_max > 0 ? w_max : 1.0;
        if (!a.engines[job.tile] || scale != a.scale[job.tile]) a.write_id[job.tile] = step_id;
        a.scale[job.tile] = scale;
        w /= scale;
        const AnalogConfig& c = program_config_;
        auto written = std::make_shared<Written>();  // a new one: validations still queued keep the old
        written->dg_siemens = (c.crossbar.g_max_siemens - c.crossbar.g_min_siemens) * w;        written->tile = program_tile_block(c, w, p, tile_seed(c.seed, a.seed_index, p.tile_row, p.tile_col, 1),
                                           tile_seed(c.seed, a.seed_index, p.tile_row, p.tile_col,
                                                     0x7772697465000000ULL ^ a.write_id[job.tile]));
        // Until its next write the tile is read with rows up to pos (values) or head_size (keys)
        // driven: the surrogate skips the solves of the others.
        a.engines[job.tile] = make_engine(options_, written->tile.tile, job.keys ? p.rows : pos + 1 - p.row0);
        a.written[job.tile] = std::move(written);
    });
    run(*products_[std::size_t(step.block) * 2 + scores_product], step, q, stride, scores, true, counts);
}

void AttentionTiles::values(const transformer::AttentionStep& step, std::span<const float> probs, std::size_t stride,
                            std::span<float> out, OpCounts& counts) {
    run(*products_[std::size_t(step.block) * 2 + values_product], step, probs, stride, out, false, counts);
}

// One product for all query heads: the DAC reads of every (head, tile) read at this step,
// engine and ADC on threads by tile (a tile's engine is used by one thread), the sums in a
// fixed order; then calibration, validation (the reads handed to the backend with the tiles as
// written, inline or queued) and the conversion to model units.
void AttentionTiles::run(Product& P, const transformer::AttentionStep& step, std::span<const float> x,
                         std::size_t stride, std::span<float> out, bool keys, OpCounts& counts) {
    const AnalogConfig& c = options_.config;
    const int pos = step.pos, hs = step.head_size, n_kv = model_.n_kv_heads;
    const int group = step.n_heads / step.n_kv_heads;
    const int R = c.crossbar.spec.rows, C = c.crossbar.spec.cols;
    const long call = P.calls++;
    const bool calibrating = phase_ == CalibrationPhase::collecting ||
                             (phase_ == CalibrationPhase::in_run && call < c.attention_adc_calibration_tokens);
    const bool check = !calibrating && validation_sampled(options_, P.seed_index, call, P.validated);
    auto input = [&](int h) { return keys ? x.subspan(std::size_t(h) * hs, hs) : x.subspan(h * stride, pos + 1); };
    const double to_y = 1.0 / (io_.v_read_volt * (c.crossbar.g_max_siemens - c.crossbar.g_min_siemens));

    // Reads grouped by tile: (kv head, tile, head in the group); heads with zero input read nothing.
    auto kept = std::make_shared<Reads>();  // shared with a validation of this product
    Reads& reads = *kept;
    reads.n_heads = step.n_heads, reads.length = keys ? pos + 1 : hs, reads.pos = pos, reads.keys = keys;
    for (int kv = 0; kv < n_kv; ++kv) {
        Array& a = *arrays_[(std::size_t(P.block) * n_kv + kv) * 2 + P.which];
        for (std::size_t t = 0; t < a.places.size(); ++t) {
            const TilePlace& p = a.places[t];
            if ((keys ? p.col0 : p.row0) > pos) continue;
            reads.first.push_back(int(reads.reads.size()));
            const int rows = keys ? p.rows : std::min(p.rows, pos + 1 - p.row0);  // later positions: 0 V
            for (int h = kv * group; h < (kv + 1) * group; ++h) {
                float x_max = 0;
                for (float v : input(h)) x_max = std::max(x_max, std::abs(v));
                if (x_max == 0) continue;
                reads.reads.push_back({h, int(t), &a, a.written[t], p, x_max, double(x_max) * a.scale[t] * to_y,
                                       a.adc_range, a.correction,
                                       dac_volts(io_, input(h).subspan(p.row0, rows), x_max, R), {}, {}, 0});
            }
        }
    }
    reads.first.push_back(int(reads.reads.size()));
    reads.run(io_, reads_in_parallel(options_, int(reads.reads.size())), false, calibrating,
              [](Read& r) -> cosim::MvmEngine& { return *r.array->engines[r.tile]; });
    std::vector<float> y = reads.convert(false);
    count(reads, step, counts);
    if (calibrating) {
        for (const Read& r : reads.reads) {
            r.array->calibration_max = std::max(r.array->calibration_max, r.calibration_max);
            if (c.output_calibration == OutputCalibration::none) continue;
            const int used = keys ? std::min(r.place.cols, pos + 1 - r.place.col0) : r.place.cols;  // written columns
            r.array->fit.add(r.engine, target_product(io_, r.volts, r.written->dg_siemens, C), used);
        }
        if (phase_ == CalibrationPhase::in_run && call + 1 == c.attention_adc_calibration_tokens)
            for (int kv = 0; kv < n_kv; ++kv) freeze(*arrays_[(std::size_t(P.block) * n_kv + kv) * 2 + P.which]);
    }
    if (check) {
        ++P.validated;
        // The solves read the tiles as written now (kept->reads hold them), whenever they run.
        backend_.validate(P.stats, y, std::make_shared<ProductCheck>(kept, io_));  // substitute mode: y becomes the circuit's
    }
    for (int h = 0; h < step.n_heads; ++h)
        for (int j = 0; j < reads.length; ++j)
            out[keys ? h * stride + j : std::size_t(h) * hs + j] = y[std::size_t(h) * reads.length + j];
}

// The hardware operations of one product's engine reads (op_counts.hpp): per query head with a
// non-zero input one MVM (head_size inputs and pos + 1 outputs for the scores, the reverse for
// the values), per (head, tile) one tile read of the rows and columns in use.
void AttentionTiles::count(const Reads& reads, const transformer::AttentionStep& step, OpCounts& counts) const {
    const AnalogConfig& c = options_.config;
    const int n_reads = int(io_.reads.size()), pos = step.pos, hs = step.head_size;
    const bool keys = reads.keys;
    std::vector<char> head_read(std::size_t(step.n_heads), 0);
    for (const Read& r : reads.reads) {
        const TilePlace& p = r.place;
        const int rows = keys ? p.rows : std::min(p.rows, pos + 1 - p.row0);
        const int cols = keys ? std::min(p.cols, pos + 1 - p.col0) : p.cols;
        counts.add_tile(rows, cols, n_reads, c.bit_serial ? 1 : c.dac_bits, c.adc_bits, false);
        counts.add_calibration(cols, c.output_calibration);
        counts.cell_v2g_w += cell_read_power_w(r.volts, r.written->tile.row_g_siemens);
        head_read[std::size_t(r.head)] = 1;
    }
    const int in = keys ? hs : pos + 1, out = keys ? pos + 1 : hs;
    for (char h : head_read)
        if (h) counts.add_mvm(in, out, false, {n_reads, std::min(c.crossbar.spec.cols, out), c.adc_bits});
}

std::vector<ValidationStats> AttentionTiles::validation() const {
    std::vector<ValidationStats> v;
    for (const auto& p : products_) v.push_back(p->stats);
    return v;
}

int AttentionTiles::tiles() const {
    int n = 0;
    for (const auto& a : arrays_) n += int(a->places.size());
    return n;
}

}  // namespace kirchhoff::analog
