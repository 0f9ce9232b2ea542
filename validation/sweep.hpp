// Running a study's points: the loop behind `kirchhoff sweep`, with the evaluation injected so
// that tests (and other studies) can run stand-ins.
//
// A worker runs the points with index % parts == part that no results file in the folder has
// yet (resume), appending one row per point to its own part file (results_store.hpp). A point
// whose runner throws is recorded with status "failed" and the exception's text, and the loop
// goes on. Progress, one line per point with an estimate of the time left, goes to stderr.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "validation/results_store.hpp"
#include "validation/study.hpp"

namespace kirchhoff::validation {

/// What one point returns: metric_columns() name -> value (a column left out stays empty).
using PointMetrics = std::map<std::string, double>;
using PointRunner = std::function<PointMetrics(const StudyPoint&)>;

struct SweepOptions {
    std::filesystem::path out_dir;
    std::string worker = "single";   // its part file: DIR/parts/<worker>.csv
    std::size_t part = 0, parts = 1;  // run the points with index % parts == part
    bool retry_failed = false;        // run again the points whose only rows are failed ones
    std::string kirchhoff_version, ngspice_version;  // constant columns
    std::string log_prefix;           // before each progress line, e.g. "[rank 1] "
};

struct SweepReport {
    std::size_t points = 0;        // in the grid
    std::size_t assigned = 0;      // this worker's share
    std::size_t already_done = 0;  // of its share, found in the folder
    std::size_t ran = 0, failed = 0;
    double seconds = 0;
};

/// Runs this worker's share of `points` (from expand(study)). InputError when the folder holds
/// results of another study (other columns, or point ids that are not in this grid).
SweepReport run_sweep(const Study& study, const std::vector<StudyPoint>& points, const PointRunner& runner,
                      const SweepOptions& options);

/// InputError when the folder holds results of another study: other columns, or point ids
/// that are not in this grid (its base configuration or an axis value changed).
void check_results_folder(const Study& study, const std::vector<StudyPoint>& points, const std::filesystem::path& dir);

/// The ids of the points that have a row in the folder (ok rows only with `ok_only`).
std::vector<std::string> finished_points(const std::filesystem::path& dir, const std::vector<std::string>& columns,
                                         bool ok_only);

}  // namespace kirchhoff::validation
