// glibc's heap thresholds (see the header).
#include "io/heap_tuning.hpp"

#include <cstdlib>  // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace kirchhoff::io {

void keep_freed_heap_memory() {
#if defined(__GLIBC__)
    // glibc takes at most 32 MiB here (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit) and ignores more.
    constexpr int mmap_threshold_bytes = 32 << 20;  // blocks above this still come from mmap
    constexpr int trim_threshold_bytes = 1 << 30;    // free top of heap kept up to this
    mallopt(M_MMAP_THRESHOLD, mmap_threshold_bytes);
    mallopt(M_TRIM_THRESHOLD, trim_threshold_bytes);
#endif
}

}  // namespace kirchhoff::io
