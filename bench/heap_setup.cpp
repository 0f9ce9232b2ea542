// Linked into every benchmark: the heap settings of the `kirchhoff` program
// (io/heap_tuning.hpp), made before main, so benchmarks time what the CLI runs.
#include "io/heap_tuning.hpp"

namespace {
const bool heap_set_up = (kirchhoff::io::keep_freed_heap_memory(), true);
}  // namespace
