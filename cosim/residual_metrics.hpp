// How far a fast MVM engine is from the circuit, over many output vectors, measured against
// two baselines:
//   ideal       G^T v of the target conductances: no wires, no access transistor or selector,
//               ohmic cells. Its error mixes the IR drop with everything the cells themselves
//               do (device nonlinearity, 1T1R access resistance), which a surrogate is built
//               to model.
//   ideal wire  the same programmed cells (device I-V, access transistor, selector) with every
//               shared line resistance zeroed: word and bit lines, row drivers and the sense
//               amplifiers' input resistance (a virtual ground instead of a TIA). Its error is
//               the IR drop alone: the drop that currents of many cells cause on the resistances
//               they share. Solved exactly (mvm_engine.hpp: ideal_wire_tile).
// `kirchhoff fit` (calibration set, nodal circuit) and `kirchhoff check` (held-out tiles,
// ngspice) both report these; the definitions below are the ones their help texts and
// cosim/README.md state.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace kirchhoff::cosim {

struct ResidualMetrics {
    int vectors = 0;                  // output vectors accumulated
    double nmse = 0.0;                // sum ||engine - circuit||^2 / sum ||circuit||^2
    double ideal_nmse = 0.0;          // the same for ideal G^T v
    double ir_nmse = 0.0;             // the same for the ideal-wire baseline (the IR drop's size)
    double captured_fraction = 1.0;   // 1 - ||engine - circuit|| / ||ideal - circuit|| (norms over
                                      // all vectors); 1 when ideal equals the circuit exactly
    double captured_fraction_ir = 1.0;// 1 - ||engine - circuit|| / ||ideal_wire - circuit||: the
                                      // fraction of the IR drop the engine captures (1: exact, 0:
                                      // no better than ignoring the wires, < 0: worse); NaN when
                                      // ir_nmse < no_ir_drop_nmse (no IR drop to capture)
    double max_rel_err = 0.0;         // max over vectors of max_j |e_j| / max_j |circuit_j|
    double mean_rel_err = 0.0;        // mean over every output j of every vector of |e_j| / max |circuit|
    double median_rel_err = 0.0;      //   of its vector (the same per-output errors as max_rel_err)
};

/// Below this ir_nmse the ideal-wire baseline equals the circuit to solver precision
/// (nodal vs ngspice agree to about 1e-12 relative): there is no IR drop to capture.
inline constexpr double no_ir_drop_nmse = 1e-20;

class ResidualAccumulator {
public:
    /// One output vector (cols, A) of each: the engine under test, the circuit (reference),
    /// the ideal G^T v and the ideal-wire baseline. Throws std::invalid_argument on sizes
    /// that differ.
    void add(const Eigen::VectorXd& engine, const Eigen::VectorXd& circuit, const Eigen::VectorXd& ideal,
             const Eigen::VectorXd& ideal_wire);
    ResidualMetrics metrics() const;

private:
    int vectors_ = 0;
    double err_ = 0.0, ideal_err_ = 0.0, ir_err_ = 0.0, ref_ = 0.0, max_rel_ = 0.0;
    std::vector<double> rel_;  // per output: |e_j| / max |circuit| of its vector
};

}  // namespace kirchhoff::cosim
