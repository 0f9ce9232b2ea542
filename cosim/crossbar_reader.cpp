// The engine dispatch of `kirchhoff solve` and kirchhoff.Crossbar.
#include "cosim/crossbar_reader.hpp"

#include <exception>
#include <stdexcept>

#include "netlists/crossbar_setup.hpp"

namespace kirchhoff::cosim {

CrossbarReader::CrossbarReader(Engine engine, const ProgrammedTile& tile, ReaderOptions options, MvmEngine* surrogate,
                               std::optional<netlists::CrossbarCircuit> circuit)
    : engine_(engine), tile_(tile), options_(options), surrogate_(surrogate), circuit_(std::move(circuit)) {
    if (engine == Engine::ideal) require_ideal_defined(tile.config);
    if (engine == Engine::surrogate && !surrogate)
        throw std::invalid_argument("CrossbarReader: engine surrogate needs the surrogate MvmEngine");
}

CrossbarReader::~CrossbarReader() = default;

bool CrossbarReader::circuit_per_read() const {
    return engine_ == Engine::nodal && (options_.node_voltages || tile_.config.spec.mode == netlists::Mode::select);
}

// The direct solver on the circuit of these inputs alone (no state: safe on several threads).
CrossbarReading CrossbarReader::read_circuit(const Eigen::VectorXd& v, TileSolveReport* report) const {
    const netlists::CrossbarCircuit xbar = netlists::configured_crossbar(tile_.config, tile_.cells, v);
    NodalOptions nodal;
    nodal.timeout_s = tile_.config.timeout_s;
    CrossbarReading r = read_nodal(xbar, nodal);
    if (report) {
        report->method = "direct";
        report->newton_iterations = r.iterations;
    }
    if (options_.node_voltages)
        for (std::size_t a = 0; a < xbar.row_nodes.size(); ++a) {
            const auto at = [&](const Eigen::MatrixXi& nodes) {
                return nodes.unaryExpr([&](int k) { return r.node_volt(k); }).eval();
            };
            r.word_line_volt.push_back(at(xbar.row_nodes[a]));
            r.bit_line_volt.push_back(at(xbar.col_nodes[a]));
        }
    return r;
}

CrossbarReading CrossbarReader::read(const Eigen::VectorXd& v, TileSolveReport* report) {
    const netlists::CrossbarSpec& spec = tile_.config.spec;
    CrossbarReading r;
    switch (engine_) {
        case Engine::ideal: r.outputs = netlists::ideal_outputs(spec, tile_.g_siemens, v); return r;
        case Engine::surrogate: r.outputs = surrogate_->matvec(v); return r;
        case Engine::nodal: {
            if (circuit_per_read()) return read_circuit(v, report);
            if (!solver_) solver_ = std::make_unique<TileCircuitSolver>(tile_.config, tile_.cells);
            if (options_.fresh_each_read) solver_->restart();
            TileSolveReport own;
            TileSolveReport& rep = report ? *report : own;
            r.sense_current = solver_->sense_currents(v, &rep);
            r.outputs = netlists::logical_outputs(spec, r.sense_current);
            r.iterations = rep.newton_iterations;
            return r;
        }
        case Engine::spice: {
            if (!session_) session_ = std::make_unique<NgspiceSession>();
            if (circuit_ && spec.mode == netlists::Mode::read) circuit_->set_inputs(v);
            else circuit_ = netlists::configured_crossbar(tile_.config, tile_.cells, v);  // select: per voltage
            const double t = tile_.config.timeout_s;
            return read_spice(*session_, *circuit_, t > 0 ? std::optional(t) : std::nullopt);
        }
    }
    throw std::logic_error("CrossbarReader: unknown engine");
}

std::vector<CrossbarReading> CrossbarReader::read_all(const std::vector<Eigen::VectorXd>& v,
                                                      std::vector<TileSolveReport>* reports) {
    const int n = int(v.size());
    std::vector<CrossbarReading> out(v.size());
    if (reports) reports->assign(v.size(), {});
    auto report = [&](int k) { return reports ? &(*reports)[std::size_t(k)] : nullptr; };
    if (!circuit_per_read()) {
        for (int k = 0; k < n; ++k) out[std::size_t(k)] = read(v[std::size_t(k)], report(k));
        return out;
    }
    std::vector<std::exception_ptr> errors(v.size());
#pragma omp parallel for schedule(dynamic) if (n > 1)
    for (int k = 0; k < n; ++k) {
        try {
            out[std::size_t(k)] = read_circuit(v[std::size_t(k)], report(k));
        } catch (...) {
            errors[std::size_t(k)] = std::current_exception();
        }
    }
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    return out;
}

}  // namespace kirchhoff::cosim
