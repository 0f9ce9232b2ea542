// PCM statistical model for inference: programming noise, conductance drift, 1/f read noise
// and global drift compensation, with the published constants.
//
// S. R. Nandakumar et al., "Phase-change memory models for deep learning training and
// inference", IEEE ICECS 2019; V. Joshi et al., "Accurate deep neural network inference using
// computational phase-change memory", Nature Communications 11, 2473, 2020 (Methods).
// With g = g_T / g_max (g_T: target conductance), for a g_max of 25 uS:
//   programming  G_prog = g_T + N(0, sigma_prog),
//                sigma_prog = (0.26348 + 1.9650 g - 1.1731 g^2) (g_max / 25 uS) uS
//   drift        G(t) = G_prog ((t + t0) / t0)^(-nu),  t0 = 20 s,  nu ~ |N(mu_nu, sigma_nu)|,
//                mu_nu    = clamp(-0.0155 ln g + 0.0244, 0.049, 0.1),
//                sigma_nu = clamp(-0.0125 ln g - 0.0059, 0.008, 0.045)
//   read noise   G_read = G(t) + N(0, sigma_read),  Q_s = min(0.0088 / max(g_p^0.65, 1e-3), 0.2),
//                sigma_read = G(t) Q_s sqrt(ln((t + t0 + t_read) / (2 t_read))),  t_read = 250 ns
//   compensation alpha(t) = sum G_prog / sum G(t) over an array of non-negative conductances
//                (global drift compensation, Joshi 2020), multiplying the array's outputs.
// t is the time since the reference read at t0 after programming (pcm.t_inference_s), so a
// cell has been programmed t + t0 ago: the drift law and the 1/f noise integral (which runs
// from 1/(t + t0) to 1/(2 t_read)) both count from programming, as in IBM aihwkit's
// PCMLikeNoiseModel. Q_s is a property of the cell's state, so it is evaluated at the
// programmed conductance g_p = G_prog / g_max (as aihwkit does), not at the target the
// programmer aimed for; the 1e-3 floor only matters at G_prog = 0, where Q_s = 0.2 anyway.
// Conductances are clipped at 0 after each noise draw (a conductance cannot be negative).
// This is a noise model, kept apart from the electrical physics (STYLE.md): it has no I-V.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <Eigen/Core>

#include "params/fields.hpp"

namespace kirchhoff::devices {

class Rng;

struct PcmStatisticalParams {
    double g_max_siemens = 25e-6;                // Joshi 2020: g_max
    double prog_c0_siemens = 0.26348e-6;         // sigma_prog polynomial, constant term
    double prog_c1_siemens = 1.9650e-6;          // linear term (per unit g)
    double prog_c2_siemens = -1.1731e-6;         // quadratic term (per unit g^2)
    double t0_s = 20.0;                          // drift reference time
    double nu_mu_slope = -0.0155;                // mu_nu = slope ln g + offset
    double nu_mu_offset = 0.0244;
    double nu_mu_min = 0.049;                    // clamp of mu_nu
    double nu_mu_max = 0.1;
    double nu_sigma_slope = -0.0125;             // sigma_nu = slope ln g + offset
    double nu_sigma_offset = -0.0059;
    double nu_sigma_min = 0.008;                 // clamp of sigma_nu
    double nu_sigma_max = 0.045;
    double read_q_coeff = 0.0088;                // Q_s = min(coeff / g^exponent, max)
    double read_q_exponent = 0.65;
    double read_q_max = 0.2;
    double t_read_s = 250e-9;                    // read duration

    /// Throws InputError for a parameter outside its range or a min above its max.
    void validate() const;
};

std::span<const params::Field<PcmStatisticalParams>> pcm_statistical_fields();

/// Sets the parameter `name` (a row of pcm_statistical_fields()) to `value`; InputError listing
/// the parameters for any other name. Ranges are checked by validate(), afterwards.
void set_parameter(PcmStatisticalParams& p, std::string_view name, double value);

/// sigma_prog (S) for target conductance g_target_siemens in [0, g_max].
double pcm_prog_noise_sigma_siemens(const PcmStatisticalParams& p, double g_target_siemens);
/// mu_nu and sigma_nu of the drift exponent's underlying normal at g_target_siemens (> 0).
double pcm_drift_nu_mu(const PcmStatisticalParams& p, double g_target_siemens);
double pcm_drift_nu_sigma(const PcmStatisticalParams& p, double g_target_siemens);
/// Q_s of a cell programmed to g_prog_siemens (>= 0; 0 gives read_q_max).
double pcm_read_noise_q(const PcmStatisticalParams& p, double g_prog_siemens);
/// Drift factor ((t + t0) / t0)^(-nu) at t_s >= 0 seconds after programming.
double pcm_drift_factor(const PcmStatisticalParams& p, double nu, double t_s);
/// sigma_read (S) of a cell of drifted conductance g_drifted_siemens, programmed to
/// g_prog_siemens, read at t_s >= 0 after the reference time t0 (t_s + t0 after programming).
double pcm_read_noise_sigma_siemens(const PcmStatisticalParams& p, double g_drifted_siemens,
                                    double g_prog_siemens, double t_s);

/// One programmed cell: its conductance right after programming and its drift exponent.
struct PcmCell {
    double g_prog_siemens;
    double nu;
};

/// The programming-noise draw, given its standard normal z: max(0, g_T + noise_scale
/// sigma_prog(g_T) z) (S). The one place the programming noise is applied: pcm_program (the
/// analog tiles, noise_scale 1) and hardware-aware training (training/hwa.hpp, counter-based z,
/// hwa.pcm_noise_scale) both call it. No range check (pcm_program checks g_T).
double pcm_programmed_siemens(const PcmStatisticalParams& p, double g_target_siemens, double z,
                              double noise_scale = 1.0);
/// Programs one cell to g_target_siemens: draws the programming noise and the drift exponent.
PcmCell pcm_program(const PcmStatisticalParams& p, double g_target_siemens, Rng& rng);
/// Conductance read at t_s after t0: drift, then read noise (clipped at 0).
double pcm_read(const PcmStatisticalParams& p, const PcmCell& cell, double t_s, Rng& rng);

/// Global drift compensation factor: sum(g_reference) / sum(g_now), both (rows, cols) arrays of
/// the same cells (reference: read right after programming; now: read at inference time). For
/// non-negative conductances this is the ratio of the mean |one-hot read| (aihwkit's
/// GlobalDriftCompensation) of a single-sided array; the analog backend reads differential
/// tiles through their periphery instead (analog/drift_compensation.hpp).
double pcm_global_drift_compensation(const Eigen::ArrayXXd& g_reference_siemens,
                                     const Eigen::ArrayXXd& g_now_siemens);

}  // namespace kirchhoff::devices
