// Solving one SpiceJob on a session, with failures captured in the result.
#include "cosim/spice_job.hpp"

#include <chrono>

#include "cosim/ngspice_session.hpp"

namespace kirchhoff::cosim {

SpiceResult solve_job(NgspiceSession& session, const SpiceJob& job) {
    SpiceResult result;
    const auto start = std::chrono::steady_clock::now();
    try {
        session.load(job.deck);
        session.run(job.analysis, job.timeout_s);
        result.vectors.reserve(job.vectors.size());
        for (const std::string& name : job.vectors) result.vectors.push_back(session.vector(name));
    } catch (const SpiceTimeout& e) {
        result.error = e.what();
        result.timed_out = true;
        result.vectors.clear();
    } catch (const std::exception& e) {
        result.error = e.what();
        result.vectors.clear();
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace kirchhoff::cosim
