// The `kirchhoff` subcommands. Each add_*_command registers one subcommand, its options and
// its action on the application; main.cpp only wires them together and maps errors to exit
// codes.
#pragma once

#include <CLI/CLI.hpp>

namespace kirchhoff::cli {

void add_spice_command(CLI::App& app);  // run a user's deck through the ngspice engine
void add_solve_command(CLI::App& app);  // one crossbar MVM on a configured tile
void add_netlist_command(CLI::App& app);  // write a configured tile's deck
void add_sneak_command(CLI::App& app);    // sneak-path read-margin study
void add_fit_command(CLI::App& app);      // fit and check tile surrogates
void add_device_command(CLI::App& app);   // single-device characterisation (devices/)
void add_train_command(CLI::App& app);    // train a small character model (training/)
void add_run_command(CLI::App& app);       // transformer perplexity, digital vs crossbars, with validation
void add_generate_command(CLI::App& app);  // text generation, digital or on crossbars
void add_sweep_command(CLI::App& app);     // accuracy-vs-nonideality studies (validation/study.hpp)

/// What the `ideal` engine is, for the --engine help of solve, run and generate.
inline constexpr const char* ideal_engine_help =
    "ideal: G^T v of the target conductances, the digital reference; it ignores wires, 1T1R access transistors, "
    "1S1R selectors and device I-V nonlinearity (the circuit engines model them)";

}  // namespace kirchhoff::cli
