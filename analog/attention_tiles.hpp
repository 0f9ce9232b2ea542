// The two attention products on crossbar tiles that hold the KV cache (attention.on_crossbars):
// scores s_h,t = q_h . k_t and the value product o_h = sum_t p_h,t v_t, per block and query
// head, for AnalogBackend's attention_scores / attention_values (transformer/linear_backend.hpp).
//
// Physical model: the dataflow of Leroux et al., "Analog in-memory computing attention
// mechanism for fast and energy-efficient large language models", Nature Computational
// Science 5, 813-824, 2025: K and V of each kv head live in their own arrays, one row written
// per generated token, and the two dot products are analog MVMs on them. Here the cells are
// the configured crossbar cells (the same mapping, converters and engines as the linear
// layers), not Leroux's capacitive gain cells, and softmax stays digital (Leroux: a hard
// sigmoid in analog).
//   scores  K^T on tiles: rows = head dims (inputs, q_h as row voltages), cols = positions.
//           The product's matrix is K (seq_len, head_size), tiled by tile_places(seq_len, hs).
//   values  V on tiles: rows = positions (inputs, p_h,t as row voltages), cols = head dims.
//           The product's matrix is V^T (head_size, seq_len), tiled by tile_places(hs, seq_len).
//   write   at step pos the tile(s) holding position pos take row pos; their contents
//           (positions <= pos; the rest g_min, weight 0) are mapped with the tile's scale
//           w_tile = max |contents| (the other tiles keep theirs). While w_tile holds, only the
//           new row is written and the older rows keep their conductances; a new row with a
//           larger max |.| rewrites the whole tile at the new scale. Cells get the configured
//           stuck-at faults and device-to-device factor, fixed per physical cell, and PCM
//           programming noise drawn at each write of the cell (Joshi et al., Nature
//           Communications 11, 2473, 2020). The tile's engine is rebuilt at every step.
//   no drift, no read noise: pcm.t_inference_s (hours to days for weights) does not apply to
//           cells rewritten every token. A row is read at most seq_len token periods after its
//           write: 256 tokens at 1 ms a token is t = 0.26 s, well below the drift reference
//           time t0 = 20 s, and the drift factor ((t + t0) / t0)^-nu >= 0.9987 for nu <= 0.1
//           (Joshi 2020): left out. Joshi's read noise grows with the time since programming,
//           here the age of each row (a per-token clock this simulator does not have): left out.
//   DAC     per vector: q_h / max |q_h|, p_h / max p_h (same dac.* as the linear layers).
//   ADC     adc.bits; one range per block, kv head and product, shared by its tiles:
//           attention.adc_headroom x the largest |current| of the first
//           attention.adc_calibration_tokens tokens (they pass unquantised). The calibration
//           should see at least one full value tile (array.rows tokens): a value column's
//           current grows with the rows holding similar probabilities. The headroom is its own
//           key (default 2): a clipped score is one of the largest, which dominate the softmax,
//           and the first tokens need not show the largest later ones. Logit error at 16 / 8
//           bits (tests/analog/test_attention_tiles.cpp setup, 16 x 8 tiles): a random model
//           with norm weights 1 +- 0.2 clipped at 1.25 (2.2e-2 / 4.1%; 2e-4 / 4.3% at 2; 4e-4 /
//           12% at 4), transformer::random_model did not (1.3e-4 / 4.5%; 1.9e-4 / 5.0%; 4.7e-4 /
//           11%); models/plain, 256 tokens, 8 bits: perplexity 3.0747 / 3.0722 / 3.0759.
//           With a calibration set (begin_calibration(), analog_backend.hpp) all its tokens
//           calibrate instead, and their rows are written with programming draws of their own.
//   calib.  adc.calibration (output_calibration.hpp), fitted on the same calibration tokens per
//           block, kv head and product and per column index, shared by the array's tiles like
//           the ADC range (tiles first written after the calibration tokens have no reads of
//           their own to fit; the correction is for the column's place in the tile, where the
//           IR drop depends on it). Reference: the written block's target conductances.
//   back    y = sum over row tiles of I_cal x_max w_tile / (v_read (g_max - g_min)).
// Threads: the (query head, tile) reads of one product run on OpenMP threads, each writing its
// own buffer; sums are taken afterwards in a fixed order: results are the same at any thread
// count. Sampled validation (validate, validate_fraction, validate_max_per_layer) re-solves
// every tile read of a sampled product with the full circuit, per block and product
// ("layers.<b>.attn.scores", "layers.<b>.attn.values"), through the backend's validation
// (inline or on its worker, analog_backend.hpp). A sampled product hands over its reads with
// the tiles as written at that step: each write of a tile is a new shared object, so a check
// still queued when the tile is rewritten solves the contents it read; its circuit engine is
// built by the first check that reads it and kept with it (a nodal factorisation costs about
// 30 solves of a 64 x 64 tile; only the tile holding the newest position changes a token).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "analog/analog_backend.hpp"
#include "analog/op_counts.hpp"
#include "analog/tile_read.hpp"
#include "analog/validation_stats.hpp"
#include "transformer/linear_backend.hpp"

namespace kirchhoff::analog {

class AttentionTiles {
public:
    /// For `model`'s attention; seed_index0: the first index used in the tile seeds (after the
    /// linear layers'). backend: validates the sampled products (AnalogBackend::validate, inline
    /// or queued, substitute mode), from scores() and values(); it must outlive this object.
    AttentionTiles(const AnalogOptions& options, const transformer::ModelConfig& model, int seed_index0,
                   AnalogBackend& backend);
    ~AttentionTiles();

    /// Writes row step.pos of K and V into their tiles (pos = 0: a new sequence), then the
    /// scores: scores[h * stride + t] for t <= pos (the circuit's for a validated product in
    /// substitute mode). counts: the engine's reads are added (op_counts.hpp; one MVM per
    /// query head; the tile writes are not counted).
    void scores(const transformer::AttentionStep& step, std::span<const float> q, std::span<float> scores,
                std::size_t stride, OpCounts& counts);
    /// out[h * head_size + i] = sum_t probs[h * stride + t] v_t,i on the V tiles written by scores().
    void values(const transformer::AttentionStep& step, std::span<const float> probs, std::size_t stride,
                std::span<float> out, OpCounts& counts);

    /// Back to the state after construction: no rows written, call counters at 0; the ADC
    /// ranges and output corrections restart too unless frozen by end_calibration().
    void restart();
    /// A calibration set (analog_backend.hpp): every product until end_calibration()
    /// calibrates; its K and V rows are written with programming draws of their own.
    void begin_calibration();
    /// Fits and freezes every array's ADC range and correction, then restart().
    void end_calibration();
    /// Products that calibrated (summed over blocks and products).
    long calibration_mvms() const;
    /// Per block: scores, then values. Queued validations must have finished (the backend's
    /// finish_validation()).
    std::vector<ValidationStats> validation() const;
    /// Physical tiles (K and V arrays of every block and kv head, full length seq_len).
    int tiles() const;

private:
    struct Written;
    struct Array;
    struct Product;
    struct Read;
    struct Reads;
    struct ProductCheck;
    void run(Product& P, const transformer::AttentionStep& step, std::span<const float> x, std::size_t stride,
             std::span<float> out, bool keys, OpCounts& counts);
    void count(const Reads& reads, const transformer::AttentionStep& step, OpCounts& counts) const;

    AnalogOptions options_;
    AnalogConfig program_config_;  // options_.config without drift and read noise (see above)
    Periphery io_;
    transformer::ModelConfig model_;
    AnalogBackend& backend_;
    std::vector<std::unique_ptr<Array>> arrays_;     // (block, kv head, product: 0 scores, 1 values)
    std::vector<std::unique_ptr<Product>> products_; // (block, product)
    long steps_ = 0;                                 // attention steps since restart (write seeds)
    CalibrationPhase phase_ = CalibrationPhase::in_run;
    long calibration_mvms_ = 0;                      // of the calibration set (frozen)
    void freeze(Array& a) const;
};

}  // namespace kirchhoff::analog
