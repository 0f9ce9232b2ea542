// The `kirchhoff` program: one binary, one subcommand per task. Errors end the run with a
// one-line message and a non-zero exit: 2 for bad input (a file, flag or configuration
// value), 3 for a circuit solve ngspice could not do, 1 for anything else.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_status.hpp"
#include "cli/version.hpp"
#include "io/heap_tuning.hpp"

int main(int argc, char** argv) {
    kirchhoff::io::keep_freed_heap_memory();  // circuit solves reuse their large blocks (io/heap_tuning.hpp)
    CLI::App app("Kirchhoff: circuit-accurate co-simulation of analog in-memory computing for transformers",
                 "kirchhoff");
    app.set_version_flag("--version", [] { return kirchhoff::cli::version_report(); });
    app.require_subcommand(1);
    kirchhoff::cli::add_spice_command(app);
    kirchhoff::cli::add_solve_command(app);
    kirchhoff::cli::add_netlist_command(app);
    kirchhoff::cli::add_sneak_command(app);
    kirchhoff::cli::add_fit_command(app);
    kirchhoff::cli::add_device_command(app);
    kirchhoff::cli::add_train_command(app);
    kirchhoff::cli::add_run_command(app);
    kirchhoff::cli::add_generate_command(app);
    kirchhoff::cli::add_sweep_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version end here too, with status 0; a bad flag is bad input.
        const int status = app.exit(e);
        return status == 0 ? 0 : 2;
    } catch (...) {
        return kirchhoff::cli::report_error(std::current_exception());
    }
    return 0;
}
