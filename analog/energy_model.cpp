// The energy.* keys and the per-token energy and latency report (energy_model.hpp).
#include "analog/energy_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::analog {

using params::Range;

double EnergyConfig::dac_conversion_j(int bits) const {
    return dac_scaling == DacScaling::per_bit ? dac_1bit_j * bits : dac_1bit_j * (std::ldexp(1.0, bits) - 1);
}
double EnergyConfig::adc_conversion_j(int bits) const { return adc_fom_j_per_step * std::ldexp(1.0, bits); }
double EnergyConfig::adc_conversion_s(int bits) const { return adc_s_per_bit * bits; }

double EnergyConfig::digital_op_j(DigitalOp op) const {
    switch (op) {
        case DigitalOp::int32_add: return int32_add_j;
        case DigitalOp::fp32_add: return fp32_add_j;
        case DigitalOp::fp32_mult: return fp32_mult_j;
        case DigitalOp::fp32_special: return fp32_special_j;
        case DigitalOp::buffer_word: return buffer_64bit_j / 2;
        case DigitalOp::kv_word: return kv_cache_64bit_j / 2;
    }
    return 0;
}

const params::Table<EnergyConfig>& energy_keys() {
    static const params::Table<EnergyConfig> table = [] {
        using params::Range;
        using E = EnergyConfig;
        const Range joules = Range::closed(0, 1e-6);
        params::Table<E> t;
        t.real("energy.dac_1bit_j", &E::dac_1bit_j, "J", joules,
               "one 1-bit DAC conversion (one row, one read): ISAAC, 4 mW for 8x128 DACs at 100 ns reads "
               "(Shafiee et al., ISCA 2016)");
        t.choice("energy.dac_scaling", &E::dac_scaling, {{"per_bit", DacScaling::per_bit}, {"per_level", DacScaling::per_level}},
                 "DAC energy vs resolution: dac_1bit_j * bits, or dac_1bit_j * (2^bits - 1) (assumption, first order)");
        t.real("energy.adc_fom_j_per_step", &E::adc_fom_j_per_step, "J", joules,
               "ADC Walden figure of merit, E = FOM 2^bits (Walden, IEEE JSAC 1999); ISAAC's 8-bit 1.2 GS/s "
               "SAR ADC, 2 mW: 1.67 pJ (Shafiee et al., ISCA 2016, after Kull et al., ISSCC 2013)");
        t.real("energy.adc_s_per_bit", &E::adc_s_per_bit, "s", Range{0, 1e-3, true, false},
               "ADC conversion time per bit (SAR: one bit per cycle); ISAAC's 8 bits at 1.2 GS/s");
        t.integer("energy.adcs_per_tile", &E::adcs_per_tile, Range::closed(1, 8192),
                  "ADCs shared by the outputs of one tile (ISAAC: one per 128x128 crossbar)");
        t.real("energy.t_read_s", &E::t_read_s, "s", Range{0, 1, true, false},
               "crossbar read time, the cell energy's V^2 G t and the latency's read step (ISAAC: 100 ns)");
        t.real("energy.int32_add_j", &E::int32_add_j, "J", joules, "32-bit integer add, 45 nm (Horowitz, ISSCC 2014)");
        t.real("energy.fp32_add_j", &E::fp32_add_j, "J", joules, "32-bit float add, 45 nm (Horowitz, ISSCC 2014)");
        t.real("energy.fp32_mult_j", &E::fp32_mult_j, "J", joules, "32-bit float multiply, 45 nm (Horowitz, ISSCC 2014)");
        t.real("energy.fp32_special_j", &E::fp32_special_j, "J", joules,
               "exp, sqrt, division, sin, cos, tanh: assumption, 5 fp32 multiply-adds (Horowitz, ISSCC 2014)");
        t.real("energy.buffer_64bit_j", &E::buffer_64bit_j, "J", joules,
               "64-bit access of an activation/parameter buffer: 32 KB SRAM, 45 nm (Horowitz, ISSCC 2014)");
        t.real("energy.kv_cache_64bit_j", &E::kv_cache_64bit_j, "J", joules,
               "64-bit access of the KV cache: 1 MB SRAM, 45 nm (Horowitz, ISSCC 2014)");
        t.real("energy.digital_ops_per_s", &E::digital_ops_per_s, "1/s", Range{0, 1e18, true, false},
               "digital throughput for the latency, ops or 32-bit words per second (assumption: 64 lanes at 1 GHz)");
        return t;
    }();
    return table;
}

params::Schema energy_schema() { return energy_keys().schema(); }

EnergyConfig energy_config(const params::Config& c) { return energy_keys().read(c); }

namespace {

// "3.12 pJ": three significant digits with an SI prefix.
std::string si(double x, std::string_view unit) {
    if (x == 0) return fmt::format("0 {}", unit);
    static const char* prefixes[] = {"f", "p", "n", "u", "m", "", "k", "M", "G"};
    int e3 = int(std::floor(std::log10(std::abs(x)) / 3));
    e3 = std::clamp(e3, -5, 3);
    return fmt::format("{:.3g} {}{}", x / std::pow(1000.0, e3), prefixes[e3 + 5], unit);
}

}  // namespace

EnergyReport energy_report(const OpCounts& k, const EnergyConfig& e, double tokens) {
    if (!(tokens > 0)) throw std::logic_error(fmt::format("energy_report: tokens = {}, must be > 0", tokens));
    EnergyReport r;
    r.forward_steps = tokens;
    auto line = [&](std::string category, std::string operation, double count, double j_per_op) {
        if (count == 0) return 0.0;
        r.lines.push_back({std::move(category), std::move(operation), count / tokens, j_per_op, count * j_per_op / tokens});
        return r.lines.back().j_per_token;
    };
    for (int b = 1; b <= OpCounts::max_bits; ++b)
        r.dac_j += line("DAC", fmt::format("DAC conversion, {} bit", b), k.dac_conversions[b], e.dac_conversion_j(b));
    if (k.tile_reads > 0)
        r.array_j = line("array", "tile read, cells sum V^2 G t_read", k.tile_reads,
                         k.cell_v2g_w * e.t_read_s / k.tile_reads);
    for (int b = 1; b <= OpCounts::max_bits; ++b)
        r.adc_j += line("ADC", fmt::format("ADC conversion, {} bit", b), k.adc_conversions[b], e.adc_conversion_j(b));
    double digital_ops = 0;
    for (int op = 0; op < digital_op_count; ++op) {
        r.periphery_j += line("digital periphery", std::string(to_string(DigitalOp(op))), k.periphery[op],
                              e.digital_op_j(DigitalOp(op)));
        digital_ops += k.periphery[op];
    }
    for (int op = 0; op < digital_op_count; ++op) {
        r.non_mvm_j += line("digital non-MVM", std::string(to_string(DigitalOp(op))), k.non_mvm[op],
                            e.digital_op_j(DigitalOp(op)));
        digital_ops += k.non_mvm[op];
    }
    r.energy_per_token_j = r.dac_j + r.array_j + r.adc_j + r.periphery_j + r.non_mvm_j;

    for (const auto& [shape, n] : k.mvm_shapes) {
        const double t_conv = std::ceil(double(shape.tile_outputs) / e.adcs_per_tile) * e.adc_conversion_s(shape.adc_bits);
        const double t_mvm = e.t_read_s + t_conv + (shape.reads - 1) * std::max(e.t_read_s, t_conv);
        r.mvm_latency_s += n * t_mvm / tokens;
    }
    r.digital_latency_s = digital_ops / e.digital_ops_per_s / tokens;
    r.latency_per_token_s = r.mvm_latency_s + r.digital_latency_s;
    return r;
}

EnergyReport energy_report(const OpCounts& mvm_counts, const transformer::ModelConfig& model,
                           const transformer::PerplexityResult& run, const EnergyConfig& config,
                           bool attention_products) {
    OpCounts all = mvm_counts;
    all += non_mvm_ops(model, run, attention_products);
    return energy_report(all, config, double(run.tokens_run));
}

nlohmann::json EnergyReport::to_json() const {
    nlohmann::json ops = nlohmann::json::array();
    for (const EnergyLine& l : lines)
        ops.push_back({{"category", l.category},
                       {"operation", l.operation},
                       {"count_per_token", l.count_per_token},
                       {"j_per_op", l.j_per_op},
                       {"j_per_token", l.j_per_token},
                       {"share", energy_per_token_j > 0 ? l.j_per_token / energy_per_token_j : 0.0}});
    return {{"forward_steps", forward_steps},
            {"energy_per_token_j", energy_per_token_j},
            {"latency_per_token_s", latency_per_token_s},
            {"energy_breakdown_j",
             {{"dac", dac_j}, {"array", array_j}, {"adc", adc_j}, {"digital_periphery", periphery_j}, {"digital_non_mvm", non_mvm_j}}},
            {"latency_breakdown_s", {{"crossbar_mvm", mvm_latency_s}, {"digital", digital_latency_s}}},
            {"operations", std::move(ops)}};
}

std::string EnergyReport::table() const {
    std::string out = fmt::format("{:<18} {:<34} {:>12} {:>10} {:>11} {:>6}\n", "category", "operation", "count/token",
                                  "energy/op", "energy/tok", "share");
    auto share = [&](double j) { return energy_per_token_j > 0 ? 100 * j / energy_per_token_j : 0.0; };
    for (const EnergyLine& l : lines) {
        const double n = l.count_per_token;
        const std::string count = n >= 1e7 ? fmt::format("{:.4g}", n) : n == std::round(n) ? fmt::format("{:.0f}", n)
                                                                                           : fmt::format("{:.1f}", n);
        out += fmt::format("{:<18} {:<34} {:>12} {:>10} {:>11} {:>5.1f}%\n", l.category, l.operation, count,
                           si(l.j_per_op, "J"), si(l.j_per_token, "J"), share(l.j_per_token));
    }
    out += fmt::format("energy per token {} = DAC {} + array {} + ADC {} + digital periphery {} + digital non-MVM {}\n",
                       si(energy_per_token_j, "J"), si(dac_j, "J"), si(array_j, "J"), si(adc_j, "J"), si(periphery_j, "J"),
                       si(non_mvm_j, "J"));
    out += fmt::format("latency per token {} = crossbar MVMs {} + digital {} (first-order estimates: analog/README.md)\n",
                       si(latency_per_token_s, "s"), si(mvm_latency_s, "s"), si(digital_latency_s, "s"));
    out += fmt::format("per token = per forward step, {:.0f} of them (overlapping perplexity windows run some tokens "
                       "twice)\n",
                       forward_steps);
    return out;
}

}  // namespace kirchhoff::analog
