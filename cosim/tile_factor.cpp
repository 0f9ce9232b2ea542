// The memory a kept tile factorisation holds (tile_factor.hpp).
#include "cosim/tile_factor.hpp"

#include <string>

namespace kirchhoff::cosim {

namespace {

// A name's heap bytes beyond the std::string object (short names live inside it).
double heap_bytes(const std::string& s) {
    return s.capacity() > std::string().capacity() ? double(s.capacity() + 1) : 0.0;
}

template <class T>
double vector_bytes(const std::vector<T>& v) {
    return double(v.capacity()) * sizeof(T);
}

double circuit_bytes(const netlists::Circuit& c) {
    double b = vector_bytes(c.resistors()) + vector_bytes(c.sources()) + vector_bytes(c.nonlinear());
    for (const auto& r : c.resistors()) b += heap_bytes(r.name);
    for (const auto& s : c.sources()) b += heap_bytes(s.name);
    for (const auto& e : c.nonlinear()) b += heap_bytes(e.name);
    for (int v = 0; v < c.node_count(); ++v) b += sizeof(std::string) + heap_bytes(c.node_name(v));
    return b;
}

double maps_bytes(const netlists::CrossbarCircuit& x) {
    double b = vector_bytes(x.row_sources) + vector_bytes(x.sense_sources) + vector_bytes(x.node_point) +
               vector_bytes(x.node_layer);
    for (const auto* maps : {&x.row_nodes, &x.col_nodes, &x.cell_nodes, &x.cell_elements})
        for (const Eigen::MatrixXi& m : *maps) b += double(m.size()) * sizeof(int);
    return b;
}

}  // namespace

double TileFactor::bytes() const {
    double b = sizeof(TileFactor);
    if (xbar) b += sizeof(netlists::CrossbarCircuit) + circuit_bytes(xbar->circuit) + maps_bytes(*xbar);
    if (solver) b += solver->ohmic_bytes();
    return b;
}

}  // namespace kirchhoff::cosim
