// `kirchhoff sweep STUDY.toml --out DIR [--retry-failed]` from Python, as one process runs it
// (cli/sweep_command.cpp): load and expand the study, lock the folder, copy the study and its
// base configuration beside the results, run the points not yet done (resume; progress lines
// on stderr as the CLI prints them), merge DIR/results.csv and plot. Returns the merged rows.
// No MPI ranks or shards here: a study split across processes is the CLI's job.
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "cli/version.hpp"
#include "evaluation/model_evaluation.hpp"
#include "io/atomic_file.hpp"
#include "io/input_file.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"
#include "python/src/bindings.hpp"
#include "validation/sweep.hpp"
#include "validation/sweep_evaluation.hpp"
#include "validation/sweep_lock.hpp"
#include "validation/sweep_plots.hpp"

namespace kirchhoff::python {

namespace {

namespace fs = std::filesystem;

struct SweepOutcome {
    std::vector<std::string> columns;
    std::vector<validation::ResultRow> rows;  // DIR/results.csv, grid order
    std::size_t points = 0, ran = 0, failed = 0, already_done = 0;
    double seconds = 0;
    std::vector<std::string> plots;
};

SweepOutcome sweep(const std::string& study_path, const std::string& out, bool retry_failed, bool plot) {
    const validation::Study study =
        validation::load_study(study_path, evaluation::evaluation_schema(), validation::metric_columns());
    const auto points = validation::expand(study, validation::check_evaluation_config);
    if (out.empty()) throw InputError("out: required: the folder for results.csv, parts/ and plots/");
    const fs::path dir = out;
    io::prepare_output_dir(dir, "out");
    SweepOutcome r;
    r.columns = validation::result_columns(study.swept_keys());
    r.points = points.size();
    validation::SweepOptions o;
    o.out_dir = dir;
    o.retry_failed = retry_failed;
    py::gil_scoped_release release;
    {
        const validation::SweepLock lock(dir, o.part, o.parts);
        validation::check_results_folder(study, points, dir);  // before study.toml is replaced
        io::write_file_atomic(dir / "study.toml", io::read_text_file(study_path, "study"));
        io::write_file_atomic(dir / "base_config.toml", study.base.to_toml());
        o.kirchhoff_version = cli::kirchhoff_version();
        o.ngspice_version = cli::ngspice_version();
        const auto report =
            validation::run_sweep(study, points, validation::evaluation_runner(std::make_shared<evaluation::ModelCache>()), o);
        fmt::print(stderr, "ran {} points ({} failed) in {:.1f} s; {} were done before\n", report.ran, report.failed,
                   report.seconds, report.already_done);
        r.ran = report.ran, r.failed = report.failed, r.already_done = report.already_done, r.seconds = report.seconds;
    }
    r.rows = validation::merge_results(dir, r.columns);
    if (plot)
        for (const auto& png : validation::plot_sweep(study, r.columns, r.rows, dir)) r.plots.push_back(png.string());
    return r;
}

}  // namespace

void bind_sweep(py::module_& m) {
    m.def("sweep", [](const std::string& study, const std::string& out, bool retry_failed, bool plot) {
        const SweepOutcome r = sweep(study, out, retry_failed, plot);
        py::dict d;
        d["columns"] = r.columns;
        d["rows"] = r.rows;
        d["points"] = r.points, d["ran"] = r.ran, d["failed"] = r.failed, d["already_done"] = r.already_done;
        d["seconds"] = r.seconds;
        d["plots"] = r.plots;
        return d;
    }, py::arg("study"), py::arg("out"), py::arg("retry_failed") = false, py::arg("plot") = true);
}

}  // namespace kirchhoff::python
