// One tile MVM through DAC, engine, read noise and ADC (tile_read.hpp).
#include "analog/tile_read.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include "netlists/ideal.hpp"

#include "devices/converters.hpp"

namespace kirchhoff::analog {

double adc(double i_ampere, double range_ampere, double levels) {
    if (range_ampere <= 0) return i_ampere;
    return devices::adc_quantize(i_ampere, range_ampere, levels);
}

Periphery::Periphery(const AnalogConfig& c) {
    two_phase = c.signs == SignEncoding::two_phase;
    v_read_volt = c.crossbar.v_read_volt;
    magnitude_bits = two_phase ? c.dac_bits : c.dac_bits - 1;
    dac_levels = devices::unsigned_levels(magnitude_bits);
    adc_levels = devices::signed_levels(c.adc_bits);
    for (int p = 0; p < (two_phase ? 2 : 1); ++p) {
        if (!c.bit_serial) reads.push_back({p, -1, p ? -1.0 : 1.0});
        else
            for (int b = magnitude_bits - 1; b >= 0; --b)
                reads.push_back({p, b, (p ? -1.0 : 1.0) * std::ldexp(1.0, b) / dac_levels});
    }
}

std::vector<double> Periphery::weights() const {
    std::vector<double> w;
    for (const DacRead& r : reads) w.push_back(r.weight);
    return w;
}

std::vector<Eigen::VectorXd> dac_volts(const Periphery& p, std::span<const float> x, float x_max, int rows_total) {
    std::vector<Eigen::VectorXd> volts(p.reads.size(), Eigen::VectorXd::Zero(rows_total));
    for (std::size_t r = 0; r < x.size(); ++r) {
        const double u = double(x[r]) / x_max;
        const double level = devices::dac_level(std::abs(u), p.dac_levels);
        for (std::size_t k = 0; k < p.reads.size(); ++k) {
            const DacRead& rd = p.reads[k];
            if (p.two_phase && (rd.phase == 0 ? u <= 0 : u >= 0)) continue;
            const double value = rd.bit < 0 ? level / p.dac_levels : double((std::int64_t(level) >> rd.bit) & 1);
            volts[k](Eigen::Index(r)) = (p.two_phase || u >= 0 ? 1.0 : -1.0) * value * p.v_read_volt;
        }
    }
    return volts;
}

std::vector<Eigen::VectorXd> read_noise(const Eigen::MatrixXd& var, const std::vector<Eigen::VectorXd>& volts,
                                        devices::Rng& rng) {
    std::vector<Eigen::VectorXd> noise(volts.size());
    if (var.size() == 0) return noise;
    for (std::size_t k = 0; k < volts.size(); ++k) {
        Eigen::VectorXd s = (var.transpose() * volts[k].cwiseAbs2()).cwiseSqrt();
        for (Eigen::Index j = 0; j < s.size(); ++j) s(j) *= rng.normal();
        noise[k] = std::move(s);
    }
    return noise;
}

Eigen::VectorXd read_tile(cosim::MvmEngine& engine, const Periphery& p, const std::vector<Eigen::VectorXd>& volts,
                          const std::vector<Eigen::VectorXd>& noise, double adc_range, double drift_compensation,
                          const OutputCorrection& correction, double* calibration_max) {
    Eigen::VectorXd sum;
    for (std::size_t k = 0; k < p.reads.size(); ++k) {
        Eigen::VectorXd i = engine.matvec(volts[k]);
        if (noise[k].size()) i += noise[k];
        if (calibration_max) *calibration_max = std::max(*calibration_max, i.cwiseAbs().maxCoeff());
        for (Eigen::Index j = 0; j < i.size(); ++j) i(j) = adc(i(j), adc_range, p.adc_levels);
        if (k == 0) sum = Eigen::VectorXd::Zero(i.size());
        sum += p.reads[k].weight * i;
    }
    sum *= drift_compensation;
    correction.apply(sum);
    return sum;
}

Eigen::VectorXd target_product(const Periphery& p, const std::vector<Eigen::VectorXd>& volts,
                               const Eigen::MatrixXd& dg, int cols_total) {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(dg.rows());
    for (std::size_t k = 0; k < p.reads.size(); ++k) v += p.reads[k].weight * volts[k].head(dg.rows());
    Eigen::VectorXd d = Eigen::VectorXd::Zero(cols_total);
    d.head(dg.cols()) = netlists::ideal_column_currents(dg, v);
    return d;
}

}  // namespace kirchhoff::analog
