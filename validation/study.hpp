// A study for `kirchhoff sweep`: a base configuration and axes of values, expanded into a grid
// of points, each a full configuration that one evaluation runs.
//
// A study file (TOML):
//
//   [study]
//   name = "adc_bits"                         # names the plots; default: the file's stem
//   description = "perplexity against ADC resolution"
//   metrics = ["ppl_analog", "validation_nmse"]   # result columns to plot (default ppl_analog)
//   x = "adc.bits"                            # optional: plot only against this axis ...
//   series = "array.r_wire_row_ohm"           # ... with one line per value of this one
//
//   [base]                                    # keys of the schema (analog + run.*), as in a config file
//   config = "../configs/crossbar_128.toml"   # optional, relative to the study file, applied first
//   run.tokens = 256
//
//   [axes]                                    # each key: a list of values; grid = Cartesian product
//   "adc.bits" = [4, 6, 8]
//   seed = [1, 2, 3]                          # keys named *seed replicate a setting (error bars)
//
//   [zip.device]                              # keys that change together: one axis of the grid
//   "device.preset" = ["stanford_rram_aimc", "pcm_gst"]
//   "device.g_min_siemens" = [2e-6, 1e-6]
//   label = ["RRAM", "PCM"]                   # optional: names of the values in plots
//
// Axes (and zip groups) vary in file order, the first slowest; seeds are best listed last.
// Every key and value goes through params::Config before anything runs: unknown keys, wrong
// types and out-of-range values are InputErrors naming the study file and line, the key, the
// value and the allowed range.
//
// A point's id is a 16-hex-digit FNV-1a hash of the keys of its effective configuration that
// differ from their defaults (point_id()), so it stays the same when other values are added to
// an axis or a new key (with its default) joins the schema, and changes when any value that
// would change the result (the base configuration included) changes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "params/config.hpp"

namespace kirchhoff::validation {

/// One dimension of the grid: a single key, or several keys zipped (values[i][k] is the
/// i-th value of keys[k]).
struct StudyAxis {
    std::string name;               // the key, or "zip.<group>"
    std::vector<std::string> keys;  // one key, or the zipped keys, in file order
    std::vector<std::vector<params::Value>> values;
    std::vector<std::string> labels;  // a zip group's `label` list, or empty
    int line = 0;                   // in the study file

    /// True when every key is a seed ("seed" or "*.seed"): points that differ only in
    /// replicate axes are one setting, averaged in the plots.
    bool replicate() const;
    /// The i-th value as text: "8", a zip group's label, or "device.preset=pcm_gst,
    /// device.g_min_siemens=1e-06".
    std::string label(std::size_t i) const;
};

/// The most grid points a study may have: 100,000 (each point is a full model evaluation, so a
/// larger grid is a mistake or needs splitting). load_study refuses more, naming the file and
/// the count; the product of the axis lengths is computed with an overflow check.
inline constexpr std::size_t max_study_points = 100000;

struct Study {
    std::filesystem::path path;
    std::string name, description;
    std::vector<std::string> metrics;  // result columns to plot
    std::string plot_x, plot_series;  // axis names, or "" for every axis
    params::Config base;
    std::vector<StudyAxis> axes;

    /// Every swept key, in axis order (the CSV's swept columns).
    std::vector<std::string> swept_keys() const;
    /// Number of grid points (product of the axis lengths; 1 without axes); InputError above
    /// max_study_points.
    std::size_t size() const;
};

struct StudyPoint {
    std::size_t index = 0;  // position in the grid, 0-based
    std::string id;         // 16 hex digits, see above
    std::vector<std::size_t> axis_index;  // per axis: which of its values
    params::Config config;  // the base configuration with this point's values

    /// Value of every swept key as text, in swept_keys() order.
    std::vector<std::string> swept_values(const Study& study) const;
    /// "adc.bits=4 seed=2": every swept key and its value, for messages.
    std::string describe(const Study& study) const;
};

/// Reads and checks a study file against `schema` (usually evaluation_schema()). `metric_names`
/// lists the columns [study] metrics may name. InputError for anything bad.
Study load_study(const std::filesystem::path& path, const params::Schema& schema,
                 const std::vector<std::string>& metric_names);

/// The grid in order (first axis slowest). Each point's configuration is checked with `check`
/// (cross-key checks that a Config cannot make, e.g. analog_config()); the first problem is an
/// InputError naming the point. Two points with the same configuration are an InputError.
std::vector<StudyPoint> expand(const Study& study,
                               const std::function<void(const params::Config&)>& check = {});

/// A value as a CSV cell: text without quotes, numbers in shortest round-trip form.
std::string value_text(const params::Value& v);

/// The id of a configuration: fnv1a_hex of the JSON object of every key whose value differs
/// from its default.
std::string point_id(const params::Config& config);

/// FNV-1a 64 of `text` as 16 lower-case hex digits.
std::string fnv1a_hex(std::string_view text);

}  // namespace kirchhoff::validation
