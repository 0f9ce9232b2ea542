// The fit.* keys (fit_options.hpp).
#include "cosim/fit_options.hpp"

namespace kirchhoff::cosim {

const params::Table<FitOptions>& fit_keys() {
    static const params::Table<FitOptions> table = [] {
        using params::Range;
        using F = FitOptions;
        params::Table<F> t;
        t.integer("fit.tiles", &F::tiles, Range::closed(1, 1000), "random tiles whose full circuit solves fit V*");
        t.integer("fit.inputs_per_tile", &F::inputs_per_tile, Range::closed(1, 10000), "random input vectors per fit tile");
        t.integer("fit.table_points_v", &F::table_points_v, Range::closed(8, 100001),
                  "device table points along the voltage axis");
        t.integer("fit.table_points_memory", &F::table_points_memory, Range::closed(8, 100001),
                  "device table points along the memory-state axis");
        t.real("fit.table_v_span", &F::table_v_span, "1", Range::closed(1, 20),
               "device table voltage range as a multiple of input.v_read_volt (both polarities)");
        t.real("fit.rank_tolerance", &F::rank_tolerance, "1", Range{0, 1, true, true},
               "relative residual the separable cell factors must reach");
        t.integer("fit.max_rank", &F::max_rank, Range::closed(1, 8), "most separable terms a cell response may use");
        return t;
    }();
    return table;
}

}  // namespace kirchhoff::cosim
