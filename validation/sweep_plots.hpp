// Plots of a sweep's results (gnuplot, io/gnuplot.hpp): each metric against each axis.
//
// For a metric and an axis X (the study's `x`, or every axis that is not a seed): one line per
// combination of the other non-seed axes (the study's `series` named first in the legend), one
// point per value of X at the mean over the rows that differ only in seed axes, with error bars
// of one sample standard deviation (none for a single seed). Failed points are left out.
// Axes whose (first) key is numeric are drawn to scale (log when positive and spanning 100x or
// more); text axes are categories in grid order. The y axis is logarithmic when every mean is
// positive and either the metric is error-like (NMSE, relative error, KL) or the means span 10x
// or more. For ppl_analog the digital perplexity is a
// dashed line when every point shares it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "validation/results_store.hpp"
#include "validation/study.hpp"

namespace kirchhoff::validation {

/// One line of a plot: its legend and per x value (in axis order) the mean, the sample standard
/// deviation and the number of rows (0: no data at that x).
struct SweepSeries {
    std::string label;
    std::vector<double> mean, stddev;
    std::vector<std::size_t> count;
};

/// The lines of `metric` against study.axes[x_axis], from `rows` written with `columns`.
std::vector<SweepSeries> sweep_series(const Study& study, const std::vector<std::string>& columns,
                                      const std::vector<ResultRow>& rows, const std::string& metric,
                                      std::size_t x_axis);

/// Writes DIR/plots/<metric>_vs_<axis>.{dat,gp,png} for every metric of the study and every
/// plotted axis; returns the PNGs written (none without gnuplot).
std::vector<std::filesystem::path> plot_sweep(const Study& study, const std::vector<std::string>& columns,
                                              const std::vector<ResultRow>& rows, const std::filesystem::path& dir);

}  // namespace kirchhoff::validation
