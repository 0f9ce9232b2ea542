# Finds Kirchhoff's dependencies as imported targets and fails with a message that names the
# Debian package to install. scripts/bootstrap.sh installs all of them on Debian 12.
include_guard(GLOBAL)

set(_kirchhoff_install_hint
    "Run scripts/bootstrap.sh (it adds bookworm-backports and installs every package), or install the package named above with apt-get.")

macro(kirchhoff_require_package name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR
      "Kirchhoff needs ${name}, which was not found. Debian package: ${debian_package}. "
      "${_kirchhoff_install_hint}")
  endif()
endmacro()

kirchhoff_require_package(Eigen3 libeigen3-dev 3.3 NO_MODULE)
kirchhoff_require_package(Boost libboost-dev 1.74)
kirchhoff_require_package(OpenMP "libgomp1 (part of g++)" COMPONENTS CXX)
kirchhoff_require_package(tomlplusplus libtomlplusplus-dev 3)
kirchhoff_require_package(CLI11 libcli11-dev)
kirchhoff_require_package(nlohmann_json nlohmann-json3-dev 3)
kirchhoff_require_package(fmt libfmt-dev)
if(KIRCHHOFF_BUILD_TESTS)
  kirchhoff_require_package(Catch2 "catch2 (version 3, from bookworm-backports)" 3)
endif()

# ngspice: the shared library (libngspice0-dev). Kirchhoff loads it at run time with dlopen so that
# renamed copies can run side by side (cosim/ngspice_library.cpp), so the imported target
# carries the header and the library's path rather than a link dependency.
set(KIRCHHOFF_NGSPICE_MIN_VERSION 42)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(NGSPICE_PC QUIET ngspice)
endif()
find_path(NGSPICE_INCLUDE_DIR ngspice/sharedspice.h HINTS ${NGSPICE_PC_INCLUDEDIR})
find_library(NGSPICE_LIBRARY NAMES ngspice HINTS ${NGSPICE_PC_LIBDIR})
if(NOT NGSPICE_INCLUDE_DIR OR NOT NGSPICE_LIBRARY)
  message(FATAL_ERROR
    "Kirchhoff needs the ngspice shared library (version ${KIRCHHOFF_NGSPICE_MIN_VERSION} or newer, "
    "built with KLU), which was not found. Debian package: libngspice0-dev from bookworm-backports "
    "(bookworm itself ships 39, which is about 100x slower on crossbars). ${_kirchhoff_install_hint}")
endif()
file(STRINGS ${NGSPICE_INCLUDE_DIR}/ngspice/sharedspice.h _ngspice_version_line
     REGEX "define NGSPICE_PACKAGE_VERSION")
string(REGEX MATCH "\"([0-9]+)" _ngspice_version_match "${_ngspice_version_line}")
set(NGSPICE_VERSION "${CMAKE_MATCH_1}")
if(NOT NGSPICE_VERSION AND NGSPICE_PC_VERSION)
  set(NGSPICE_VERSION "${NGSPICE_PC_VERSION}")
endif()
if(NOT NGSPICE_VERSION OR NGSPICE_VERSION VERSION_LESS KIRCHHOFF_NGSPICE_MIN_VERSION)
  message(FATAL_ERROR
    "ngspice ${NGSPICE_VERSION} found at ${NGSPICE_LIBRARY} is too old: Kirchhoff needs "
    "${KIRCHHOFF_NGSPICE_MIN_VERSION} or newer with KLU. Install libngspice0-dev from "
    "bookworm-backports. ${_kirchhoff_install_hint}")
endif()
get_filename_component(NGSPICE_LIBRARY_REAL ${NGSPICE_LIBRARY} REALPATH)
add_library(ngspice::ngspice INTERFACE IMPORTED)
target_include_directories(ngspice::ngspice INTERFACE ${NGSPICE_INCLUDE_DIR})
target_link_libraries(ngspice::ngspice INTERFACE ${CMAKE_DL_LIBS})
message(STATUS "ngspice ${NGSPICE_VERSION}: ${NGSPICE_LIBRARY_REAL}")

find_program(KIRCHHOFF_NGSPICE_PROGRAM ngspice)
find_program(KIRCHHOFF_GNUPLOT_PROGRAM gnuplot)
find_package(Threads REQUIRED)

# MPI (optional; Debian: libopenmpi-dev openmpi-bin): `mpirun -n K kirchhoff sweep` spreads a
# study's points over ranks. Without it the sweep runs in one process or as --shard i/n.
option(KIRCHHOFF_MPI "Build kirchhoff sweep with MPI when an MPI library is found" ON)
set(KIRCHHOFF_WITH_MPI OFF)
if(KIRCHHOFF_MPI)
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(KIRCHHOFF_WITH_MPI ON)
    message(STATUS "MPI ${MPI_CXX_VERSION} (${MPIEXEC_EXECUTABLE}): kirchhoff sweep runs under mpirun")
  else()
    message(STATUS "MPI not found (Debian: libopenmpi-dev openmpi-bin): kirchhoff sweep without mpirun")
  endif()
endif()
