// `kirchhoff --version`: Kirchhoff's version, the ngspice it loads, and the solver in use.
#pragma once

#include <string>

namespace kirchhoff::cli {

/// Loads ngspice, solves a two-resistor deck, and reports which linear solver ngspice used.
/// Never throws: a missing or broken ngspice is reported in the text.
std::string version_report();

/// Kirchhoff's version ("0.1.0").
std::string kirchhoff_version();
/// The version of the ngspice library Kirchhoff loads ("46"), or "unavailable: <why>".
std::string ngspice_version();

}  // namespace kirchhoff::cli
