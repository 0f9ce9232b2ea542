// Configuration -> random tile -> programmed cells -> circuit.
#include "cli/crossbar_setup.hpp"

#include <fmt/format.h>

#include "netlists/cell_programming.hpp"

namespace kirchhoff::cli {

CrossbarSetup crossbar_setup(const params::Config& config, bool with_circuit) {
    netlists::CrossbarConfig c = netlists::crossbar_config(config);
    netlists::RandomTile tile = netlists::random_tile(c);
    auto cells = netlists::program_cells(c, tile.g_siemens);
    netlists::CrossbarCircuit xbar{netlists::Circuit("kirchhoff crossbar (not built)"), c.spec, {}, {}, {}, {}, {}, {}, {}};
    if (with_circuit)
        xbar = netlists::build_crossbar(
            c.spec, cells, tile.v_volt,
            fmt::format("kirchhoff {}x{} {} crossbar seed {}", c.spec.rows, c.spec.cols, to_string(c.spec.cell), c.seed));
    return {std::move(c), std::move(tile), std::move(cells), std::move(xbar)};
}

}  // namespace kirchhoff::cli
