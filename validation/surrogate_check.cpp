// Held-out check of a surrogate against ngspice.
#include "validation/surrogate_check.hpp"

#include <chrono>
#include <cmath>

#include "cosim/mvm_engine.hpp"

namespace kirchhoff::validation {

CheckResult check_surrogate(const cosim::SurrogateModel& model, netlists::Differential layout, int samples,
                            cosim::SpicePool& pool,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
    using Clock = std::chrono::steady_clock;
    CheckResult out;
    out.tier = std::string(cosim::to_string(cosim::tier_in_force(model.response, model.options)));
    out.crossbar = model.crossbar;
    out.crossbar.spec.differential = layout;
    cosim::ResidualAccumulator acc;
    for (int k = 0; k < samples; ++k) {
        netlists::CrossbarConfig x = out.crossbar;
        x.seed = model.crossbar.seed * 1000003ULL + 500000ULL + std::uint64_t(k);  // never a fit tile
        const netlists::RandomTile random = netlists::random_tile(x);
        const cosim::ProgrammedTile tile = cosim::program_tile(x, random.g_siemens);
        const auto t0 = Clock::now();
        auto surrogate = cosim::make_surrogate_engine(tile, model.response, model.v_star_volt, -1, model.options);
        const auto t1 = Clock::now();
        Eigen::VectorXd spice;
        try {
            spice = cosim::make_spice_engine(tile, pool)->matvec(random.v_volt);
        } catch (const cosim::SpiceError& e) {
            ++out.failed;
            out.errors.push_back(e.what());
            if (progress) progress(std::size_t(k + 1), std::size_t(samples));
            continue;
        }
        const auto t2 = Clock::now();
        const Eigen::VectorXd ideal_wire = cosim::make_nodal_engine(cosim::ideal_wire_tile(tile))->matvec(random.v_volt);
        const auto t3 = Clock::now();
        ++out.samples;
        out.seconds_surrogate_build += std::chrono::duration<double>(t1 - t0).count();
        out.seconds_spice += std::chrono::duration<double>(t2 - t1).count();
        out.seconds_ideal_wire += std::chrono::duration<double>(t3 - t2).count();
        acc.add(surrogate->matvec(random.v_volt), spice, cosim::make_ideal_engine(tile)->matvec(random.v_volt),
                ideal_wire);
        if (progress) progress(std::size_t(k + 1), std::size_t(samples));
    }
    out.metrics = acc.metrics();
    return out;
}

namespace {

// A number for JSON: NaN ("not defined", e.g. captured_fraction_ir without IR drop) is null.
nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

}  // namespace

nlohmann::json to_json(const CheckResult& r, const cosim::SurrogateModel& model) {
    const auto& m = r.metrics;
    const netlists::CrossbarConfig& x = r.crossbar;
    const netlists::CrossbarSpec& spec = x.spec;
    return nlohmann::json{{"samples", r.samples},
                           {"tier", r.tier},
                           {"failed", r.failed},
                           {"nmse", m.nmse},
                           {"max_rel_err", m.max_rel_err},
                           {"mean_rel_err", m.mean_rel_err},
                           {"median_rel_err", m.median_rel_err},
                           {"ideal_nmse", m.ideal_nmse},
                           {"captured_fraction", m.captured_fraction},
                           {"ir_nmse", m.ir_nmse},
                           {"captured_fraction_ir", number_or_null(m.captured_fraction_ir)},
                           {"differential", netlists::to_string(spec.differential)},
                           {"fitted_differential", netlists::to_string(model.crossbar.spec.differential)},
                           {"cell", netlists::to_string(spec.cell)},
                           {"device_preset", x.device_preset},
                           {"rows", spec.rows},
                           {"cols", spec.cols},
                           {"r_wire_row_ohm", spec.r_wire_row_ohm},
                           {"r_wire_col_ohm", spec.r_wire_col_ohm},
                           {"r_driver_ohm", spec.r_driver_ohm},
                           {"sense", netlists::to_string(spec.sense)},
                           {"v_read_volt", x.v_read_volt},
                           {"g_min_siemens", x.g_min_siemens},
                           {"g_max_siemens", x.g_max_siemens},
                           {"v_star_volt", model.v_star_volt}};
}

}  // namespace kirchhoff::validation
