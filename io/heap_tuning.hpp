// How the process's heap treats the large, short-lived blocks of circuit solves.
//
// glibc serves blocks of 128 KiB and more by mmap and returns them to the kernel on free, and
// frees the top of its heaps likewise, so each solve's fresh vectors and matrices (a 64 x 64
// differential tile's node voltages alone are 128 KiB) fault their pages in again. On the
// 2-core virtual machines this project runs on, page faults and the zeroing of fresh pages
// took a fifth to a third of tile programming (perf), and tuning them away made programming
// 2-3x faster: `scale_bench --tiles 64 --dim 128 --hidden 512 --layers 1 --vocab 512`, 64
// tiles, 6.5-8.7 s before, 2.2-3.1 s after (README, "A 124M-parameter model on tiles").
// Peak resident memory is unchanged; freed memory is kept for reuse rather than returned.
#pragma once

namespace kirchhoff::io {

/// Raises glibc's mmap and trim thresholds (to 32 MiB, glibc's largest, and 1 GiB) so freed blocks are
/// reused. Call once, at the start of a program (the CLI and the benchmarks do); not from a
/// library. Does nothing where the C library is not glibc.
void keep_freed_heap_memory();

}  // namespace kirchhoff::io
