// Configuration -> random tile -> programmed cells -> circuit -> deck.
#include "netlists/crossbar_setup.hpp"

#include <fmt/format.h>

#include "netlists/cell_programming.hpp"

namespace kirchhoff::netlists {

CrossbarCircuit configured_crossbar(const CrossbarConfig& c, const std::vector<CellArray>& cells,
                                    const Eigen::VectorXd& v_volt) {
    return build_crossbar(
        c.spec, cells, v_volt,
        fmt::format("kirchhoff {}x{} {} crossbar seed {}", c.spec.rows, c.spec.cols, to_string(c.spec.cell), c.seed));
}

CrossbarSetup crossbar_setup(const params::Config& config, bool with_circuit) {
    CrossbarConfig c = crossbar_config(config);
    RandomTile tile = random_tile(c);
    std::vector<CellArray> cells = program_cells(c, tile.g_siemens);
    CrossbarCircuit xbar{Circuit("kirchhoff crossbar (not built)"), c.spec, {}, {}, {}, {}, {}, {}, {}};
    if (with_circuit) xbar = configured_crossbar(c, cells, tile.v_volt);
    return {std::move(c), std::move(tile), std::move(cells), std::move(xbar)};
}

std::string standalone_deck(const CrossbarCircuit& xbar) {
    DeckEnding ending;
    for (const std::string& v : xbar.sense_vectors())
        if (!v.empty()) ending.print_vectors.push_back(v);
    return spice_deck(xbar.circuit, ending);
}

}  // namespace kirchhoff::netlists
