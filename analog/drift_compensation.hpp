// Global drift compensation as a chip measures it: reads of the tile, not its conductances.
//
// Joshi et al., Nature Communications 11, 2473, 2020 (global drift compensation, GDC): right
// after programming and again at inference time, the tile is read with a calibration input
// and the ratio of the two summed output magnitudes rescales the tile's outputs,
//   alpha(t) = sum |I_cal(0)| / sum |I_cal(t)|.
// The calibration input here is that of IBM aihwkit's GlobalDriftCompensation: one-hot reads,
// one row at a time at the full-scale DAC level (v_read; every DAC encoding gives exactly
// v_read for an input at its maximum), every column pair's output I+ - I- through the tile's
// own engine (wires and device nonlinearity included) and with the read noise of that moment
// (pcm.read_noise_mode = per_mvm: a fresh draw per read; frozen: already in the conductances).
// The g_min offsets cancel in I+ - I-, as they do on the chip. Only the rows and column pairs
// that hold weights are read. The reads are taken before the ADC: its range is set later, on
// the first MVMs of each layer (adc.calibration_mvms), and a chip would range its calibration
// reads separately. All-ones inputs are not offered: their signed column sums cancel between
// positive and negative weights, so their ratio is much noisier than the one-hot one.
#pragma once

#include <Eigen/Core>

#include "analog/tile_programming.hpp"
#include "cosim/mvm_engine.hpp"
#include "devices/rng.hpp"

namespace kirchhoff::analog {

/// Mean |I| (A) over the one-hot reads of the used part of a tile of rows_total rows: for each
/// row r < place.rows, row r at v_read_volt and every other row at 0 V through `engine`, the outputs of the
/// column pairs k < place.cols plus read noise N(0, v_read^2 read_var(r, k)) drawn from `rng`
/// in row, column order (read_var (array.rows, array.cols) S^2, empty: no noise).
double one_hot_mean_abs_ampere(cosim::MvmEngine& engine, int rows_total, const TilePlace& place, double v_read_volt,
                               const Eigen::MatrixXd& read_var_a2_per_v2, devices::Rng& rng);

/// alpha = one_hot_mean_abs(baseline) / one_hot_mean_abs(now): the baseline reads first, then
/// the current ones, from one stream. now_var: the tile's per-MVM read-noise variances (empty:
/// none). 1 when the current reads give no current.
double drift_compensation_factor(cosim::MvmEngine& now, const Eigen::MatrixXd& now_var_a2_per_v2,
                                 cosim::MvmEngine& baseline, const TileBaseline& base, const TilePlace& place,
                                 double v_read_volt, devices::Rng& rng);

}  // namespace kirchhoff::analog
