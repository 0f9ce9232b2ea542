// `kirchhoff sweep STUDY.toml --out DIR [--shard i/n] [--merge] [--retry-failed] [--dry-run]`:
// runs every point of a study (validation/study.hpp) as one model evaluation, records a row per
// point in DIR/results.csv and plots each metric against each axis (DIR/plots/).
//
// Workers: a plain run does every point; under `mpirun -n K` (when built with MPI) rank r does
// the points with index % K == r; `--shard i/n` does those with index % n == i - 1. Each
// worker appends to its own DIR/parts/<worker>.csv; rank 0 (or the single process) merges them
// into DIR/results.csv in grid order and plots. A shard merges too, and plots once every point
// has a row; `--merge` only merges and plots. A rerun skips the points that have a row in any
// file of DIR (resume), so a killed sweep, a different rank count or a mix of shards all
// continue where they stopped. Each worker holds a lock on the folder while it runs
// (validation/sweep_lock.hpp): a second sweep whose points overlap is refused with exit 2.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/mpi_world.hpp"
#include "cli/version.hpp"
#include "io/atomic_file.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"
#include "validation/sweep.hpp"
#include "validation/sweep_evaluation.hpp"
#include "validation/sweep_lock.hpp"
#include "validation/sweep_plots.hpp"

namespace kirchhoff::cli {

namespace {

namespace fs = std::filesystem;

struct SweepFlags {
    std::string study, out, shard;
    bool merge = false, retry_failed = false, dry_run = false;
};

// "i/n" with 1 <= i <= n.
std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
    unsigned long i = 0, n = 0;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%lu/%lu%c", &i, &n, &tail) != 2 || i < 1 || i > n)
        throw InputError(fmt::format("--shard {}: expected i/n with 1 <= i <= n (e.g. --shard 2/4)", text));
    return {i, n};
}

// The study file's text, to copy beside the results.
std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.is_open() || in.bad()) throw InputError(fmt::format("{}: cannot read the study file", path.string()));
    return text;
}

void print_points(const validation::Study& study, const std::vector<validation::StudyPoint>& points) {
    fmt::print("{} points of {} ({})\n", points.size(), study.name, study.path.string());
    for (const auto& p : points) fmt::print("{:>5}  {}  {}\n", p.index + 1, p.id, p.describe(study));
}

void print_results(const validation::Study& study, const std::vector<std::string>& columns,
                   const std::vector<validation::ResultRow>& rows) {
    std::vector<std::string> shown = study.swept_keys();
    shown.push_back("status");
    for (const auto& m : study.metrics) shown.push_back(m);
    shown.push_back("seconds");
    for (const auto& c : shown) fmt::print("{:>{}} ", c, std::max<std::size_t>(c.size(), 10));
    fmt::print("\n");
    for (const auto& r : rows) {
        for (const auto& c : shown) {
            const std::string& cell = r[validation::column_index(columns, c)];
            char* end = nullptr;
            const double x = std::strtod(cell.c_str(), &end);
            const bool number = !cell.empty() && end == cell.c_str() + cell.size();
            fmt::print("{:>{}} ", number ? fmt::format("{:.6g}", x) : cell, std::max<std::size_t>(c.size(), 10));
        }
        fmt::print("\n");
    }
}

void sweep(const SweepFlags& f, const MpiWorld& world) {
    const validation::Study study =
        validation::load_study(f.study, evaluation::evaluation_schema(), validation::metric_columns());
    const auto points = validation::expand(study, validation::check_evaluation_config);
    if (f.dry_run) {
        if (world.rank() == 0) print_points(study, points);
        return;
    }
    if (f.out.empty()) throw InputError("--out: required: the folder for results.csv, parts/ and plots/");
    const fs::path dir = f.out;
    io::prepare_output_dir(dir, "--out");
    const auto columns = validation::result_columns(study.swept_keys());

    validation::SweepOptions o;
    o.out_dir = dir;
    o.retry_failed = f.retry_failed;
    if (world.size() > 1) {
        if (!f.shard.empty()) throw InputError("--shard: not under mpirun (the ranks already share the points)");
        o.worker = fmt::format("rank-{}-of-{}", world.rank(), world.size());
        o.part = std::size_t(world.rank()), o.parts = std::size_t(world.size());
        o.log_prefix = fmt::format("[rank {}] ", world.rank());
    } else if (!f.shard.empty()) {
        const auto [i, n] = parse_shard(f.shard);
        o.worker = fmt::format("shard-{}-of-{}", i, n);
        o.part = i - 1, o.parts = n;
        o.log_prefix = fmt::format("[shard {}/{}] ", i, n);
    }
    if (!f.merge) {
        // Held until this worker is done: a second sweep on the folder whose points overlap is refused.
        const validation::SweepLock lock(dir, o.part, o.parts);
        validation::check_results_folder(study, points, dir);  // before study.toml is replaced
        if (world.rank() == 0) {  // what produced the results, beside them
            io::write_file_atomic(dir / "study.toml", read_text(f.study));
            io::write_file_atomic(dir / "base_config.toml", study.base.to_toml());
        }
        o.kirchhoff_version = kirchhoff_version();
        o.ngspice_version = ngspice_version();
        const auto report =
            validation::run_sweep(study, points, validation::evaluation_runner(std::make_shared<evaluation::ModelCache>()), o);
        fmt::print(stderr, "{}ran {} points ({} failed) in {:.1f} s; {} were done before\n", o.log_prefix, report.ran,
                   report.failed, report.seconds, report.already_done);
    } else {
        validation::check_results_folder(study, points, dir);
    }
    world.barrier();
    if (world.rank() != 0) return;
    const auto rows = validation::merge_results(dir, columns);
    std::size_t failed = 0;
    for (const auto& r : rows) failed += r[validation::column_index(columns, "status")] != "ok";
    print_results(study, columns, rows);
    fmt::print("sweep {}: {} of {} points in {} ({} failed)\n", study.name, rows.size(), points.size(),
               (dir / "results.csv").string(), failed);
    if (!f.shard.empty() && !f.merge && rows.size() < points.size()) {
        fmt::print("plots once every shard is done (the last one plots, or run with --merge)\n");
        return;
    }
    for (const auto& png : validation::plot_sweep(study, columns, rows, dir)) fmt::print("plot: {}\n", png.string());
}

}  // namespace

void add_sweep_command(CLI::App& app) {
    auto f = std::make_shared<SweepFlags>();
    CLI::App* cmd = app.add_subcommand(
        "sweep", "Accuracy against non-idealities: run every point of a study (a base configuration and axes of "
                 "values), resumable, over MPI ranks or shards; results.csv and plots");
    cmd->add_option("study", f->study, "study file (TOML: [study], [base], [axes], [zip.NAME]; validation/studies/)")
        ->required()
        ->type_name("STUDY.toml");
    cmd->add_option("--out", f->out, "results folder: results.csv, parts/, plots/, study.toml, base_config.toml")
        ->type_name("DIR");
    cmd->add_option("--shard", f->shard, "run only the points with index % n == i - 1 (batch schedulers)")
        ->type_name("i/n");
    cmd->add_flag("--merge", f->merge, "run nothing: merge the folder's part files into results.csv and plot");
    cmd->add_flag("--retry-failed", f->retry_failed, "run again the points whose rows say failed");
    cmd->add_flag("--dry-run", f->dry_run, "check the study and list its points (index, id, values); run nothing");
    cmd->footer(fmt::format("\nMPI: {}.\n\nKeys a study's [base] and [axes] may set (key, default and unit, allowed "
                            "values, meaning):\n{}",
                            MpiWorld::built_with_mpi() ? "built in; start with mpirun -n K kirchhoff sweep ..."
                                                       : "not built in (install libopenmpi-dev and reconfigure)",
                            evaluation::evaluation_schema().help()));
    cmd->callback([f] {
        const MpiWorld world;
        try {
            sweep(*f, world);
        } catch (const InputError& e) {
            if (world.size() > 1) fmt::print(stderr, "kirchhoff: [rank {}] error: {}\n", world.rank(), e.what());
            world.abort(2);
            throw;
        } catch (const std::exception& e) {
            if (world.size() > 1) fmt::print(stderr, "kirchhoff: [rank {}] error: {}\n", world.rank(), e.what());
            world.abort(1);
            throw;
        }
    });
}

}  // namespace kirchhoff::cli
