// `kirchhoff netlist [--config F] [--set k=v ...] --out FILE`: the configured tile's deck as a
// .cir file that `ngspice -b FILE` runs unchanged, printing the column currents in order.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "cosim/solve_memory.hpp"
#include "netlists/crossbar_setup.hpp"
#include "io/atomic_file.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

namespace {

void run(const std::string& out_path, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    cosim::check_memory_budget(netlists::crossbar_config(config), "netlist");  // before the circuit is built
    const netlists::CrossbarSetup setup = netlists::crossbar_setup(config);
    print_effective_config(config);
    io::prepare_output_file(out_path, "--out");
    io::write_file_atomic(out_path, netlists::standalone_deck(setup.xbar));
    fmt::print(stderr, "wrote {} ({} nodes, {} resistors, {} nonlinear elements); run it with: ngspice -b {}\n",
               out_path, setup.xbar.circuit.node_count(), setup.xbar.circuit.resistors().size(),
               setup.xbar.circuit.nonlinear().size(), out_path);
}

}  // namespace

void add_netlist_command(CLI::App& app) {
    auto out_path = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("netlist", "Write the configured tile as an ngspice deck (.cir)");
    cmd->add_option("--out", *out_path, "the deck file to write; ngspice -b runs it and prints i(vsense<c>) in column order")
        ->required()
        ->type_name("FILE");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, netlists::crossbar_schema());
    cmd->callback([out_path, config_options] { run(*out_path, *config_options); });
}

}  // namespace kirchhoff::cli
