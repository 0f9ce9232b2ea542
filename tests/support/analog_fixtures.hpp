// What the analog tests share (tests/analog, tests/evaluation): analog configurations from
// defaults plus key=value overrides, the two tile configurations most tests run (clean and
// noisy), the small random Llamas they map onto tiles, and a deterministic token sequence.
// Each helper is what two or more tests wrote for themselves before; a test that needs
// something else writes its own beside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analog/analog_backend.hpp"
#include "analog/analog_config.hpp"
#include "params/config.hpp"
#include "transformer/model.hpp"

namespace kirchhoff::test {

/// analog_schema()'s defaults with `sets` ("key=value") applied in order, as --set applies them.
inline params::Config analog_params_with(const std::vector<std::string>& sets) {
    params::Config c(analog::analog_schema());
    for (const auto& s : sets) c.set_override(s);
    return c;
}

/// The AnalogConfig of analog_params_with(sets).
inline analog::AnalogConfig analog_config_with(const std::vector<std::string>& sets) {
    return analog::analog_config(analog_params_with(sets));
}

/// Backend options: analog_config_with(sets) on `engine` (no validation, no tables).
inline analog::AnalogOptions analog_options_with(const std::vector<std::string>& sets,
                                                 cosim::Engine engine = cosim::Engine::ideal) {
    analog::AnalogOptions o;
    o.config = analog_config_with(sets);
    o.engine = engine;
    return o;
}

/// rows x cols tiles with ideal wires and no device noise, `bits`-bit DAC and ADC, the ADC never
/// leaving calibration (adc.calibration_mvms = 1,000,000: no output quantisation).
inline std::vector<std::string> clean_tile_sets(int bits, int rows = 16, int cols = 8) {
    return {"array.rows=" + std::to_string(rows),
            "array.cols=" + std::to_string(cols),
            "array.r_wire_row_ohm=0",
            "array.r_wire_col_ohm=0",
            "dac.bits=" + std::to_string(bits),
            "adc.bits=" + std::to_string(bits),
            "adc.calibration_mvms=1000000"};
}

/// 16 x 8 tiles with every non-ideality on: 2 ohm wires, 6-bit DAC, 7-bit ADC calibrated on 3
/// MVMs, PCM programming noise, an hour of drift, per-MVM read noise, 5% device-to-device
/// variability, 2% stuck cells. No seed: the caller appends its own.
inline std::vector<std::string> noisy_tile_sets() {
    return {"array.rows=16",
            "array.cols=8",
            "array.r_wire_row_ohm=2",
            "array.r_wire_col_ohm=2",
            "dac.bits=6",
            "adc.bits=7",
            "adc.calibration_mvms=3",
            "pcm.programming_noise=true",
            "pcm.t_inference_s=3600",
            "pcm.read_noise=true",
            "variability.d2d_sigma=0.05",
            "faults.stuck_rate=0.02"};
}

/// `sets` followed by `more` (applied in that order: a key in `more` overrides one in `sets`).
inline std::vector<std::string> with(std::vector<std::string> sets, const std::vector<std::string>& more) {
    sets.insert(sets.end(), more.begin(), more.end());
    return sets;
}

/// 16 x 8 tiles of nonlinear cells (Stanford RRAM, Newton solves; g_min 2 uS) behind 1 ohm wires,
/// with PCM programming noise, an hour of drift and per-MVM read noise. No seed.
inline std::vector<std::string> rram_tile_sets() {
    return {"array.rows=16",
            "array.cols=8",
            "device.preset=stanford_rram_aimc",
            "device.g_min_siemens=2e-6",
            "array.r_wire_row_ohm=1",
            "array.r_wire_col_ohm=1",
            "pcm.programming_noise=true",
            "pcm.t_inference_s=3600",
            "pcm.read_noise=true"};
}

/// n tokens (i * stride + i^2) mod vocab, i = 0 .. n-1.
inline std::vector<int> probe_tokens(int n, int vocab, int stride = 7) {
    std::vector<int> t;
    for (int i = 0; i < n; ++i) t.push_back((i * stride + i * i) % vocab);
    return t;
}

/// A random one-block Llama (transformer::random_model): dim 16, hidden 24, 2 heads, vocabulary
/// 11, context 8.
inline transformer::Model one_block_llama(std::uint64_t seed) {
    transformer::ModelConfig c;
    c.arch = transformer::Architecture::llama;
    c.dim = 16, c.hidden_dim = 24, c.n_layers = 1, c.n_heads = 2, c.n_kv_heads = 2, c.vocab_size = 11, c.seq_len = 8;
    return transformer::random_model(c, seed);
}

/// A random two-block Llama with grouped-query attention: dim 24, hidden 40, 4 query heads on 2
/// kv heads, vocabulary 19, context 32. On 16 x 8 tiles no layer is a whole number of tiles.
inline transformer::Model two_block_llama(std::uint64_t seed) {
    transformer::ModelConfig c;
    c.arch = transformer::Architecture::llama;
    c.dim = 24, c.hidden_dim = 40, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2, c.vocab_size = 19, c.seq_len = 32;
    return transformer::random_model(c, seed);
}

}  // namespace kirchhoff::test
