// Weights to conductances: one block of W^T on one crossbar tile, as a differential pair per
// weight, with the programming non-idealities of the configuration applied cell by cell.
//
// Mapping (per layer, stated once): w_max = max |W| over the layer; for weight w,
//   G+ = g_min + (g_max - g_min) max(w, 0) / w_max,   G- = g_min + (g_max - g_min) max(-w, 0) / w_max,
// so G+ - G- = (g_max - g_min) w / w_max and the output I+ - I- of a column pair is
// (g_max - g_min) / w_max times W x in row-voltage units. Tiles are always full size
// (array.rows x array.cols); cells beyond the layer's edge hold g_min on both sides (weight 0)
// and their rows are driven at 0 V.
//
// Per cell, in order (each from the tile's own stream, seeded by seed, layer index and tile
// position, so programming does not depend on the order or the thread that programs it):
//   1. stuck-at faults: with probability faults.stuck_rate the cell is stuck at g_max
//      (fraction faults.stuck_at_gmax_fraction) or g_min; it then neither drifts nor is noisy.
//   2. device-to-device variability: G <- G (1 + d2d_sigma N(0, 1)).
//   3. PCM programming noise and drift exponent (Joshi et al., Nature Communications 11,
//      2473, 2020: devices/pcm_statistical.hpp), with g_max of the PCM model = device.g_max.
//   4. drift to pcm.t_inference_s: G(t) = G_prog ((t + t0) / t0)^-nu.
//   5. read noise of each cell at t (Joshi 2020, sigma_read with Q_s at G_prog and the 1/f
//      time t + t0): pcm.read_noise_mode = per_mvm keeps its variance sigma_read^2 for the
//      per-MVM draw (analog_backend.hpp); frozen adds one draw, from the tile's own frozen-noise
//      stream, to G(t) (as IBM aihwkit's PCMLikeNoiseModel does).
// Conductances are clipped to [g_min/100, 2 g_max] for ohmic cells, [g_min, g_max] for device
// presets (their programmable window); after the PCM draws, pcm.clamp = at_zero clips ohmic
// cells at 0 only (the reference's clip).
// Global drift compensation (Joshi 2020) is measured by reading the tile (drift_compensation.hpp):
// with pcm.t_inference_s > 0 and pcm.drift_compensation, LayerTile::baseline holds the tile as
// it was at t_inference 0 (G_prog, and its read-noise variance per_mvm), for that read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <Eigen/Core>

#include "analog/analog_config.hpp"
#include "cosim/mvm_engine.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::analog {

/// Where a tile sits in its layer: inputs [row0, row0 + rows), outputs [col0, col0 + cols).
struct TilePlace {
    int tile_row = 0, tile_col = 0;
    int row0 = 0, rows = 0;
    int col0 = 0, cols = 0;
};

/// The tile right after programming (t_inference 0): what the baseline read of global drift
/// compensation reads.
struct TileBaseline {
    cosim::ProgrammedTile tile;          // G_prog of every cell, same layout as LayerTile::tile
    Eigen::MatrixXd read_var_a2_per_v2;  // (array.rows, array.cols): sigma_read^2 at t_inference 0 of
                                         // G+ plus G- (S^2); empty without per-MVM read noise
};

struct LayerTile {
    TilePlace place;
    cosim::ProgrammedTile tile;       // full size: (array.rows, physical cols) per array
    double drift_compensation = 1.0;  // alpha (1 without drift or compensation; set by the backend
                                      // from `baseline`, drift_compensation.hpp)
    Eigen::MatrixXd read_var_a2_per_v2;  // (array.rows, array.cols): sigma_read^2 of G+ plus G- (S^2);
                                         // empty without read noise
    Eigen::VectorXd row_g_siemens;       // (array.rows): sum of G over each row's cells, both sides of
                                         // every pair, for the read energy (op_counts.hpp)
    std::shared_ptr<const TileBaseline> baseline;  // for the compensation read (kept: a backend on the
                                                   // same tiles reads it with its own engine); null
                                                   // when there is nothing to compensate
};

/// A seed for one stream of one tile: splitmix64 of seed, layer index, tile position and purpose.
std::uint64_t tile_seed(std::uint64_t seed, int layer_index, int tile_row, int tile_col, std::uint64_t purpose);

/// The places of the tiles of a layer of (out, in) on array.rows x array.cols tiles:
/// ceil(in / rows) x ceil(out / cols), row-tile major.
std::vector<TilePlace> tile_places(const AnalogConfig& config, int out, int in);

/// Programs one tile of `layer` (weight (out, in)) with the per-layer scale w_max (> 0).
/// Throws InputError from cell programming (device window).
LayerTile program_layer_tile(const AnalogConfig& config, const transformer::LinearLayer& layer, double w_max,
                             const TilePlace& place);

/// Programs one tile at `place` from w (place.rows, place.cols), a block of weights already
/// divided by their scale (|w| <= 1). cell_seed seeds what belongs to the physical cells
/// (stuck-at faults, device-to-device factor); write_seed, when given, what belongs to this
/// write (PCM programming noise and drift exponent), so a tile rewritten with a new
/// write_seed keeps its faulty cells (attention_tiles.hpp). Without it one stream draws both,
/// in cell order (program_layer_tile).
LayerTile program_tile_block(const AnalogConfig& config, const Eigen::MatrixXd& w, const TilePlace& place,
                             std::uint64_t cell_seed, std::optional<std::uint64_t> write_seed);

}  // namespace kirchhoff::analog
