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

CrossbarSetup crossbar_setup(const params::Config& config) {
    CrossbarConfig c = crossbar_config(config);
    RandomTile tile = random_tile(c);
    CrossbarCircuit xbar = configured_crossbar(c, program_cells(c, tile.g_siemens), tile.v_volt);
    return {std::move(c), std::move(tile), std::move(xbar)};
}

std::string standalone_deck(const CrossbarCircuit& xbar) {
    DeckEnding ending;
    for (const std::string& v : xbar.sense_vectors())
        if (!v.empty()) ending.print_vectors.push_back(v);
    return spice_deck(xbar.circuit, ending);
}

}  // namespace kirchhoff::netlists
