// A tile's circuit with its direct factorisation made: the linearised tile the surrogate's build
// solved on (tile_surrogate.hpp). For ohmic cells it is the tile's own circuit, element for element
// and in the same nested-dissection order as the nodal engine builds it (tile_solver.cpp), so a
// nodal engine on it (make_nodal_engine(tile, factor), mvm_engine.hpp) gives bitwise the outputs of
// a fresh one and solves by one substitution, without ordering or factorising again. The validation
// of an ohmic tile then costs one substitution (analog/check_cache.hpp keeps these within a memory
// budget).
#pragma once

#include <memory>

#include "cosim/nodal_solver.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::cosim {

struct TileFactor {
    std::unique_ptr<netlists::CrossbarCircuit> xbar;  // on the heap: the solver refers to its circuit
    std::unique_ptr<NodalSolver> solver;              // factorised (ohmic: at construction)

    /// Bytes this holds (the Cholesky factor and conductance matrix, the circuit with its element
    /// and node names, the crossbar's node maps): what a cache budget charges for it.
    double bytes() const;
};

}  // namespace kirchhoff::cosim
