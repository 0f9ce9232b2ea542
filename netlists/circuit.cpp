// Circuit storage and its SPICE deck.
#include "netlists/circuit.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace kirchhoff::netlists {

namespace {

// SPICE names are ASCII; ngspice folds them to lower case, and so does the circuit.
std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

void check_ohm(const std::string& name, double ohm) {
    if (!(ohm > 0.0) || !std::isfinite(ohm))
        throw std::invalid_argument(fmt::format("resistor {}: {} ohm must be finite and > 0", name, ohm));
}

void check_parameter(const std::string& name, double parameter) {
    if (!std::isfinite(parameter))
        throw std::invalid_argument(fmt::format("element {}: parameter {} is not finite", name, parameter));
}

void check_nodes(const std::string& name, NodeId a, NodeId b, int count) {
    if (a < 0 || b < 0 || a >= count || b >= count)
        throw std::invalid_argument(fmt::format("element {}: node index out of range", name));
    if (a == b) throw std::invalid_argument(fmt::format("element {}: both terminals on one node", name));
}

}  // namespace

Circuit::Circuit(std::string title) : title_(std::move(title)) { node("0"); }

void Circuit::index_nodes() const {
    for (; indexed_nodes_ < node_names_.size(); ++indexed_nodes_)
        if (!node_ids_.try_emplace(node_names_[indexed_nodes_], NodeId(indexed_nodes_)).second)
            throw std::logic_error(fmt::format("circuit '{}': node name '{}' added twice", title_,
                                               node_names_[indexed_nodes_]));
}

NodeId Circuit::node(std::string name) {
    name = lower(std::move(name));
    index_nodes();
    const auto [it, inserted] = node_ids_.try_emplace(name, NodeId(node_names_.size()));
    if (inserted) {
        node_names_.push_back(std::move(name));
        ++indexed_nodes_;
    }
    return it->second;
}

NodeId Circuit::add_node(std::string name) {
    node_names_.push_back(lower(std::move(name)));
    return NodeId(node_names_.size() - 1);
}

void Circuit::reserve(std::size_t nodes, std::size_t resistors, std::size_t nonlinear) {
    node_names_.reserve(nodes);
    node_ids_.reserve(nodes);
    resistors_.reserve(resistors);
    nonlinear_.reserve(nonlinear);
}

NodeId Circuit::find_node(std::string_view name) const {
    index_nodes();
    const auto it = node_ids_.find(lower(std::string(name)));
    if (it == node_ids_.end()) throw std::out_of_range(fmt::format("no node '{}' in circuit '{}'", name, title_));
    return it->second;
}

void Circuit::add_resistor(std::string name, NodeId a, NodeId b, double ohm) {
    check_nodes(name, a, b, node_count());
    check_ohm(name, ohm);
    resistors_.push_back({lower(std::move(name)), a, b, ohm});
}

void Circuit::set_resistance(std::size_t k, double ohm) {
    Resistor& r = resistors_.at(k);
    check_ohm(r.name, ohm);
    r.ohm = ohm;
}

void Circuit::set_parameter(std::size_t k, double parameter) {
    NonlinearElement& e = nonlinear_.at(k);
    check_parameter(e.name, parameter);
    e.parameter = parameter;
}

void Circuit::add_source(std::string name, NodeId p, double volt) {
    check_nodes(name, p, 0, node_count());
    if (!std::isfinite(volt)) throw std::invalid_argument(fmt::format("source {}: {} V is not finite", name, volt));
    std::string key = lower(std::move(name));
    if (!source_ids_.emplace(key, sources_.size()).second)
        throw std::invalid_argument(fmt::format("source {} declared twice", key));
    sources_.push_back({std::move(key), p, volt});
}

std::size_t Circuit::source_index(std::string_view name) const {
    const auto it = source_ids_.find(lower(std::string(name)));
    if (it == source_ids_.end()) throw std::out_of_range(fmt::format("no source '{}' in circuit '{}'", name, title_));
    return it->second;
}

int Circuit::add_model(std::shared_ptr<const TwoTerminalModel> model) {
    if (!model) throw std::invalid_argument("null two-terminal model");
    for (const auto& m : models_)
        if (m->name() == model->name())
            throw std::invalid_argument(fmt::format("two-terminal model {} added twice", model->name()));
    models_.push_back(std::move(model));
    return int(models_.size()) - 1;
}

void Circuit::add_nonlinear(std::string name, NodeId a, NodeId b, int model, double parameter) {
    check_nodes(name, a, b, node_count());
    if (model < 0 || model >= int(models_.size()))
        throw std::invalid_argument(fmt::format("element {}: unknown model index {}", name, model));
    check_parameter(name, parameter);
    nonlinear_.push_back({lower(std::move(name)), a, b, model, parameter});
}

std::string spice_deck(const Circuit& c, const DeckEnding& ending) {
    std::string deck;
    deck.reserve(64 * (c.resistors().size() + c.nonlinear().size() + c.sources().size()) + 256);
    deck += c.title() + "\n";
    for (const std::string& line : c.header_lines) deck += line + "\n";
    deck += ".options klu\n";
    for (const auto& m : c.models()) deck += m->spice_subckt();
    for (const VoltageSource& v : c.sources())
        deck += fmt::format("{} {} 0 DC {}\n", v.name, c.node_name(v.p), v.volt);
    for (const Resistor& r : c.resistors())
        deck += fmt::format("{} {} {} {}\n", r.name, c.node_name(r.a), c.node_name(r.b), r.ohm);
    for (const NonlinearElement& e : c.nonlinear()) {
        const TwoTerminalModel& m = *c.models()[std::size_t(e.model)];
        if (m.parameter_name().empty())
            deck += fmt::format("{} {} {} {}\n", e.name, c.node_name(e.a), c.node_name(e.b), m.name());
        else
            deck += fmt::format("{} {} {} {} {}={}\n", e.name, c.node_name(e.a), c.node_name(e.b),
                                m.name(), m.parameter_name(), e.parameter);
    }
    if (!ending.print_vectors.empty()) deck += batch_print_block("op", ending.print_vectors);
    deck += ".end\n";
    return deck;
}

std::string batch_print_block(const std::string& analysis, const std::vector<std::string>& vectors) {
    std::string out = ".control\nset numdgt=17\n" + analysis + "\n";
    for (const std::string& v : vectors) out += "print " + v + "\n";
    return out + ".endc\n";
}

std::string source_current_vector(std::string_view source_name) {
    return fmt::format("i({})", lower(std::string(source_name)));
}

}  // namespace kirchhoff::netlists
