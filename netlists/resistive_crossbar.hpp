// SPICE deck of a resistive crossbar read: linear cells, wire resistance, ideal row drivers,
// column currents sensed at virtual ground through 0 V sources.
//
// Layout and node names (netlists/README.md has the picture):
//   row r is driven at its left end by  Vrow<r> in<r> 0 DC v[r]
//   word line r at column c is node     r<r>_<c>   (segment Rr<r>_<c> from the node before it)
//   bit line c at row r is node         c<r>_<c>   (segment Rc<r>_<c> to the node below it)
//   the cell at (r, c) is               Rx<r>_<c> r<r>_<c> c<r>_<c> 1/G[r,c]
//   column c ends in                    Vsense<c> out<c> 0 DC 0
// Each wire has one segment per cell pitch: the driver's segment to the first cell, then one
// between neighbouring cells; on the bit line one between neighbouring cells, then the last
// cell's segment to the sense node. With zero wire resistance a line is a single node
// (in<r> or out<c>), so the deck computes exactly G^T v.
// The sense sources' currents, i(vsense<c>), are the column currents (positive into the
// array's sense side). Deterministic: the same inputs give the same text, byte for byte.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

namespace kirchhoff::netlists {

struct ResistiveCrossbar {
    Eigen::MatrixXd g_siemens;     // (rows, cols) cell conductances, each > 0
    Eigen::VectorXd v_volt;        // (rows) row driver voltages
    double r_wire_row_ohm = 0.0;   // word-line resistance per cell pitch, >= 0
    double r_wire_col_ohm = 0.0;   // bit-line resistance per cell pitch, >= 0
    std::string title = "kirchhoff resistive crossbar";
};

/// How the deck ends: bare (for NgspiceSession, which runs the analysis itself) or with a
/// .control block that runs `op` and prints the column currents at 17 digits, so that
/// `ngspice -b FILE` runs it unchanged.
enum class DeckEnding { bare, batch_print };

/// The deck. Throws std::invalid_argument for mismatched shapes or bad values.
std::string resistive_crossbar_deck(const ResistiveCrossbar& xbar,
                                    DeckEnding ending = DeckEnding::bare);

/// "i(vsense<c>)" for c in [0, cols): the vectors holding the column currents.
std::vector<std::string> column_current_vectors(int cols);

/// A `.control` block running `analysis` and printing `vectors` at full precision.
std::string batch_print_block(const std::string& analysis, const std::vector<std::string>& vectors);

}  // namespace kirchhoff::netlists
