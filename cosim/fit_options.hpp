// How `kirchhoff fit` fits a tile surrogate: the calibration set of random tiles whose full
// circuit solves fit V*, the device table's grid and the separable factorisation of the cell
// response. Its configuration keys fit.*, each declared once beside its member in fit_keys()
// (params/table.hpp; defaults from FitOptions{}), are part of surrogate_fit_schema() and stored
// with every fitted table. Not here: the tile keys (netlists/) and the fit itself
// (surrogate_model.hpp).
#pragma once

#include "params/table.hpp"

namespace kirchhoff::cosim {

struct FitOptions {
    int tiles = 3;                   // random tiles whose full circuit solves fit V*
    int inputs_per_tile = 4;         // random input vectors per tile
    int table_points_v = 961;        // device table points along the voltage axis
    int table_points_memory = 481;   // device table points along the memory-state axis
    double table_v_span = 1.5;       // table voltage range / input.v_read_volt (both polarities)
    double rank_tolerance = 1e-6;    // relative residual the separable cell factors must reach
    int max_rank = 4;                // most separable terms a cell response may use
};

/// The fit.* keys, one row per FitOptions member.
const params::Table<FitOptions>& fit_keys();

}  // namespace kirchhoff::cosim
