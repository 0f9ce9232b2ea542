// Held-out check of a surrogate against ngspice.
#include "validation/surrogate_check.hpp"

#include <chrono>

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

}  // namespace kirchhoff::validation
