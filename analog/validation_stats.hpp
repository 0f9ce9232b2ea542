// Per-layer statistics of sampled validation: a layer's outputs computed from the fast
// engine's tile currents against the same outputs computed from full circuit solves of the
// same tiles, inputs, read-noise draws and ADC ranges (so the only difference is the engine).
//   nmse        sum |y_engine - y_circuit|^2 / sum |y_circuit|^2 over all validated MVMs
//   max_rel_err max over MVMs of max_k |y_engine,k - y_circuit,k| / max_k |y_circuit,k|
//               (relative to the MVM's largest output, so near-zero outputs do not blow up)
//   correlation Pearson correlation of all validated output pairs
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace kirchhoff::analog {

struct ValidationStats {
    std::string layer;           // LinearLayer::name
    std::int64_t count = 0;      // validated MVMs
    std::int64_t elements = 0;   // output values compared
    double sum_sq_err = 0, sum_sq_ref = 0, max_rel_err = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;  // x: circuit, y: engine
    double seconds = 0;          // wall time of the circuit solves
    std::int64_t failed = 0;     // sampled MVMs whose circuit solve failed (not in count)
    std::string first_error;     // the first failure's message

    /// One validated MVM: circuit (reference) and engine outputs, both (layer.out).
    void add(std::span<const float> circuit, std::span<const float> engine);
    /// NaN when nothing was validated (count 0): no score, never a perfect one; displays print
    /// "-" or null for such rows.
    double nmse() const;
    double correlation() const;  // NaN when nothing was validated; 1 when either side is constant
    bool validated() const { return count > 0; }
    /// A sampled MVM whose circuit solve threw: counted and the first message kept.
    void fail(std::string_view error);
};

}  // namespace kirchhoff::analog
