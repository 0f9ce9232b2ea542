// The sweep loop: resume, run, record (failures included), report progress.
#include "validation/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

#include <fmt/format.h>

#include "params/error.hpp"
#include "params/range.hpp"

namespace kirchhoff::validation {

namespace {

std::string duration_text(double s) {
    if (s < 90) return fmt::format("{:.0f} s", s);
    if (s < 5400) return fmt::format("{:.0f} min", s / 60);
    return fmt::format("{:.1f} h", s / 3600);
}

}  // namespace

std::vector<std::string> finished_points(const std::filesystem::path& dir, const std::vector<std::string>& columns,
                                         bool ok_only) {
    const std::size_t point = column_index(columns, "point"), status = column_index(columns, "status");
    std::vector<std::string> out;
    for (const ResultRow& r : collect_results(dir, columns))
        if (!ok_only || r[status] == "ok") out.push_back(r[point]);
    return out;
}

void check_results_folder(const Study& study, const std::vector<StudyPoint>& points, const std::filesystem::path& dir) {
    std::set<std::string> grid;
    for (const StudyPoint& p : points) grid.insert(p.id);
    for (const std::string& id : finished_points(dir, result_columns(study.swept_keys()), false))
        if (!grid.count(id))
            throw InputError(fmt::format("{}: holds results of point {}, which is not in {}'s grid (was the base "
                                         "configuration or an axis value changed?); use another --out folder",
                                         dir.string(), id, study.path.string()));
}

SweepReport run_sweep(const Study& study, const std::vector<StudyPoint>& points, const PointRunner& runner,
                      const SweepOptions& o) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const std::vector<std::string> columns = result_columns(study.swept_keys());
    check_results_folder(study, points, o.out_dir);
    const auto done_ids = finished_points(o.out_dir, columns, o.retry_failed);
    const std::set<std::string> done(done_ids.begin(), done_ids.end());

    SweepReport report;
    report.points = points.size();
    std::vector<const StudyPoint*> todo;
    for (const StudyPoint& p : points) {
        if (p.index % o.parts != o.part) continue;
        ++report.assigned;
        if (done.count(p.id)) ++report.already_done;
        else todo.push_back(&p);
    }
    fmt::print(stderr, "{}sweep {}: {} points, {} for this worker ({} already done), results in {}\n", o.log_prefix,
               study.name, report.points, report.assigned, report.already_done, o.out_dir.string());
    if (todo.empty()) return report;

    ResultsAppender out(o.out_dir / "parts" / (o.worker + ".csv"), columns);
    const std::size_t first_metric = column_index(columns, metric_columns().front());
    double busy_s = 0;
    for (const StudyPoint* p : todo) {
        const auto t0 = clock::now();
        ResultRow row(columns.size());
        row[0] = p->id;
        row[1] = std::to_string(p->index);
        const auto values = p->swept_values(study);
        std::copy(values.begin(), values.end(), row.begin() + 3);
        std::string summary;
        try {
            const PointMetrics m = runner(*p);
            for (std::size_t k = 0; k < metric_columns().size(); ++k)
                if (const auto it = m.find(metric_columns()[k]); it != m.end())
                    row[first_metric + k] = params::format_number(it->second);
            row[2] = "ok";
            const auto ppl = m.find("ppl_analog");
            summary = ppl != m.end() ? fmt::format("ppl {:.4f}", ppl->second) : "ok";
        } catch (const std::exception& e) {
            row[2] = "failed";
            row.back() = e.what();
            summary = fmt::format("FAILED: {}", row.back());
            std::replace(summary.begin(), summary.end(), '\n', ' ');
            ++report.failed;
        }
        const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
        if (row[column_index(columns, "seconds")].empty()) row[column_index(columns, "seconds")] = params::format_number(seconds);
        row[column_index(columns, "kirchhoff_version")] = o.kirchhoff_version;
        row[column_index(columns, "ngspice_version")] = o.ngspice_version;
        out.append(row);
        ++report.ran;
        busy_s += seconds;
        const double eta = busy_s / double(report.ran) * double(todo.size() - report.ran);
        fmt::print(stderr, "{}point {}/{} [{}] {}: {} ({:.1f} s){}\n", o.log_prefix, p->index + 1, points.size(),
                   p->id, p->describe(study), summary, seconds,
                   report.ran < todo.size() ? fmt::format("; {} left, about {}", todo.size() - report.ran,
                                                          duration_text(eta))
                                            : "");
    }
    report.seconds = std::chrono::duration<double>(clock::now() - start).count();
    return report;
}

}  // namespace kirchhoff::validation
