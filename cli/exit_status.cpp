// Exception -> message and exit status (exit_status.hpp).
#include "cli/exit_status.hpp"

#include <new>

#include <fmt/format.h>

#include "cosim/ngspice_session.hpp"
#include "cosim/nodal_solver.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

int report_error(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const ChildFailed& e) {
        return e.status;
    } catch (const InputError& e) {
        fmt::print(stderr, "kirchhoff: error: {}\n", e.what());
        return 2;
    } catch (const cosim::SpiceError& e) {
        fmt::print(stderr, "kirchhoff: circuit solve failed: {}\n", e.what());
        return 3;
    } catch (const cosim::NodalError& e) {
        fmt::print(stderr, "kirchhoff: circuit solve failed: {}\n", e.what());
        return 3;
    } catch (const std::bad_alloc&) {
        fmt::print(stderr,
                   "kirchhoff: error: out of memory (std::bad_alloc); a smaller problem, or for "
                   "circuit solves a lower solver.memory_budget_mib, refuses it up front\n");
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "kirchhoff: error: {}\n", e.what());
        return 1;
    }
}

}  // namespace kirchhoff::cli
