// Version report: proves the ngspice library loads and says which linear solver it ran.
#include "cli/version.hpp"

#include <fmt/format.h>

#include "cosim/ngspice_session.hpp"

#ifndef KIRCHHOFF_VERSION
#error "KIRCHHOFF_VERSION must be set by cli/CMakeLists.txt"
#endif

namespace kirchhoff::cli {

namespace {

// Solves a two-resistor deck, so that the session knows its version and solver.
void probe(cosim::NgspiceSession& session) {
    session.load("kirchhoff version probe\n.options klu\nV1 a 0 1\nR1 a b 1\nR2 b 0 1\n.end\n");
    session.run("op");
}

}  // namespace

std::string kirchhoff_version() { return KIRCHHOFF_VERSION; }

std::string ngspice_version() {
    try {
        cosim::NgspiceSession session;
        probe(session);
        return session.ngspice_version();
    } catch (const std::exception& e) {
        return std::string("unavailable: ") + e.what();
    }
}

std::string version_report() {
    std::string out = fmt::format("kirchhoff {}\n", KIRCHHOFF_VERSION);
    try {
        cosim::NgspiceSession session;
        probe(session);
        out += fmt::format("ngspice {} (shared library {})\n", session.ngspice_version(),
                           session.library_path().string());
        out += fmt::format("linear solver: {} ({}; every deck Kirchhoff writes asks for KLU)\n",
                           session.last_solver().empty() ? "unknown" : session.last_solver(),
                           session.klu_compiled() ? "ngspice was compiled with KLU"
                                                  : "ngspice was compiled WITHOUT KLU: expect "
                                                    "crossbar solves about 100x slower");
    } catch (const std::exception& e) {
        out += fmt::format("ngspice: not usable: {}\n", e.what());
    }
    return out;
}

}  // namespace kirchhoff::cli
