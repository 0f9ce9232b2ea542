// OpenMP loop helper of the analog backend: exceptions thrown on worker threads reach the
// caller. Each index's work must write only its own outputs (results then do not depend on the
// thread count); sums over indices are taken afterwards in index order by the caller.
#pragma once

#include <exception>

namespace kirchhoff::analog {

// Runs body(i) for i in [0, n) over OpenMP threads (when parallel), rethrowing on the calling
// thread the exception of the lowest index that threw: the same one at any thread count and
// schedule (the first to be thrown in time is not: two tiles of a layer failing their circuit
// solves would name whichever tile a thread finished first).
template <class F>
void for_each_index(int n, bool parallel, F&& body) {
    std::exception_ptr error;
    int error_index = n;
#pragma omp parallel for schedule(dynamic) if (parallel && n > 1)
    for (int i = 0; i < n; ++i) {
        try {
            body(i);
        } catch (...) {
#pragma omp critical(kirchhoff_analog_error)
            if (i < error_index) {
                error = std::current_exception();
                error_index = i;
            }
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace kirchhoff::analog
