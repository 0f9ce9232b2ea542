// Sweep plots: rows grouped into settings (seeds averaged), one gnuplot script per metric and axis.
#include "validation/sweep_plots.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"

namespace kirchhoff::validation {

namespace {

namespace fs = std::filesystem;
constexpr std::size_t none = std::size_t(-1);

// Which value of each axis a row has (none when its cells match no value).
std::vector<std::size_t> row_axis_index(const Study& study, const std::vector<std::string>& columns,
                                        const ResultRow& row) {
    std::vector<std::size_t> out;
    for (const StudyAxis& axis : study.axes) {
        std::size_t found = none;
        for (std::size_t i = 0; i < axis.values.size() && found == none; ++i) {
            bool match = true;
            for (std::size_t k = 0; k < axis.keys.size(); ++k)
                match = match && row[column_index(columns, axis.keys[k])] == value_text(axis.values[i][k]);
            if (match) found = i;
        }
        out.push_back(found);
    }
    return out;
}

std::optional<double> number(const std::string& cell) {
    if (cell.empty()) return std::nullopt;
    try {
        std::size_t used = 0;
        const double v = std::stod(cell, &used);
        return used == cell.size() ? std::optional<double>(v) : std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// Numeric position of an axis value: the value of its first key when that is a number (a zip
// group of wire resistances, or of tile rows and columns, is drawn against its first key).
std::optional<double> numeric_value(const StudyAxis& axis, std::size_t i) {
    const params::Value& v = axis.values[i][0];
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* n = std::get_if<std::int64_t>(&v)) return double(*n);
    return std::nullopt;
}

// "adc.bits"; a zip group drawn against its first key: "array.rows (with array.cols)".
std::string axis_title(const StudyAxis& axis, bool numeric) {
    if (axis.keys.size() == 1 || !numeric) return axis.name;
    std::string others;
    for (std::size_t k = 1; k < axis.keys.size(); ++k) others += (k > 1 ? ", " : "") + axis.keys[k];
    return fmt::format("{} (with {})", axis.keys[0], others);
}

// Tics at 1, 2, 3 and 5 times the powers of ten between lo and hi, so that a log axis spanning
// less than two decades still gets a few labels (gnuplot would label the decades only); wider
// axes keep gnuplot's decades.
std::string log_tics(double lo, double hi) {
    if (hi / lo > 100) return "set format y '%g'\n";
    std::string tics;
    for (double decade = std::pow(10.0, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
        for (double m : {1.0, 2.0, 3.0, 5.0})
            if (m * decade >= lo / 1.2 && m * decade <= hi * 1.2)
                tics += fmt::format("{}{:g}", tics.empty() ? "" : ", ", m * decade);
    return "set ytics (" + tics + ")\n";
}

bool is_error_metric(const std::string& m) {
    return m == "validation_nmse" || m == "max_rel_err" || m == "kl_mean_nats" || m == "logit_nmse";
}

std::string file_stem(const std::string& metric, const std::string& axis) {
    std::string s = metric + "_vs_" + axis;
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    return s;
}

}  // namespace

std::vector<SweepSeries> sweep_series(const Study& study, const std::vector<std::string>& columns,
                                      const std::vector<ResultRow>& rows, const std::string& metric,
                                      std::size_t x_axis) {
    // The axes that tell lines apart: every non-seed axis but x, the study's series first.
    std::vector<std::size_t> line_axes;
    for (std::size_t a = 0; a < study.axes.size(); ++a)
        if (a != x_axis && !study.axes[a].replicate()) line_axes.push_back(a);
    std::stable_partition(line_axes.begin(), line_axes.end(),
                          [&](std::size_t a) { return study.axes[a].name == study.plot_series; });
    const std::size_t nx = study.axes[x_axis].values.size();
    std::map<std::vector<std::size_t>, std::vector<std::vector<double>>> samples;
    const std::size_t status = column_index(columns, "status"), value = column_index(columns, metric);
    for (const ResultRow& row : rows) {
        const auto v = number(row[value]);
        if (row[status] != "ok" || !v) continue;
        const auto idx = row_axis_index(study, columns, row);
        if (std::find(idx.begin(), idx.end(), none) != idx.end()) continue;
        std::vector<std::size_t> key;
        for (std::size_t a : line_axes) key.push_back(idx[a]);
        auto& per_x = samples[key];
        per_x.resize(nx);
        per_x[idx[x_axis]].push_back(*v);
    }
    std::vector<SweepSeries> out;
    for (const auto& [key, per_x] : samples) {
        SweepSeries s;
        for (std::size_t k = 0; k < key.size(); ++k) {
            const StudyAxis& axis = study.axes[line_axes[k]];
            s.label += (k ? ", " : "") + (axis.keys.size() == 1 ? axis.name + "=" : std::string()) + axis.label(key[k]);
        }
        if (s.label.empty()) s.label = metric;
        for (const auto& xs : per_x) {
            double mean = 0, var = 0;
            for (double x : xs) mean += x / double(xs.size());
            for (double x : xs) var += (x - mean) * (x - mean);
            s.mean.push_back(xs.empty() ? NAN : mean);
            s.stddev.push_back(xs.size() > 1 ? std::sqrt(var / double(xs.size() - 1)) : 0.0);
            s.count.push_back(xs.size());
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<fs::path> plot_sweep(const Study& study, const std::vector<std::string>& columns,
                                 const std::vector<ResultRow>& rows, const fs::path& dir) {
    std::vector<std::size_t> x_axes;
    for (std::size_t a = 0; a < study.axes.size(); ++a)
        if (study.plot_x.empty() ? !study.axes[a].replicate() : study.axes[a].name == study.plot_x) x_axes.push_back(a);
    std::vector<fs::path> written;
    if (x_axes.empty()) return written;
    const fs::path plots = dir / "plots";
    io::prepare_output_dir(plots, "plots folder");
    for (const std::string& metric : study.metrics)
        for (std::size_t a : x_axes) {
            const StudyAxis& axis = study.axes[a];
            const auto series = sweep_series(study, columns, rows, metric, a);
            if (series.empty()) continue;
            bool numeric = true, log_x = true, log_y = is_error_metric(metric);
            double lo = INFINITY, hi = -INFINITY;
            for (std::size_t i = 0; i < axis.values.size(); ++i) {
                const auto x = numeric_value(axis, i);
                numeric = numeric && x;
                if (x) lo = std::min(lo, *x), hi = std::max(hi, *x);
            }
            log_x = numeric && lo > 0 && hi / lo >= 100;
            double y_lo = INFINITY, y_hi = -INFINITY;
            for (const auto& s : series)
                for (std::size_t i = 0; i < s.mean.size(); ++i)
                    if (s.count[i]) y_lo = std::min(y_lo, s.mean[i]), y_hi = std::max(y_hi, s.mean[i]);
            log_y = y_lo > 0 && (log_y || y_hi / y_lo >= 10);
            const bool seeds = std::any_of(study.axes.begin(), study.axes.end(),
                                           [](const StudyAxis& a) { return a.replicate(); });
            const std::string stem = file_stem(metric, axis.name);
            std::string data = fmt::format("# {} against {} (mean, sample std over seeds, rows); one block per line\n",
                                           io::gnuplot_data_label(metric), io::gnuplot_data_label(axis.name));
            std::string plot;
            for (std::size_t l = 0; l < series.size(); ++l) {
                data += fmt::format("# {}\n", io::gnuplot_data_label(series[l].label));
                for (std::size_t i = 0; i < axis.values.size(); ++i) {
                    if (!series[l].count[i]) continue;
                    const double x = numeric ? *numeric_value(axis, i) : double(i);
                    data += fmt::format("{:.10g} {:.10g} {:.10g} {} \"{}\"\n", x, series[l].mean[i],
                                        series[l].stddev[i], series[l].count[i], io::gnuplot_data_label(axis.label(i)));
                }
                data += "\n\n";
                plot += fmt::format("{}{} index {} using 1:2:3{} with yerrorlines lw 2 pt 7 title {}",
                                    l ? ", \\\n     " : "plot ", io::gnuplot_quote(stem + ".dat"), l, numeric ? "" : ":xtic(5)",
                                    io::gnuplot_quote(series[l].label));
            }
            io::write_file_atomic(plots / (stem + ".dat"), data);
            if (metric == "ppl_analog") {
                std::set<std::string> digital;
                for (const ResultRow& r : rows)
                    if (r[column_index(columns, "status")] == "ok") digital.insert(r[column_index(columns, "ppl_digital")]);
                // Formatted from the parsed number: a cell of a results file never reaches the script.
                if (const auto ppl = digital.size() == 1 ? number(*digital.begin()) : std::nullopt; ppl && std::isfinite(*ppl))
                    plot += fmt::format(", \\\n     {:.10g} with lines dt 2 lc rgb 'gray40' title 'digital (float32)'",
                                        *ppl);
            }
            std::string script = fmt::format(
                "set terminal pngcairo size 900,600 noenhanced\nset output {}\nset title {}{}\n"
                "set xlabel {}\nset ylabel {}\nset grid\nset key below Left reverse height 1\nset bars small\n"
                "set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05\n",
                io::gnuplot_quote(stem + ".png"), io::gnuplot_quote(study.name + ": " + metric + " against " + axis.name),
                study.description.empty() ? "" : " . \"\\n\" . " + io::gnuplot_quote(study.description),
                io::gnuplot_quote(axis_title(axis, numeric)),
                io::gnuplot_quote(metric + (seeds ? " (mean +- std over seeds)" : "")));
            if (log_x) script += "set logscale x\nset format x '%g'\n";
            if (log_y) script += "set logscale y\nset autoscale yfix\n" + log_tics(y_lo, y_hi);
            else script += "set format y '%.4g'\n";  // four digits tell apart close tics of any scale
            if (!numeric) script += fmt::format("set xrange [-0.5:{}]\nset xtics rotate by -20\n", axis.values.size() - 0.5);
            script += plot + "\n";
            if (io::run_gnuplot(plots / (stem + ".gp"), script, plots / (stem + ".png"))) written.push_back(plots / (stem + ".png"));
        }
    return written;
}

}  // namespace kirchhoff::validation
