// OpenMP loop helper of the analog backend: exceptions thrown on worker threads reach the
// caller. Each index's work must write only its own outputs (results then do not depend on the
// thread count); sums over indices are taken afterwards in index order by the caller.
#pragma once

#include <exception>

namespace kirchhoff::analog {

// Runs body(i) for i in [0, n) over OpenMP threads (when parallel), rethrowing the first
// exception on the calling thread.
template <class F>
void for_each_index(int n, bool parallel, F&& body) {
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic) if (parallel && n > 1)
    for (int i = 0; i < n; ++i) {
        try {
            body(i);
        } catch (...) {
#pragma omp critical(kirchhoff_analog_error)
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace kirchhoff::analog
