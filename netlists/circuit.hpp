// A circuit as data: named nodes, resistors, grounded voltage sources and nonlinear
// two-terminal elements. One Circuit is written out as a SPICE deck (spice_deck) and solved
// natively (cosim/nodal_solver.hpp), so ngspice and Kirchhoff's own solver always see the
// same circuit, element for element.
//
// Conventions: node 0 is ground, named "0". Element currents flow from terminal a (or p) to
// b (or n). Names follow SPICE: resistors start with R, voltage sources with V, subcircuit
// instances with X; node and element names are case-insensitive in ngspice and written in
// lower case here. Not here: what a crossbar looks like (crossbar_builder.hpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kirchhoff::netlists {

using NodeId = int;  // index into Circuit::node_names; 0 is ground

/// A static nonlinear two-terminal I-V with one per-instance parameter (the device's memory
/// variable at its programmed state, or unused). Written once for both solvers: current() and
/// conductance() for the nodal solver, spice_subckt() for ngspice, which must compute the
/// same function (tests check it).
class TwoTerminalModel {
public:
    virtual ~TwoTerminalModel() = default;
    /// Subcircuit name in the deck ("rram_read").
    virtual const std::string& name() const = 0;
    /// ".subckt NAME p n P=<default> ... .ends": current from p to n with instance parameter P.
    virtual std::string spice_subckt() const = 0;
    /// Name of the instance parameter in the subcircuit ("MEM"), or "" when there is none.
    virtual const std::string& parameter_name() const = 0;
    /// Current (A) from a to b at v = V(a) - V(b) and instance parameter p.
    virtual double current(double v_volt, double p) const = 0;
    /// dI/dV (S) at (v, p).
    virtual double conductance(double v_volt, double p) const = 0;
    /// Both at once, equal to the two calls within rounding (the nodal solver's cached path).
    virtual void current_and_conductance(double v_volt, double p, double& current_a, double& conductance_s) const {
        current_a = current(v_volt, p);
        conductance_s = conductance(v_volt, p);
    }
};

struct Resistor {
    std::string name;  // "rx3_4"
    NodeId a = 0, b = 0;
    double ohm = 0.0;  // > 0
};

struct VoltageSource {
    std::string name;  // "vrow3"
    NodeId p = 0;      // the driven node; the other terminal is ground
    double volt = 0.0;
};

struct NonlinearElement {
    std::string name;  // "xc3_4" (a subcircuit instance)
    NodeId a = 0, b = 0;
    int model = 0;          // index into Circuit::models
    double parameter = 0.0; // the model's instance parameter
};

class Circuit {
public:
    explicit Circuit(std::string title = "kirchhoff circuit");

    const std::string& title() const { return title_; }
    /// The node called `name`, created if new ("0" is ground).
    NodeId node(std::string name);
    /// A new node called `name`, which the caller guarantees is not taken (builders that make
    /// their names unique by construction skip the lookup; a repeat is caught, as a
    /// std::logic_error, the next time a name is looked up).
    NodeId add_node(std::string name);
    /// Capacity for this many nodes and elements (building large circuits without regrowth).
    void reserve(std::size_t nodes, std::size_t resistors, std::size_t nonlinear);
    /// The node called `name`; std::out_of_range if absent.
    NodeId find_node(std::string_view name) const;
    const std::string& node_name(NodeId id) const { return node_names_[std::size_t(id)]; }
    int node_count() const { return int(node_names_.size()); }  // ground included

    /// Adders check their arguments (std::invalid_argument naming the element).
    void add_resistor(std::string name, NodeId a, NodeId b, double ohm);
    void add_source(std::string name, NodeId p, double volt);
    int add_model(std::shared_ptr<const TwoTerminalModel> model);  // returns its index
    void add_nonlinear(std::string name, NodeId a, NodeId b, int model, double parameter);

    const std::vector<Resistor>& resistors() const { return resistors_; }
    const std::vector<VoltageSource>& sources() const { return sources_; }
    const std::vector<NonlinearElement>& nonlinear() const { return nonlinear_; }
    const std::vector<std::shared_ptr<const TwoTerminalModel>>& models() const { return models_; }
    std::vector<VoltageSource>& sources() { return sources_; }  // inputs change between reads
    /// A resistor's value or a nonlinear element's instance parameter changed in place (another
    /// tile's cells on the same circuit); checked like the adders (std::invalid_argument naming
    /// the element, std::out_of_range for a bad index).
    void set_resistance(std::size_t resistor, double ohm);
    void set_parameter(std::size_t element, double parameter);
    /// Index of the source called `name` in sources(); std::out_of_range if absent.
    std::size_t source_index(std::string_view name) const;

    /// Extra lines placed verbatim in the deck header (comments, options).
    std::vector<std::string> header_lines;

private:
    std::string title_;
    void index_nodes() const;  // brings node_ids_ up to date with node_names_

    std::vector<std::string> node_names_;
    mutable std::unordered_map<std::string, NodeId> node_ids_;  // name -> id, built lazily
    mutable std::size_t indexed_nodes_ = 0;                     // node_names_ covered by node_ids_
    std::vector<Resistor> resistors_;
    std::vector<VoltageSource> sources_;
    std::vector<NonlinearElement> nonlinear_;
    std::vector<std::shared_ptr<const TwoTerminalModel>> models_;
    std::unordered_map<std::string, std::size_t> source_ids_;
};

/// How a deck ends: bare (a session runs the analysis), or with a .control block that runs
/// `op` and prints `print_vectors` at 17 digits, so that `ngspice -b FILE` runs unchanged.
struct DeckEnding {
    std::vector<std::string> print_vectors;  // empty: bare deck
};

/// The circuit as an ngspice deck: title, header lines, `.options klu`, subcircuit
/// definitions, elements in insertion order, the optional .control block, `.end`. Numbers
/// carry 17 significant digits. Deterministic byte for byte.
std::string spice_deck(const Circuit& circuit, const DeckEnding& ending = {});

/// A `.control` block running `analysis` and printing `vectors` at full precision.
std::string batch_print_block(const std::string& analysis, const std::vector<std::string>& vectors);

/// "i(vsense3)": the ngspice vector holding a source's current.
std::string source_current_vector(std::string_view source_name);

}  // namespace kirchhoff::netlists
