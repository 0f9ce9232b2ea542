// Energy and latency per token of a transformer on crossbar tiles: a transparent table of
// operation counts (op_counts.hpp) times cited per-operation energies (the energy.* keys).
//
// Energy (sums over the counted operations, then divided by the tokens run, i.e. the forward
// steps: "per token" is per forward step throughout):
//   DAC        E = dac_1bit_j * bits             (per_bit, default)
//              E = dac_1bit_j * (2^bits - 1)     (per_level)
//              per conversion (one row, one read); dac_1bit_j from ISAAC's 1-bit DACs
//              (Shafiee et al., ISCA 2016: 8 x 128 DACs, 4 mW, 100 ns reads -> 0.39 pJ).
//   cells      E = t_read * sum over reads of sum_rc V_r^2 G_rc (ohmic cells, ideal wires: each
//              cell sees its row voltage, its column held at virtual ground).
//   ADC        E = adc_fom_j_per_step * 2^bits per conversion: the Walden figure of merit
//              P / (f_s 2^ENOB) with ENOB = bits (R. H. Walden, IEEE JSAC 17(4), 1999); the
//              default is ISAAC's 8-bit 1.2 GS/s SAR ADC (16 mW for 8 ADCs, after Kull et al.,
//              ISSCC 2013): 1.67 pJ per conversion = 6.5 fJ per step.
//   digital    E = count * energy per operation, 45 nm figures of M. Horowitz, "Computing's
//              energy problem (and what we can do about it)", ISSCC 2014: int32 add 0.1 pJ,
//              fp32 add 0.9 pJ, fp32 mult 3.7 pJ; 64-bit SRAM access 20 pJ (32 KB) and
//              100 pJ (1 MB), so 10 and 50 pJ per 32-bit word. Special functions (exp, sqrt,
//              division, sin, cos, tanh) are an assumption: 5 fp32 multiply-adds = 23 pJ.
// Latency (layers in sequence, tiles of a layer in parallel, reads of an MVM in sequence):
//   one read's outputs are digitised by adcs_per_tile ADCs, t_conv = ceil(outputs /
//   adcs_per_tile) * bits * adc_s_per_bit (a SAR ADC resolves one bit per cycle); the ADCs
//   digitise read j while the array performs read j + 1 (ISAAC's pipeline), so an MVM of k
//   reads takes t_read + t_conv + (k - 1) max(t_read, t_conv). The digital work (periphery
//   and non-MVM, one count per operation or 32-bit word) runs at digital_ops_per_s after the
//   MVMs, not overlapped with them.
// First-order estimates: see analog/README.md for what is not counted (wire and line
// capacitance, drivers' static power, leakage, interconnect, control, DRAM, area).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analog/op_counts.hpp"
#include "params/config.hpp"
#include "params/table.hpp"

namespace kirchhoff::analog {

enum class DacScaling { per_bit, per_level };

struct EnergyConfig {
    double dac_1bit_j = 0.39e-12;        // energy.dac_1bit_j
    DacScaling dac_scaling = DacScaling::per_bit;
    double adc_fom_j_per_step = 6.51e-15;  // energy.adc_fom_j_per_step
    double adc_s_per_bit = 1.0 / 9.6e9;  // energy.adc_s_per_bit: 8 bits at 1.2 GS/s
    int adcs_per_tile = 1;
    double t_read_s = 100e-9;
    double int32_add_j = 0.1e-12, fp32_add_j = 0.9e-12, fp32_mult_j = 3.7e-12, fp32_special_j = 23e-12;
    double buffer_64bit_j = 20e-12, kv_cache_64bit_j = 100e-12;
    double digital_ops_per_s = 64e9;

    /// J per conversion of a `bits`-bit DAC (one row, one read) or ADC (one output).
    double dac_conversion_j(int bits) const;
    double adc_conversion_j(int bits) const;
    /// s to digitise one output at `bits`.
    double adc_conversion_s(int bits) const;
    double digital_op_j(DigitalOp op) const;
};

/// The energy.* keys: default, unit, range and a meaning that cites the source.
params::Schema energy_schema();
/// The table energy_schema() and energy_config() are derived from (params/table.hpp), defaults
/// from EnergyConfig{}.
const params::Table<EnergyConfig>& energy_keys();
/// Typed view of the energy.* keys of `config` (whose schema includes energy_schema()).
EnergyConfig energy_config(const params::Config& config);

/// One line of the table: one kind of operation.
struct EnergyLine {
    std::string category;   // "DAC", "array", "ADC", "digital periphery", "digital non-MVM"
    std::string operation;  // "DAC conversion, 8 bit", "fp32 mult", ...
    double count_per_token = 0;
    double j_per_op = 0;
    double j_per_token = 0;
};

struct EnergyReport {
    double forward_steps = 0;  // what "per token" divides by: forward steps run, which exceed the
                               // scored tokens where perplexity windows overlap (perplexity.hpp)
    std::vector<EnergyLine> lines;  // non-zero counts, in category order
    // per token, J
    double dac_j = 0, array_j = 0, adc_j = 0, periphery_j = 0, non_mvm_j = 0;
    double energy_per_token_j = 0;
    // per token, s
    double mvm_latency_s = 0, digital_latency_s = 0;
    double latency_per_token_s = 0;

    /// {"forward_steps", "energy_per_token_j", "latency_per_token_s",
    ///  "energy_breakdown_j": {"dac", "array", "adc", "digital_periphery", "digital_non_mvm"},
    ///  "latency_breakdown_s": {"crossbar_mvm", "digital"},
    ///  "operations": [{"category", "operation", "count_per_token", "j_per_op", "j_per_token", "share"}]}
    nlohmann::json to_json() const;
    /// The per-operation table (operation, count per token, energy per operation, energy per
    /// token, share), the totals and the latency, for a terminal.
    std::string table() const;
};

/// Prices `counts` over `tokens` forward steps (> 0; std::logic_error otherwise).
EnergyReport energy_report(const OpCounts& counts, const EnergyConfig& config, double tokens);

/// The usual call after a perplexity evaluation: the backend's MVM counts (read before any
/// restart()) plus the digital work of the steps `run` took, per step. attention_products:
/// false for attention.on_crossbars (the backend counted the products as tile reads; the KV
/// cache is no digital traffic then).
EnergyReport energy_report(const OpCounts& mvm_counts, const transformer::ModelConfig& model,
                           const transformer::PerplexityResult& run, const EnergyConfig& config,
                           bool attention_products = true);

}  // namespace kirchhoff::analog
