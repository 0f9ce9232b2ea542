// Resistive crossbar deck writer (see resistive_crossbar.hpp for the node names).
#include "netlists/resistive_crossbar.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::netlists {

namespace {

void check(const ResistiveCrossbar& x) {
    const auto rows = x.g_siemens.rows(), cols = x.g_siemens.cols();
    if (rows < 1 || cols < 1)
        throw std::invalid_argument(fmt::format("crossbar needs at least 1x1 cells, got {}x{}", rows, cols));
    if (x.v_volt.size() != rows)
        throw std::invalid_argument(fmt::format(
            "crossbar input has {} voltages for {} rows", x.v_volt.size(), rows));
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c)
            if (!(x.g_siemens(r, c) > 0.0) || !std::isfinite(x.g_siemens(r, c)))
                throw std::invalid_argument(fmt::format(
                    "cell ({}, {}) conductance {} S must be finite and > 0", r, c, x.g_siemens(r, c)));
    for (Eigen::Index r = 0; r < rows; ++r)
        if (!std::isfinite(x.v_volt(r)))
            throw std::invalid_argument(fmt::format("row {} voltage {} V is not finite", r, x.v_volt(r)));
    for (double rw : {x.r_wire_row_ohm, x.r_wire_col_ohm})
        if (!(rw >= 0.0) || !std::isfinite(rw))
            throw std::invalid_argument(fmt::format("wire resistance {} ohm must be finite and >= 0", rw));
}

}  // namespace

std::string resistive_crossbar_deck(const ResistiveCrossbar& x, DeckEnding ending) {
    check(x);
    const auto rows = int(x.g_siemens.rows()), cols = int(x.g_siemens.cols());
    const bool row_wires = x.r_wire_row_ohm > 0.0, col_wires = x.r_wire_col_ohm > 0.0;
    auto row_node = [&](int r, int c) {
        return row_wires ? fmt::format("r{}_{}", r, c) : fmt::format("in{}", r);
    };
    auto col_node = [&](int r, int c) {
        return col_wires ? fmt::format("c{}_{}", r, c) : fmt::format("out{}", c);
    };

    std::string deck;
    deck.reserve(std::size_t(rows) * std::size_t(cols) * 90);
    deck += x.title + "\n";
    deck += fmt::format("* {} x {} resistive crossbar, word-line segment {:.17g} ohm, bit-line "
                        "segment {:.17g} ohm\n",
                        rows, cols, x.r_wire_row_ohm, x.r_wire_col_ohm);
    deck += ".options klu\n";
    for (int r = 0; r < rows; ++r) deck += fmt::format("Vrow{} in{} 0 DC {:.17g}\n", r, r, x.v_volt(r));
    if (row_wires)
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                deck += fmt::format("Rr{}_{} {} {} {:.17g}\n", r, c,
                                    c == 0 ? fmt::format("in{}", r) : row_node(r, c - 1),
                                    row_node(r, c), x.r_wire_row_ohm);
    if (col_wires)
        for (int c = 0; c < cols; ++c)
            for (int r = 0; r < rows; ++r)
                deck += fmt::format("Rc{}_{} {} {} {:.17g}\n", r, c, col_node(r, c),
                                    r + 1 < rows ? col_node(r + 1, c) : fmt::format("out{}", c),
                                    x.r_wire_col_ohm);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            deck += fmt::format("Rx{}_{} {} {} {:.17g}\n", r, c, row_node(r, c), col_node(r, c),
                                1.0 / x.g_siemens(r, c));
    for (int c = 0; c < cols; ++c) deck += fmt::format("Vsense{} out{} 0 DC 0\n", c, c);
    if (ending == DeckEnding::batch_print) deck += batch_print_block("op", column_current_vectors(cols));
    deck += ".end\n";
    return deck;
}

std::vector<std::string> column_current_vectors(int cols) {
    std::vector<std::string> out;
    out.reserve(std::size_t(cols));
    for (int c = 0; c < cols; ++c) out.push_back(fmt::format("i(vsense{})", c));
    return out;
}

std::string batch_print_block(const std::string& analysis, const std::vector<std::string>& vectors) {
    std::string out = ".control\nset numdgt=17\n" + analysis + "\n";
    for (const std::string& v : vectors) out += "print " + v + "\n";
    return out + ".endc\n";
}

}  // namespace kirchhoff::netlists
