#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Kirchhoff and runs one of the two README jobs:
#   scripts/bootstrap.sh main   installs what is missing, builds, runs the main job
#   scripts/bootstrap.sh test   installs what is missing, builds, runs the whole test suite
# and the sanitizer gate that CI runs after the tests (README "Reliability"):
#   scripts/bootstrap.sh sanitize   builds with Clang, AddressSanitizer + UBSan and the libFuzzer
#       harnesses in build-sanitize/ (KIRCHHOFF_SANITIZE_BUILD_DIR), runs the quick and ngspice
#       tests there, replays the fuzz corpus, then runs each fuzzer for KIRCHHOFF_FUZZ_SECONDS
#       (default 30) from its seed corpus.
# Packages come from Debian; ngspice (46, with KLU) and Catch2 3 from bookworm-backports,
# which this script adds when it is missing. Safe to run again: it only installs what is absent.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  main|test|sanitize) ;;
  *) echo "usage: $0 main|test|sanitize" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${KIRCHHOFF_BUILD_DIR:-$root/build}"
jobs="$(nproc)"

# --- packages -------------------------------------------------------------------------
# Why each: ngspice + libngspice0-dev (the circuit reference), libeigen3-dev (sparse and dense
# linear algebra), libboost-dev (odeint), libtomlplusplus-dev (TOML configs), libcli11-dev (CLI
# parsing), nlohmann-json3-dev (JSON results and safetensors headers), libfmt-dev (formatting),
# catch2 (tests), gnuplot-nox (plots), adms (parses the Verilog-A twins in devices/va/ in the
# tests), cmake + ninja-build + g++ + pkg-config (the build).
debian_packages=(g++ cmake ninja-build pkg-config libeigen3-dev libboost-dev libtomlplusplus-dev
                 libcli11-dev nlohmann-json3-dev libfmt-dev gnuplot-nox adms)
backports_packages=(ngspice libngspice0-dev catch2)
# The Python module (python/): pybind11-dev (the bindings), python3-dev (Python.h), python3-numpy
# (its arrays, at run time).
# Installed without their recommendations (python3-torch's would add libtorch-dev).
python_packages=(pybind11-dev python3-dev python3-numpy)
# Its tests: python3-pytest (run by ctest), python3-matplotlib (the example's plot) and
# python3-torch (kirchhoff.torch and the example; Debian's 1.13, CPU only: 567 MB installed,
# 135 MB of packages, 195 s to install here); python3-venv, python3-pip, python3-setuptools and
# python3-wheel for python_install (`pip install .` into a venv, no network).
if [ "$mode" = test ]; then
  python_packages+=(python3-pytest python3-matplotlib python3-torch python3-venv python3-pip python3-setuptools
    python3-wheel)
fi
# The tests also run `kirchhoff sweep` under mpirun with 2 ranks: OpenMPI (libopenmpi-dev for the
# build, openmpi-bin for mpirun). MPI stays optional for the main job.
if [ "$mode" != main ]; then debian_packages+=(libopenmpi-dev openmpi-bin); fi
# The sanitizer gate: Clang 16 (clang-16; 14 cannot compile this tree's C++20: lambdas capturing
# structured bindings), its sanitizer and libFuzzer runtimes (libclang-rt-16-dev) and its
# OpenMP (libomp-16-dev).
if [ "$mode" = sanitize ]; then debian_packages+=(clang-16 libclang-rt-16-dev libomp-16-dev); fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${debian_packages[@]}" "${backports_packages[@]}" "${python_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# ngspice older than 42 (bookworm ships 39, with the slow Sparse 1.3 solver) counts as missing.
ngspice_version="$(dpkg-query -W -f='${Version}' libngspice0-dev 2>/dev/null || true)"
if [ -n "$ngspice_version" ] && dpkg --compare-versions "$ngspice_version" lt 42; then
  missing+=(ngspice libngspice0-dev)
fi
catch2_version="$(dpkg-query -W -f='${Version}' catch2 2>/dev/null || true)"
if [ -n "$catch2_version" ] && dpkg --compare-versions "$catch2_version" lt 3; then
  missing+=(catch2)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "bootstrap: adding bookworm-backports (ngspice 46 with KLU, Catch2 3)"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/kirchhoff-backports.sources > /dev/null
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${debian_packages[@]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq -t bookworm-backports "${backports_packages[@]}"
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${python_packages[@]}"
fi

if [ "$mode" = sanitize ]; then exec "$root/scripts/sanitize.sh"; fi

# --- build ----------------------------------------------------------------------------
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"

# --- run ------------------------------------------------------------------------------
if [ "$mode" = test ]; then
  cd "$build"
  exec ctest --output-on-failure -j "$jobs" --timeout 900
fi
"$build/bin/kirchhoff" --version
# The mission on a nonlinear device (validation/configs/main_stanford.toml: Stanford-PKU RRAM,
# 0.3 V reads, 1 ohm wires; ohmic cells: add --set device.preset=linear to the two commands):
# 1. the device I-V table from ngspice DC sweeps and the surrogate fitted to full circuit solves;
# 2. held-out tiles re-solved by ngspice itself against the surrogate;
# 3. the shipped model on those tiles: digital vs analog perplexity, 1% of each layer's MVMs
#    re-solved as full circuits (nodal), and the first 16 tokens scored again with every MVM a
#    circuit solve (the circuit reference: the surrogate's share of the analog error).
#    ADC ranges and output calibration are fitted on 32 training-split tokens before scoring
#    (calibration.tokens; the default 256 would make the circuit reference, which replays the
#    calibration pass with every MVM a circuit solve, take minutes instead of seconds).
out="$root/out/main"
mkdir -p "$out"
main_config="$root/validation/configs/main_stanford.toml"
"$build/bin/kirchhoff" fit --config "$main_config" --out "$out/stanford.safetensors"
"$build/bin/kirchhoff" check --tables "$out/stanford.safetensors" --samples 2
exec "$build/bin/kirchhoff" run --config "$main_config" --tables "$out/stanford.safetensors" --tokens 128 \
  --reference-tokens 16 --set calibration.tokens=32 --out "$out"
