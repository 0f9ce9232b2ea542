# Sanitizer and fuzzing builds (README "Reliability"). Both are off in a normal build.
#   KIRCHHOFF_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer on every target, and the
#                          first report aborts the program (-fno-sanitize-recover), so a test
#                          that trips one fails. GCC or Clang.
#   KIRCHHOFF_FUZZ=ON      also builds the libFuzzer harnesses of tests/fuzz/ (Clang only: Debian
#                          clang-14 libclang-rt-14-dev libomp-14-dev) and instruments every target
#                          for coverage; implies the sanitizers.
# The flags go on every target of the tree (add_compile_options), not on one: a sanitizer has to
# see all the code that touches the memory it watches, and a fuzzer needs coverage from the
# parsers it drives, which live in the folder libraries.
include_guard(GLOBAL)

option(KIRCHHOFF_SANITIZE "Build everything with -fsanitize=address,undefined (aborting on the first report)" OFF)
option(KIRCHHOFF_FUZZ "Build the libFuzzer harnesses in tests/fuzz/ (Clang; implies KIRCHHOFF_SANITIZE)" OFF)

if(KIRCHHOFF_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR
    "KIRCHHOFF_FUZZ needs Clang (libFuzzer), found ${CMAKE_CXX_COMPILER_ID}: configure a separate "
    "build directory with -DCMAKE_CXX_COMPILER=clang++-14 (Debian: clang-14 libclang-rt-14-dev "
    "libomp-14-dev).")
endif()

if(KIRCHHOFF_SANITIZE OR KIRCHHOFF_FUZZ)
  set(_kirchhoff_sanitizers -fsanitize=address,undefined -fno-sanitize-recover=all)
  # Frame pointers and line tables: readable stack traces in reports at little build cost.
  add_compile_options(${_kirchhoff_sanitizers} -fno-omit-frame-pointer
                      $<IF:$<CXX_COMPILER_ID:Clang>,-gline-tables-only,-g1>)
  add_link_options(${_kirchhoff_sanitizers})
  message(STATUS "Sanitizers: address, undefined (first report aborts)")
endif()

if(KIRCHHOFF_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
  message(STATUS "Fuzzing: libFuzzer harnesses in tests/fuzz/")
endif()
