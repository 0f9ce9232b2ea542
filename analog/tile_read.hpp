// One MVM on one programmed tile through the periphery: the DAC reads of an input vector, the
// per-read output noise, the engine, the ADC, the weighted sum of the digitised reads and the
// output calibration of the digital periphery.
// Shared by the linear layers (analog_backend.hpp) and the attention products on crossbars
// (attention_tiles.hpp), so both see the same converters; the arrangement (per-vector input
// scaling to the DAC range, per-tile ADC range) is that of Rasch et al., Nature
// Communications 14, 5282, 2023.
//
// Not here: which tiles an MVM reads, the conversion of the summed currents back to the
// model's units (it depends on the weight scale of the tiles), validation bookkeeping.
#pragma once

#include <span>
#include <vector>

#include <Eigen/Core>

#include "analog/analog_config.hpp"
#include "analog/output_calibration.hpp"
#include "cosim/mvm_engine.hpp"
#include "devices/rng.hpp"

namespace kirchhoff::analog {

/// ADC: clip to [-range, range], quantise to `levels` steps a side. range 0: calibrating (pass).
double adc(double i_ampere, double range_ampere, double levels);

/// The reads of one MVM, the same on every tile: phase 0 (signed, or the positive part) and
/// 1 (the negative part, two_phase); bit b of the DAC level (bit_serial) or the whole level
/// (amplitude, bit -1); the weight of its digitised output in the sum.
struct DacRead {
    int phase, bit;
    double weight;
};

/// The converters of a configuration: DAC and ADC levels and the read plan.
struct Periphery {
    explicit Periphery(const AnalogConfig& config);
    bool two_phase = false;
    double v_read_volt = 0;
    int magnitude_bits = 0;
    double dac_levels = 0;  // levels a side (signed) or per phase
    double adc_levels = 0;  // levels a side
    std::vector<DacRead> reads;
    std::vector<double> weights() const;  // reads[k].weight
};

/// Row voltages of every read, (reads) x (rows_total) V: x (rows used, the rest at 0 V)
/// scaled by 1 / x_max (> 0), quantised to the DAC levels, times v_read.
std::vector<Eigen::VectorXd> dac_volts(const Periphery& p, std::span<const float> x, float x_max, int rows_total);

/// Read noise of every read (Joshi et al., Nature Communications 11, 2473, 2020): per output
/// N(0, sum_r v_r^2 var_rc), var (rows, cols) in A^2/V^2, drawn from `rng` in read, output
/// order. Empty vectors when var is empty.
std::vector<Eigen::VectorXd> read_noise(const Eigen::MatrixXd& var, const std::vector<Eigen::VectorXd>& volts,
                                        devices::Rng& rng);

/// sum_k weight_k ADC(engine(v_k) + noise_k) times drift_compensation, then the output
/// calibration `correction` (output_calibration.hpp), (cols) A. With calibration_max non-null,
/// records the largest |current| before the ADC into it.
Eigen::VectorXd read_tile(cosim::MvmEngine& engine, const Periphery& p, const std::vector<Eigen::VectorXd>& volts,
                          const std::vector<Eigen::VectorXd>& noise, double adc_range_ampere,
                          double drift_compensation, const OutputCorrection& correction, double* calibration_max);

/// The digital product the tile should give for these reads, (cols) A: sum_k weight_k
/// dg^T v_k with dg (rows, cols) the target conductance differences (g_max - g_min) w / w_max
/// (the part of the tile in use; the rest of the columns 0). What output calibration fits to.
Eigen::VectorXd target_product(const Periphery& p, const std::vector<Eigen::VectorXd>& volts,
                               const Eigen::MatrixXd& dg_siemens, int cols_total);

}  // namespace kirchhoff::analog
