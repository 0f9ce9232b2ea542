// Output calibration in the digital periphery (adc.calibration): an affine correction of each
// tile's digitised outputs, fitted by least squares of the digital product against the tile's
// output on the calibration MVMs (the ones that set the ADC ranges), so that the corrected
// output is the closest affine map of the analog one to what the weights should have given.
//   none        outputs as read (the raw currents times the conversion back to W x units)
//   global      one scale per tile, all its columns (least squares through the origin):
//               s = sum I D / sum I^2 over the tile's outputs and the calibration MVMs; the
//               time-independent counterpart of the global drift compensation of Joshi et al.,
//               Nature Communications 11, 2473, 2020
//   per_column  a scale and an offset per output column (ordinary least squares per column):
//               s = cov(I, D) / var(I), b = mean D - s mean I; the per-column affine correction
//               of the 64-core PCM chip of Le Gallo et al., Nature Electronics 6, 680, 2023
// I: the tile's output before the correction (A; during calibration the ADC passes it
// unquantised), D: the digital product of the same DAC voltages with the tile's target
// conductance differences (g_max - g_min) w / w_max (A), so an ideal tile fits s = 1, b = 0.
// A column whose output does not vary over the calibration (var(I) = 0) falls back to the scale
// through the origin, and to s = 1 if its output is 0 throughout.
#pragma once

#include <string_view>

#include <Eigen/Core>

namespace kirchhoff::analog {

enum class OutputCalibration { none, global, per_column };

/// Which MVMs set the ADC ranges and fit the output correction (analog_backend.hpp):
///   in_run      the first adc.calibration_mvms MVMs of each layer (attention: the first
///               attention.adc_calibration_tokens tokens) of whatever runs after prepare()
///               or restart(); what a backend does unless a calibration set was run
///   collecting  a calibration set is running (begin_calibration()): every MVM calibrates
///   frozen      fitted on a calibration set (end_calibration()) and fixed; restart() keeps it
enum class CalibrationPhase { in_run, collecting, frozen };

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
    // Per column (Welford): samples, means, centred second moments of I and co-moment of I, D;
    // and the raw sums through the origin.
    Eigen::VectorXd n_, mean_i_, mean_d_, m2_i_, c_id_, sum_ii_, sum_id_;
};

}  // namespace kirchhoff::analog
