// Operation counts of the crossbar MVMs and of the digital work around them (op_counts.hpp).
#include "analog/op_counts.hpp"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace kirchhoff::analog {

namespace {

using Ops = std::array<double, digital_op_count>;

void add(Ops& ops, DigitalOp op, double n) { ops[std::size_t(op)] += n; }

int checked_bits(int bits, std::string_view what) {
    if (bits < 1 || bits > OpCounts::max_bits)
        throw std::logic_error(fmt::format("op_counts: {} bits = {} outside [1, {}]", what, bits, OpCounts::max_bits));
    return bits;
}

// RMSNorm: sum of squares (n mult, n add), 1/sqrt (2 special), scale and weight (2n mult);
// LayerNorm: mean (n add), variance (2n add, n mult), 1/sqrt (2 special), (x - mean) scale
// weight + bias (n add, 2n mult, n add). Weights (and bias) read from the buffer.
void norm(Ops& ops, int n, bool layernorm) {
    add(ops, DigitalOp::fp32_mult, 3.0 * n);
    add(ops, DigitalOp::fp32_add, (layernorm ? 4.0 : 1.0) * n);
    add(ops, DigitalOp::fp32_special, 2);
    add(ops, DigitalOp::buffer_word, (layernorm ? 2.0 : 1.0) * n);
}

}  // namespace

std::string_view to_string(DigitalOp op) {
    switch (op) {
        case DigitalOp::int32_add: return "int32 add";
        case DigitalOp::fp32_add: return "fp32 add";
        case DigitalOp::fp32_mult: return "fp32 mult";
        case DigitalOp::fp32_special: return "fp32 special function";
        case DigitalOp::buffer_word: return "SRAM buffer word";
        case DigitalOp::kv_word: return "KV cache word";
    }
    return "?";
}

Eigen::VectorXd row_conductance_sums(const cosim::ProgrammedTile& tile) {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(tile.config.spec.rows);
    for (const Eigen::MatrixXd& g : tile.g_siemens) sum += g.rowwise().sum();
    return sum;
}

double cell_read_power_w(const std::vector<Eigen::VectorXd>& volts, const Eigen::VectorXd& row_g) {
    double p = 0;
    for (const Eigen::VectorXd& v : volts) p += v.cwiseAbs2().dot(row_g);
    return p;
}

void OpCounts::add_mvm(int in, int out, bool bias, const MvmShape& shape) {
    mvms += 1;
    mvm_shapes[shape] += 1;
    add(periphery, DigitalOp::fp32_add, in);       // max |x|: one compare per input
    add(periphery, DigitalOp::fp32_special, 1);    // 1 / max |x|
    add(periphery, DigitalOp::fp32_mult, in);      // x / max |x| to the DAC code
    add(periphery, DigitalOp::fp32_mult, out);     // back to W x units
    if (bias) add(periphery, DigitalOp::fp32_add, out);
    add(periphery, DigitalOp::buffer_word, in + out);  // x read, y written
}

void OpCounts::add_tile(int rows, int cols, int reads, int dac_bits, int adc_bits, bool scaled) {
    tile_reads += reads;
    dac_conversions[checked_bits(dac_bits, "DAC")] += double(rows) * reads;
    adc_conversions[checked_bits(adc_bits, "ADC")] += double(cols) * reads;
    add(periphery, DigitalOp::int32_add, double(cols) * reads);  // shift-and-add per read
    if (scaled) add(periphery, DigitalOp::fp32_mult, cols);       // drift compensation alpha
    add(periphery, DigitalOp::fp32_add, cols);                     // sum over row tiles
}

void OpCounts::add_calibration(int cols, OutputCalibration calibration) {
    if (calibration == OutputCalibration::none) return;
    add(periphery, DigitalOp::fp32_mult, cols);                                          // scale
    if (calibration == OutputCalibration::per_column) add(periphery, DigitalOp::fp32_add, cols);  // offset
}

OpCounts& OpCounts::operator+=(const OpCounts& o) {
    mvms += o.mvms;
    tile_reads += o.tile_reads;
    for (int b = 0; b <= max_bits; ++b) {
        dac_conversions[b] += o.dac_conversions[b];
        adc_conversions[b] += o.adc_conversions[b];
    }
    cell_v2g_w += o.cell_v2g_w;
    for (const auto& [shape, n] : o.mvm_shapes) mvm_shapes[shape] += n;
    for (int k = 0; k < digital_op_count; ++k) {
        periphery[k] += o.periphery[k];
        non_mvm[k] += o.non_mvm[k];
    }
    return *this;
}

OpCounts non_mvm_ops(const transformer::ModelConfig& m, int pos, bool attention_products) {
    if (pos < 0) throw std::logic_error(fmt::format("non_mvm_ops: position {} < 0", pos));
    const bool gpt2 = m.arch == transformer::Architecture::gpt2;
    const double D = m.dim, H = m.hidden_dim, KV = m.kv_dim(), hs = m.head_size(), heads = m.n_heads;
    const double n = pos + 1.0;  // positions attended
    OpCounts c;
    Ops& ops = c.non_mvm;
    add(ops, DigitalOp::buffer_word, gpt2 ? 2 * D : D);  // token (and position) embedding row
    if (gpt2) add(ops, DigitalOp::fp32_add, D);
    for (int b = 0; b < m.n_layers; ++b) {
        norm(ops, m.dim, gpt2);
        if (!gpt2) {  // RoPE on q and k: per pair 4 mult, 2 add, cos and sin
            const double pairs = (D + KV) / 2;
            add(ops, DigitalOp::fp32_mult, 4 * pairs);
            add(ops, DigitalOp::fp32_add, 2 * pairs);
            add(ops, DigitalOp::fp32_special, 2 * pairs);
        }
        // Per query head: scale (n mult) and softmax (max: n compares, n subtracts, n exp, n
        // adds, one reciprocal, n mult).
        add(ops, DigitalOp::fp32_mult, heads * 2 * n);
        add(ops, DigitalOp::fp32_add, heads * 3 * n);
        add(ops, DigitalOp::fp32_special, heads * (n + 1));
        if (attention_products) {
            // Scores and value product (n hs mult + add each, per query head); this position's
            // k and v written, and every cached k, v word read once per layer (shared by the
            // query heads of its group).
            add(ops, DigitalOp::fp32_mult, heads * 2 * n * hs);
            add(ops, DigitalOp::fp32_add, heads * 2 * n * hs);
            add(ops, DigitalOp::kv_word, 2 * KV + 2 * n * KV);
        }
        add(ops, DigitalOp::fp32_add, 2 * D);  // two residual additions
        norm(ops, m.dim, gpt2);
        if (gpt2) {  // GELU (tanh): x^3 (2), 0.044715 x^3, k (..), 0.5 x, x (1 + tanh): 6 mult, 2 add, tanh
            add(ops, DigitalOp::fp32_mult, 6 * H);
            add(ops, DigitalOp::fp32_add, 2 * H);
            add(ops, DigitalOp::fp32_special, H);
        } else {  // SwiGLU: silu(g) = g / (1 + exp(-g)) (exp, add, division), times up (mult)
            add(ops, DigitalOp::fp32_mult, H);
            add(ops, DigitalOp::fp32_add, H);
            add(ops, DigitalOp::fp32_special, 2 * H);
        }
    }
    norm(ops, m.dim, gpt2);  // final norm
    return c;
}

OpCounts non_mvm_ops(const transformer::ModelConfig& m, const transformer::PerplexityResult& run,
                     bool attention_products) {
    OpCounts total;
    if (run.tokens_run == 0) return total;
    const std::int64_t last = run.tokens_run - (run.windows - 1) * std::int64_t(run.context);
    if (run.windows < 1 || run.context < 1 || last < 1 || last > run.context)
        throw std::logic_error(fmt::format("non_mvm_ops: {} steps in {} windows of {} positions are not perplexity windows",
                                           run.tokens_run, run.windows, run.context));
    std::vector<OpCounts> at;  // per position
    for (int p = 0; p < run.context; ++p) at.push_back(non_mvm_ops(m, p, attention_products));
    for (std::int64_t w = 0; w < run.windows; ++w) {
        const std::int64_t len = w + 1 < run.windows ? run.context : last;
        for (int p = 0; p < len; ++p) total += at[p];
    }
    return total;
}

}  // namespace kirchhoff::analog
