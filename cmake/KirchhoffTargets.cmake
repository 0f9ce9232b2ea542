# Helpers that every folder uses to declare its library and its tests the same way.
include_guard(GLOBAL)

# kirchhoff_library(<folder> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the static library kirchhoff_<folder>, aliased kirchhoff::<folder>. Headers are
# included as "<folder>/<file>.hpp" from the project root.
function(kirchhoff_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kirchhoff_${folder} STATIC ${ARG_SOURCES})
  add_library(kirchhoff::${folder} ALIAS kirchhoff_${folder})
  target_include_directories(kirchhoff_${folder} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_features(kirchhoff_${folder} PUBLIC cxx_std_20)
  target_compile_options(kirchhoff_${folder} PRIVATE -Wall -Wextra -Wpedantic)
  target_link_libraries(kirchhoff_${folder} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(kirchhoff_${folder} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# kirchhoff_test(<name> SOURCES ... LIBS ... [TIMEOUT seconds])
# One Catch2 executable; each TEST_CASE becomes a CTest test labelled from its Catch2 tags:
# [slow] -> slow, else [ngspice] -> ngspice, else quick. `ctest -L quick` runs what needs
# neither ngspice nor time; `ctest -LE slow` everything but the slow cases. (Catch2 3.7's
# catch_discover_tests cannot turn tags into labels itself, so each label is one discovery
# call over the matching test specification; the specifications partition the cases.)
function(kirchhoff_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  # kirchhoff::io: tests/support/run_program.hpp starts programs through io/child_process.hpp.
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} kirchhoff::io Catch2::Catch2WithMain)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})  # tests/support/
  target_compile_options(${name} PRIVATE -Wall -Wextra)
  target_compile_definitions(${name} PRIVATE
    KIRCHHOFF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KIRCHHOFF_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    KIRCHHOFF_NGSPICE_PROGRAM="${KIRCHHOFF_NGSPICE_PROGRAM}")
  foreach(part "~[ngspice]~[slow]=quick" "[ngspice]~[slow]=ngspice" "[slow]=slow")
    string(REPLACE "=" ";" part "${part}")
    list(GET part 0 spec)
    list(GET part 1 label)
    catch_discover_tests(${name}
      TEST_SPEC "${spec}"
      PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS ${label})
  endforeach()
endfunction()

# kirchhoff_bench(<name> LIBS ...)
# A benchmark program bench/<name>.cpp, built into ${PROJECT_BINARY_DIR}/bin. Not a test.
function(kirchhoff_bench name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  add_executable(${name} ${name}.cpp ${PROJECT_SOURCE_DIR}/bench/heap_setup.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} kirchhoff::io CLI11::CLI11 fmt::fmt)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()
