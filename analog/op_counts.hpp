// What the simulated hardware did, counted operation by operation, for the energy and latency
// model (energy_model.hpp). Counts only: no energies here, so the same run can be priced under
// any energy.* configuration.
//
// Crossbar MVMs (AnalogBackend accumulates them in matvec; analog_backend.hpp):
//   per MVM of a layer (in, out) read `reads` times in sequence (1 for amplitude inputs, one per
//   bit for bit_serial, twice for two_phase):
//     DAC     one conversion per used row of every tile per read, at dac.bits (amplitude) or
//             1 bit (bit_serial: a row is driven at 0 or +-v_read; the sign is a switch)
//     cells   sum over cells of V_r^2 G_rc (W), from the row voltages the DAC drove and the
//             programmed conductances of both sides of every pair; x t_read = cell energy
//     ADC     one conversion per used output of every tile per read, at adc.bits (the pair's
//             currents are subtracted before the ADC, as the backend does)
//     digital periphery: max |x| and the scaling of x to DAC codes (in), a shift-and-add of
//             each digitised read into the tile's accumulator, the drift compensation of each
//             tile output (when alpha != 1), the output calibration of each tile output (a
//             multiply, and an add for per_column's offset), the sum over row tiles, the scaling back to W x
//             units and the bias (out), and the input/output vectors through an SRAM buffer.
//   The first adc.calibration_mvms MVMs of a layer are counted as ordinary MVMs (a real
//   converter digitises them too; calibrating is a simulation shortcut). MVMs with an all-zero
//   input drive nothing and are not counted. Validation solves (full-circuit re-solves of
//   sampled MVMs) are simulation overhead and are never counted.
// Digital work outside the crossbars (non_mvm_ops): embeddings, norms, RoPE, the attention
//   scores, softmax and value product over the positions attended, activations, residual
//   additions, and the KV cache traffic, from the model configuration and the positions run.
#pragma once

#include <array>
#include <compare>
#include <map>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "analog/output_calibration.hpp"
#include "cosim/mvm_engine.hpp"
#include "transformer/model.hpp"
#include "transformer/perplexity.hpp"

namespace kirchhoff::analog {

enum class DigitalOp {
    int32_add,     // shift-and-add of a digitised read
    fp32_add,      // add, subtract, compare
    fp32_mult,     // multiply (a division by a shared divisor: one reciprocal, then multiplies)
    fp32_special,  // exp, sqrt, reciprocal, sin, cos, tanh, division
    buffer_word,   // 32-bit word read or written in an activation/parameter SRAM buffer
    kv_word,       // 32-bit word read or written in the KV cache
};
inline constexpr int digital_op_count = 6;
std::string_view to_string(DigitalOp op);

/// The sequence of reads of one MVM as the latency model needs it: tiles of a layer run in
/// parallel, so one shape stands for the whole layer.
struct MvmShape {
    int reads = 0;         // reads in sequence
    int tile_outputs = 0;  // outputs a tile digitises per read (the widest tile of the layer)
    int adc_bits = 0;
    auto operator<=>(const MvmShape&) const = default;
};

struct OpCounts {
    static constexpr int max_bits = 24;
    double mvms = 0;        // layer MVMs (non-zero input)
    double tile_reads = 0;  // one read of one tile: all its used rows driven at once
    std::array<double, max_bits + 1> dac_conversions{};  // [bits]: one row, one read
    std::array<double, max_bits + 1> adc_conversions{};  // [bits]: one output, one read
    double cell_v2g_w = 0;  // sum over tile reads of sum_rc V_r^2 G_rc (W)
    std::map<MvmShape, double> mvm_shapes;                // shape -> MVMs
    std::array<double, digital_op_count> periphery{};     // [DigitalOp]: digital periphery of the MVMs
    std::array<double, digital_op_count> non_mvm{};       // [DigitalOp]: digital work outside the MVMs

    /// The periphery of one MVM of a layer (in, out): input scaling, output scaling, bias,
    /// buffer traffic; and its shape (reads in sequence, outputs of the widest tile, ADC bits).
    void add_mvm(int in, int out, bool bias, const MvmShape& shape);
    /// One tile's part of an MVM: `rows` x `cols` used, `reads` reads, DAC and ADC bits
    /// (1..max_bits), `scaled`: the tile's outputs are multiplied by a drift compensation.
    void add_tile(int rows, int cols, int reads, int dac_bits, int adc_bits, bool scaled);
    /// The output calibration of one tile's `cols` outputs (output_calibration.hpp): a multiply
    /// per output (global, per_column) and an add (per_column's offset).
    void add_calibration(int cols, OutputCalibration calibration);
    OpCounts& operator+=(const OpCounts& other);
    bool operator==(const OpCounts&) const = default;
};

/// Sum of G over each row's cells, over every array and physical column of `tile` (both sides
/// of every differential pair), (rows) S: what makes the read energy O(rows) per read.
Eigen::VectorXd row_conductance_sums(const cosim::ProgrammedTile& tile);
/// sum over reads k of sum_r v_kr^2 row_g_r (W): the cells' read power (ohmic cells, each cell
/// at its row voltage, columns at virtual ground) summed over the reads. volts: (reads) x (rows).
double cell_read_power_w(const std::vector<Eigen::VectorXd>& volts, const Eigen::VectorXd& row_g);

/// The digital work outside the crossbars of one forward step at position `pos` (attending to
/// pos + 1 cached positions), as transformer/forward.cpp does it. `attention_products`: false
/// leaves out the scores and value product and the KV cache traffic (for attention.on_crossbars,
/// where they are MVMs on KV tiles); the scaling and softmax stay.
OpCounts non_mvm_ops(const transformer::ModelConfig& model, int pos, bool attention_products = true);

/// The same summed over every step of a perplexity evaluation: its windows run positions
/// 0 .. context - 1 from an empty cache, the last window fewer (transformer/perplexity.hpp).
/// std::logic_error if tokens_run, windows and context do not describe such windows.
OpCounts non_mvm_ops(const transformer::ModelConfig& model, const transformer::PerplexityResult& run,
                     bool attention_products = true);

}  // namespace kirchhoff::analog
