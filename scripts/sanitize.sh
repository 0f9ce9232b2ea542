#!/usr/bin/env bash
# The sanitizer and fuzzing gate (README "Reliability"), run by `scripts/bootstrap.sh sanitize`
# once the packages are installed, and by CI after the test suite:
#   1. builds the tree with Clang 16, AddressSanitizer + UndefinedBehaviorSanitizer (the first
#      report aborts) and the libFuzzer harnesses, in its own build directory;
#   2. runs the quick and ngspice tests there (ctest -L "quick|ngspice") and replays every seed
#      and regression input of tests/fuzz/corpus/ once (ctest -L fuzz);
#   3. fuzzes each harness for KIRCHHOFF_FUZZ_SECONDS (default 30) from its seed corpus; new
#      inputs go to <build>/fuzz-work/<harness>/ (the tracked corpus is not changed), a crash is
#      saved as <build>/fuzz-artifacts/<harness>-crash-<sha1> and fails the run.
# Environment: KIRCHHOFF_SANITIZE_BUILD_DIR (default build-sanitize/), KIRCHHOFF_FUZZ_SECONDS.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KIRCHHOFF_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
seconds="${KIRCHHOFF_FUZZ_SECONDS:-30}"
jobs="$(nproc)"
# UBSan prints the stack of a report; LeakSanitizer skips what the OpenMPI runtime keeps for
# the life of the process (scripts/lsan.supp).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}"

# --- 1. build -----------------------------------------------------------------------------
# Without the Python module (KIRCHHOFF_PYTHON=OFF): an instrumented extension needs the ASan
# runtime preloaded into python3; the C++ under it is the libraries tested here.
start=$SECONDS
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-16 -DKIRCHHOFF_FUZZ=ON -DKIRCHHOFF_BUILD_BENCH=OFF -DKIRCHHOFF_PYTHON=OFF
cmake --build "$build" -j "$jobs"
echo "sanitize: build took $((SECONDS - start)) s"

# --- 2. tests under the sanitizers ---------------------------------------------------------
start=$SECONDS
# Left out, each checked by the test command in the release build:
# - the one test that asserts wall-clock latency (a 0.3 s ngspice time limit halts within 5 s):
#   under ASan the halt takes about 5.7 s;
# - the disk-full CLI test: it runs commands under `ulimit -f`, and Clang's OpenMP runtime
#   (libomp, which this build links instead of libgomp) cannot size its registration file in
#   /dev/shm under that limit and crashes before Kirchhoff runs (OMP: Error #179);
# - the `mpirun -n 2` sweep: the sweep itself completes, but OpenMPI's uninstrumented runtime
#   leaves allocations at exit that LeakSanitizer reports as a failure.
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 900 -L "quick|ngspice" \
   -E "^(a time limit halts a long analysis cleanly|a failed write \(disk full\) exits non-zero naming the file and leaves nothing half-written|kirchhoff sweep under mpirun -n 2 merges to the single-process result)$")
(cd "$build" && ctest --output-on-failure -L fuzz)
echo "sanitize: tests took $((SECONDS - start)) s"

# --- 3. fuzzing ---------------------------------------------------------------------------
start=$SECONDS
passed=0
failed=0
mkdir -p "$build/fuzz-artifacts"
for fuzzer in "$build"/fuzz/fuzz_*; do
  name="$(basename "$fuzzer")"
  work="$build/fuzz-work/$name"
  mkdir -p "$work"
  log="$build/fuzz-work/$name.log"
  # -timeout: one input running longer than 25 s is a hang, reported as a crash.
  if "$fuzzer" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "$root/tests/fuzz/corpus/$name" \
       > "$log" 2>&1; then
    passed=$((passed + 1))
    echo "sanitize: $name clean: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') runs in ${seconds} s"
  else
    failed=$((failed + 1))
    echo "sanitize: $name FAILED (log: $log; the crashing input is in $build/fuzz-artifacts/):"
    tail -n 60 "$log"
  fi
done
echo "sanitize: fuzzing took $((SECONDS - start)) s"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
