// PCM statistical model (Nandakumar 2019, Joshi 2020): parameter table and sampling.
#include "devices/pcm_statistical.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "devices/rng.hpp"
#include "params/error.hpp"

namespace kirchhoff::devices {

using params::Range;
using P = PcmStatisticalParams;

namespace {
constexpr params::Field<P> fields_table[] = {
    {"g_max_siemens", &P::g_max_siemens, "S", Range::positive(), "largest programmable conductance"},
    {"prog_c0_siemens", &P::prog_c0_siemens, "S", Range::any(), "programming-noise sigma: constant term at g_max 25 uS"},
    {"prog_c1_siemens", &P::prog_c1_siemens, "S", Range::any(), "programming-noise sigma: coefficient of g = g_T/g_max"},
    {"prog_c2_siemens", &P::prog_c2_siemens, "S", Range::any(), "programming-noise sigma: coefficient of g^2"},
    {"t0_s", &P::t0_s, "s", Range::positive(), "drift reference time"},
    {"nu_mu_slope", &P::nu_mu_slope, "1", Range::any(), "mean drift exponent: coefficient of ln g"},
    {"nu_mu_offset", &P::nu_mu_offset, "1", Range::any(), "mean drift exponent: offset"},
    {"nu_mu_min", &P::nu_mu_min, "1", Range::non_negative(), "mean drift exponent: lower clamp"},
    {"nu_mu_max", &P::nu_mu_max, "1", Range::non_negative(), "mean drift exponent: upper clamp"},
    {"nu_sigma_slope", &P::nu_sigma_slope, "1", Range::any(), "drift exponent spread: coefficient of ln g"},
    {"nu_sigma_offset", &P::nu_sigma_offset, "1", Range::any(), "drift exponent spread: offset"},
    {"nu_sigma_min", &P::nu_sigma_min, "1", Range::non_negative(), "drift exponent spread: lower clamp"},
    {"nu_sigma_max", &P::nu_sigma_max, "1", Range::non_negative(), "drift exponent spread: upper clamp"},
    {"read_q_coeff", &P::read_q_coeff, "1", Range::non_negative(), "1/f read noise: Q_s coefficient"},
    {"read_q_exponent", &P::read_q_exponent, "1", Range::non_negative(), "1/f read noise: Q_s exponent of g"},
    {"read_q_max", &P::read_q_max, "1", Range::non_negative(), "1/f read noise: largest Q_s"},
    {"t_read_s", &P::t_read_s, "s", Range::positive(), "duration of one read"},
};

void require_ordered(double lo, const char* lo_name, double hi, const char* hi_name) {
    if (!(lo <= hi))
        throw InputError(std::string("pcm_statistical: ") + lo_name + " = " +
                         params::format_number(lo) + " must not exceed " + hi_name + " = " +
                         params::format_number(hi));
}

double normalized(const P& p, double g_target_siemens) {
    return g_target_siemens / p.g_max_siemens;
}
}  // namespace

std::span<const params::Field<P>> pcm_statistical_fields() { return fields_table; }

void set_parameter(P& p, std::string_view name, double value) {
    if (const auto* f = params::find_field(pcm_statistical_fields(), name)) {
        p.*(f->member) = value;
        return;
    }
    std::string known;
    for (const auto& f : fields_table) known += std::string(known.empty() ? "" : ", ") + f.name;
    throw InputError("pcm_statistical: unknown parameter '" + std::string(name) + "' (parameters: " + known + ")");
}

void P::validate() const {
    params::validate_fields(*this, std::span(fields_table), "pcm_statistical");
    require_ordered(nu_mu_min, "nu_mu_min", nu_mu_max, "nu_mu_max");
    require_ordered(nu_sigma_min, "nu_sigma_min", nu_sigma_max, "nu_sigma_max");
}

double pcm_prog_noise_sigma_siemens(const P& p, double g_target_siemens) {
    const double g = normalized(p, g_target_siemens);
    const double sigma = (p.prog_c0_siemens + p.prog_c1_siemens * g + p.prog_c2_siemens * g * g) *
                         (p.g_max_siemens / 25e-6);
    return std::max(sigma, 0.0);
}

double pcm_drift_nu_mu(const P& p, double g_target_siemens) {
    const double g = normalized(p, g_target_siemens);
    return std::clamp(p.nu_mu_slope * std::log(g) + p.nu_mu_offset, p.nu_mu_min, p.nu_mu_max);
}

double pcm_drift_nu_sigma(const P& p, double g_target_siemens) {
    const double g = normalized(p, g_target_siemens);
    return std::clamp(p.nu_sigma_slope * std::log(g) + p.nu_sigma_offset, p.nu_sigma_min,
                      p.nu_sigma_max);
}

double pcm_read_noise_q(const P& p, double g_prog_siemens) {
    const double g = std::abs(normalized(p, g_prog_siemens));
    return std::min(p.read_q_coeff / std::max(std::pow(g, p.read_q_exponent), 1e-3), p.read_q_max);
}

double pcm_drift_factor(const P& p, double nu, double t_s) {
    return std::pow((t_s + p.t0_s) / p.t0_s, -nu);
}

double pcm_read_noise_sigma_siemens(const P& p, double g_drifted_siemens, double g_prog_siemens,
                                    double t_s) {
    const double log_term = std::log((t_s + p.t0_s + p.t_read_s) / (2.0 * p.t_read_s));
    return std::abs(g_drifted_siemens) * pcm_read_noise_q(p, g_prog_siemens) *
           std::sqrt(std::max(log_term, 0.0));
}

double pcm_programmed_siemens(const P& p, double g_target_siemens, double z, double noise_scale) {
    return std::max(g_target_siemens + noise_scale * pcm_prog_noise_sigma_siemens(p, g_target_siemens) * z, 0.0);
}

PcmCell pcm_program(const P& p, double g_target_siemens, Rng& rng) {
    if (!(g_target_siemens >= 0.0 && g_target_siemens <= p.g_max_siemens))
        throw InputError("pcm_statistical: target conductance " +
                         params::format_number(g_target_siemens) + " S is outside [0, " +
                         params::format_number(p.g_max_siemens) + "] S (g_max_siemens)");
    const double g_prog = pcm_programmed_siemens(p, g_target_siemens, rng.normal());
    // At g_T = 0 the drift statistics are those of the smallest g (the clamps apply anyway).
    const double g_for_drift = std::max(g_target_siemens, 1e-12 * p.g_max_siemens);
    const double nu = std::abs(rng.normal(pcm_drift_nu_mu(p, g_for_drift),
                                          pcm_drift_nu_sigma(p, g_for_drift)));
    return {g_prog, nu};
}

double pcm_read(const P& p, const PcmCell& cell, double t_s, Rng& rng) {
    const double g_drift = cell.g_prog_siemens * pcm_drift_factor(p, cell.nu, t_s);
    const double sigma = pcm_read_noise_sigma_siemens(p, g_drift, cell.g_prog_siemens, t_s);
    return std::max(g_drift + sigma * rng.normal(), 0.0);
}

double pcm_global_drift_compensation(const Eigen::ArrayXXd& g_reference_siemens,
                                     const Eigen::ArrayXXd& g_now_siemens) {
    if (g_reference_siemens.rows() != g_now_siemens.rows() ||
        g_reference_siemens.cols() != g_now_siemens.cols())
        throw InputError("pcm_global_drift_compensation: reference and current tiles differ in shape");
    const double now = g_now_siemens.sum();
    if (!(now > 0.0))
        throw InputError("pcm_global_drift_compensation: the tile reads no current (sum G = 0)");
    return g_reference_siemens.sum() / now;
}

}  // namespace kirchhoff::devices
