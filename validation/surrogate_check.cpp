// Held-out check of a surrogate against ngspice.
#include "validation/surrogate_check.hpp"

#include <chrono>
#include <cmath>

#include "cosim/mvm_engine.hpp"

namespace kirchhoff::validation {

CheckResult check_surrogate(const cosim::SurrogateModel& model, int samples, cosim::NgspiceSession& session,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
    using Clock = std::chrono::steady_clock;
    CheckResult out;
    out.tier = std::string(cosim::to_string(model.response.is_linear() ? cosim::SurrogateTier::linearised
                                                                          : model.options.tier));
    double err = 0, ideal_err = 0, ref = 0;
    for (int k = 0; k < samples; ++k) {
        netlists::CrossbarConfig x = model.crossbar;
        x.seed = model.crossbar.seed * 1000003ULL + 500000ULL + std::uint64_t(k);  // never a fit tile
        const netlists::RandomTile random = netlists::random_tile(x);
        const cosim::ProgrammedTile tile = cosim::program_tile(x, random.g_siemens);
        const auto t0 = Clock::now();
        auto surrogate = cosim::make_surrogate_engine(tile, model.response, model.v_star_volt, -1, model.options);
        const auto t1 = Clock::now();
        Eigen::VectorXd spice;
        try {
            spice = cosim::make_spice_engine(tile, session)->matvec(random.v_volt);
        } catch (const cosim::SpiceError& e) {
            ++out.failed;
            out.errors.push_back(e.what());
            if (progress) progress(std::size_t(k + 1), std::size_t(samples));
            continue;
        }
        const auto t2 = Clock::now();
        ++out.samples;
        out.seconds_surrogate_build += std::chrono::duration<double>(t1 - t0).count();
        out.seconds_spice += std::chrono::duration<double>(t2 - t1).count();
        const Eigen::VectorXd s = surrogate->matvec(random.v_volt);
        const Eigen::VectorXd ideal = cosim::make_ideal_engine(tile)->matvec(random.v_volt);
        err += (s - spice).squaredNorm();
        ideal_err += (ideal - spice).squaredNorm();
        ref += spice.squaredNorm();
        out.max_rel_err = std::max(out.max_rel_err, (s - spice).cwiseAbs().maxCoeff() / spice.cwiseAbs().maxCoeff());
        if (progress) progress(std::size_t(k + 1), std::size_t(samples));
    }
    if (out.samples == 0) return out;
    out.nmse = err / ref;
    out.ideal_nmse = ideal_err / ref;
    out.captured_fraction = ideal_err > 0 ? 1.0 - std::sqrt(err / ideal_err) : 1.0;
    return out;
}

}  // namespace kirchhoff::validation
