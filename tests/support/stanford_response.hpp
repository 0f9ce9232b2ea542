// The Stanford-PKU cell's separable read response for tests: the table `kirchhoff fit` makes,
// from the native model and on a coarser grid (161 x 101 points; cosim::native_response).
#pragma once

#include "cosim/surrogate_model.hpp"

namespace kirchhoff::test {

inline cosim::CellResponse stanford_response(const netlists::CrossbarConfig& x) {
    cosim::FitOptions grid;
    grid.table_points_v = 161;
    grid.table_points_memory = 101;
    return cosim::native_response(x, grid);
}

}  // namespace kirchhoff::test
