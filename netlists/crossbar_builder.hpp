// Builds the Circuit of a crossbar tile from its spec, its programmed cells and its inputs.
//
// Node and element names (netlists/README.md has the picture); <P> is "" for a single array,
// "p" / "m" for the two arrays of a differential-arrays tile; r is the row, c the physical
// column, both from 0:
//   in<r>        row driver node, Vrow<r> (shared by both arrays); Rdrv<P><r> when the
//                driver has output resistance, then the first word-line segment
//   <P>r<r>_<c>  word line r at column c        Rr<P><r>_<c>: segment into it
//   <P>c<r>_<c>  bit line c at row r            Rc<P><r>_<c>: segment out of it towards sense
//   <P>m<r>_<c>  between access element and cell (1T1R, 1S1R)
//   cells:       Rx<P><r>_<c> (linear) or Xx<P><r>_<c> (device subcircuit); access: Rt<P><r>_<c>
//                (transistor switch) or Xs<P><r>_<c> (selector)
//   <P>out<c>    bit-line end; Vsense<P><c> at 0 V (virtual ground), or Rtia<P><c> to
//                <P>s<c> and Vsense<P><c> there (TIA); in select mode unselected columns
//                end in a bias source of the same name, or float (no source)
// Column currents are i(vsense<P><c>), positive into the sense side. With zero wire
// resistance a line is one node (in<r>, <P>out<c>).
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "netlists/circuit.hpp"
#include "netlists/crossbar_spec.hpp"

namespace kirchhoff::netlists {

/// The programmed cells of one array.
struct CellArray {
    std::shared_ptr<const TwoTerminalModel> model;  // nullptr: ohmic cells
    Eigen::MatrixXd value;  // (rows, physical cols): conductance in S for ohmic cells, else the
                            // model's instance parameter (the memory state)
};

inline constexpr std::size_t no_source = std::numeric_limits<std::size_t>::max();

struct CrossbarCircuit {
    Circuit circuit;
    CrossbarSpec spec;
    std::vector<std::size_t> row_sources;    // (rows): index in circuit.sources(), or no_source
    std::vector<std::size_t> sense_sources;  // (arrays * physical cols), array-major; no_source if floating
    std::vector<Eigen::MatrixXi> row_nodes;  // per array (rows, physical cols): word-line node at each cell
    std::vector<Eigen::MatrixXi> col_nodes;  // per array (rows, physical cols): bit-line node at each cell
    std::vector<Eigen::MatrixXi> cell_nodes; // per array (rows, physical cols): the memory element's
                                             // upper terminal (word-line node, or the access node)
    std::vector<Eigen::MatrixXi> cell_elements;  // per array (rows, physical cols): the memory element,
                                                 // k >= 0 resistor k, k < 0 nonlinear element -k - 1
    std::vector<int> node_point;  // (node_count): grid point a * rows * cols + r * cols + c (physical
                                  // cols) each node sits at, -1 for ground and shared driver nodes
    std::vector<signed char> node_layer;  // (node_count): 0 word line, 1 between access element
                                          // and cell, 2 bit line (and sense nodes)

    /// Read mode: sets the row voltages (rows) without rebuilding the circuit.
    void set_inputs(const Eigen::VectorXd& v_volt);
    /// Puts another tile's cells of the same kind in place of the memory elements' values
    /// (ohmic: their resistances 1/g; device: their instance parameters), without rebuilding:
    /// the circuit then equals build_crossbar(spec, cells, ...)'s. std::invalid_argument, before
    /// any change, when the cells differ in count, shape, kind (ohmic or device) or device model
    /// (by name: one name is one preset's I-V), or hold a value that is not finite (or a
    /// conductance <= 0).
    void set_cells(const std::vector<CellArray>& cells);
    /// The vectors holding the sense currents, in sense_sources order ("" where floating).
    std::vector<std::string> sense_vectors() const;
    /// Logical outputs (cols) from the sense currents (arrays * physical cols): the currents
    /// themselves, or G+ minus G- for differential tiles.
    Eigen::VectorXd outputs(const Eigen::VectorXd& sense_currents) const;
};

/// Elimination order of the tile's nodes for a sparse factorisation: nested dissection of the
/// grid of cell positions, splitting the longer side each time. Word lines only run along
/// rows and bit lines only along columns, so the word-line nodes of one column separate its
/// left from its right, and the bit-line nodes of one row its top from its bottom: separators
/// of N nodes. Fill grows as N^2 log N, well below AMD's on these grids.
std::vector<NodeId> nested_dissection_order(const CrossbarCircuit& xbar);

/// Builds the tile. `cells` holds one CellArray (two for Differential::arrays); `v_volt` the
/// row voltages in read mode (rows), or one value, the select voltage, in select mode.
/// Throws std::invalid_argument for inconsistent shapes or values.
CrossbarCircuit build_crossbar(const CrossbarSpec& spec, const std::vector<CellArray>& cells,
                               const Eigen::VectorXd& v_volt, std::string title = "kirchhoff crossbar");

/// Logical outputs (cols) from sense currents (arrays * physical cols, array-major): the
/// currents themselves, or G+ minus G- for differential tiles.
Eigen::VectorXd logical_outputs(const CrossbarSpec& spec, const Eigen::VectorXd& sense_currents);

/// Ideal outputs: (G^T v) per array, combined like CrossbarCircuit::outputs. Only for ohmic
/// cells or with `g` holding conductances: (rows, physical cols) per array.
Eigen::VectorXd ideal_outputs(const CrossbarSpec& spec, const std::vector<Eigen::MatrixXd>& g,
                              const Eigen::VectorXd& v_volt);

}  // namespace kirchhoff::netlists
