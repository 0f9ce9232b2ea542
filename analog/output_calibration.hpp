// Output calibration in the digital periphery (adc.calibration): an affine correction of each
// tile's digitised outputs, fitted on the calibration MVMs (the ones that set the ADC ranges)
// as an instrument is calibrated against known standards: the tile's response I to the digital
// product D of the same inputs is fitted by least squares, I = a D + c, and the periphery
// outputs its inverse, y = (I - c) / a. D is exact and the read noise sits in I, so a is
// unbiased under noise; fitting D against I instead (y = s I + b by regressing D on I) shrinks
// s by var(signal) / (var(signal) + var(noise)), the regression dilution that made per-column
// calibration on 8 noisy MVMs worse than none under PCM read noise (perplexity 4.02 against
// 3.05 raw; analog/README.md).
//   none        outputs as read (the raw currents times the conversion back to W x units)
//   global      one gain per tile, all its columns, through the origin: a = sum I D / sum D^2
//               over the tile's outputs and the calibration MVMs; the time-independent
//               counterpart of the global drift compensation of Joshi et al., Nature
//               Communications 11, 2473, 2020
//   per_column  a gain and an offset per output column (ordinary least squares per column):
//               a = cov(I, D) / var(D), c = mean I - a mean D; the per-column affine correction
//               of the 64-core PCM chip of Le Gallo et al., Nature Electronics 6, 680, 2023
// I: the tile's output before the correction (A; during calibration the ADC passes it
// unquantised), D: the digital product of the same DAC voltages with the tile's target
// conductance differences (g_max - g_min) w / w_max (A), so an ideal tile fits a = 1, c = 0.
// A column whose product does not vary over the calibration (var(D) = 0) falls back to a gain
// through the origin, and to the identity if its product is 0 throughout or the fitted gain is
// not positive (a column that does not follow its product cannot be inverted).
#pragma once

#include <string_view>

#include <Eigen/Core>

namespace kirchhoff::analog {

enum class OutputCalibration { none, global, per_column };

std::string_view to_string(OutputCalibration c);
/// The value of key adc.calibration; InputError naming the key, the value and the allowed ones.
OutputCalibration parse_output_calibration(std::string_view text);

/// The fitted correction of one tile's outputs (cols): y = scale .* i + offset. Empty: identity.
struct OutputCorrection {
    Eigen::VectorXd scale, offset;  // (cols) 1, (cols) A
    /// i <- scale .* i + offset (nothing when empty).
    void apply(Eigen::VectorXd& i) const;
};

/// Running least-squares sums of one tile's outputs against its digital products, one entry
/// per output column, added in call order (deterministic at any thread count).
class CalibrationFit {
public:
    /// One MVM: analog (cols) and digital (cols) outputs, A; only the first `used` columns count.
    void add(const Eigen::VectorXd& analog, const Eigen::VectorXd& digital, int used);
    /// The correction of `mode` from the MVMs added so far (identity for none or none added).
    OutputCorrection solve(OutputCalibration mode) const;

private:
    // Per column (Welford): samples, means, centred second moment of D and co-moment of I, D;
    // and the raw sums through the origin.
    Eigen::VectorXd n_, mean_i_, mean_d_, m2_d_, c_id_, sum_dd_, sum_id_;
};

}  // namespace kirchhoff::analog
