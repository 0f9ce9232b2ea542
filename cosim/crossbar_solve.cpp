// Crossbar reads through the nodal solver or ngspice.
#include "cosim/crossbar_solve.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "netlists/circuit.hpp"
#include "params/error.hpp"

namespace kirchhoff::cosim {

void require_ideal_defined(const netlists::CrossbarConfig& config) {
    if (config.spec.mode != netlists::Mode::read || config.device_preset != "linear")
        throw InputError("--engine ideal: G^T v is defined for read mode with ohmic cells (array.mode = \"read\", "
                         "device.preset = \"linear\")");
}

Eigen::VectorXd sense_currents(const netlists::CrossbarCircuit& xbar, const NodalSolution& s) {
    Eigen::VectorXd i(Eigen::Index(xbar.sense_sources.size()));
    for (std::size_t k = 0; k < xbar.sense_sources.size(); ++k)
        i(Eigen::Index(k)) = xbar.sense_sources[k] == netlists::no_source
                                 ? std::nan("")
                                 : s.source_current(Eigen::Index(xbar.sense_sources[k]));
    return i;
}

void plan_sense_currents(NodalSolver& solver, const netlists::CrossbarCircuit& xbar) {
    std::vector<std::size_t> sources;
    for (std::size_t s : xbar.sense_sources)
        if (s != netlists::no_source) sources.push_back(s);
    solver.plan_source_currents(std::move(sources));
}

Eigen::VectorXd planned_sense_currents(const NodalSolver& solver, const netlists::CrossbarCircuit& xbar) {
    const Eigen::VectorXd planned = solver.source_currents();  // driven sense sources, in order
    Eigen::VectorXd i(Eigen::Index(xbar.sense_sources.size()));
    Eigen::Index next = 0;
    for (std::size_t k = 0; k < xbar.sense_sources.size(); ++k)
        i(Eigen::Index(k)) = xbar.sense_sources[k] == netlists::no_source ? std::nan("") : planned(next++);
    return i;
}

CrossbarReading read_nodal(const netlists::CrossbarCircuit& xbar, const NodalOptions& options) {
    NodalOptions with_order = options;
    if (with_order.ordering.empty()) {
        // The ordering comes before the solver's own clock starts: checked against the limit
        // on its own (0.16 s at 512 x 512, 0.8-1.1 s at 1024 x 1024, measured on the loaded
        // 2-core machine).
        const auto t0 = std::chrono::steady_clock::now();
        with_order.ordering = netlists::nested_dissection_order(xbar);
        const double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (options.timeout_s > 0 && spent > options.timeout_s)
            throw NodalError(fmt::format("circuit '{}': time limit of {} s (solver.timeout_s) ran out after {:.3g} s, "
                                         "ordering the unknowns (nested dissection)",
                                         xbar.circuit.title(), options.timeout_s, spent));
    }
    const NodalSolver solver(xbar.circuit, with_order);
    const NodalSolution s = solver.solve();
    CrossbarReading out;
    out.sense_current = sense_currents(xbar, s);
    out.outputs = xbar.outputs(out.sense_current);
    out.node_volt = s.node_volt;
    out.iterations = s.iterations;
    const Eigen::VectorXd through_resistors = solver.resistor_currents(s);
    const Eigen::VectorXd through_nonlinear = solver.nonlinear_currents(s);
    for (const Eigen::MatrixXi& elements : xbar.cell_elements) {
        Eigen::MatrixXd& i = out.cell_current.emplace_back(elements.rows(), elements.cols());
        for (Eigen::Index r = 0; r < elements.rows(); ++r)
            for (Eigen::Index c = 0; c < elements.cols(); ++c) {
                const int k = elements(r, c);
                i(r, c) = k >= 0 ? through_resistors(k) : through_nonlinear(-k - 1);
            }
    }
    return out;
}

CrossbarReading read_spice(NgspiceSession& session, const netlists::CrossbarCircuit& xbar,
                           std::optional<double> timeout_s) {
    session.load(netlists::spice_deck(xbar.circuit));
    session.run("op", timeout_s);
    const auto names = xbar.sense_vectors();
    CrossbarReading out;
    out.sense_current.resize(Eigen::Index(names.size()));
    for (std::size_t k = 0; k < names.size(); ++k)
        out.sense_current(Eigen::Index(k)) = names[k].empty() ? std::nan("") : session.vector(names[k]).at(0);
    out.outputs = xbar.outputs(out.sense_current);
    return out;
}

CrossbarReading read_spice(SpicePool& pool, const netlists::CrossbarCircuit& xbar, std::optional<double> timeout_s) {
    const auto names = xbar.sense_vectors();
    SpiceJob job{netlists::spice_deck(xbar.circuit), "op", {}, timeout_s};
    for (const std::string& n : names)
        if (!n.empty()) job.vectors.push_back(n);
    SpiceResult r = std::move(pool.solve({job}).front());
    const std::string title = job.deck.substr(0, job.deck.find('\n'));
    if (r.timed_out) throw SpiceTimeout(SpiceError::reported, title, "op", r.error);
    if (!r.ok()) throw SpiceError(SpiceError::reported, title, "op", r.error);
    CrossbarReading out;
    out.sense_current.resize(Eigen::Index(names.size()));
    std::size_t read = 0;
    for (std::size_t k = 0; k < names.size(); ++k)
        out.sense_current(Eigen::Index(k)) = names[k].empty() ? std::nan("") : r.vectors.at(read++).at(0);
    out.outputs = xbar.outputs(out.sense_current);
    return out;
}

}  // namespace kirchhoff::cosim
