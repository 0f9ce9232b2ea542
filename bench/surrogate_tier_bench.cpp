// Benchmark of the two device-cell surrogate tiers (not a test): accuracy against the full
// circuit and cost per MVM, side by side in one run, on the tiles `kirchhoff run` uses
// (differential columns), Stanford-PKU cells (stanford_rram_aimc, g_min 2 uS, g_max 100 uS),
// 1R and 1T1R, over rows x wire resistance x read voltage.
//
// Reference: Kirchhoff's nodal solver of the same circuit (equal to ngspice to 1e-6 on these
// cells, tests/cosim/test_mvm_engine.cpp and test_line_relaxation.cpp), Newton converged to
// 1e-12 V. Per configuration: one random tile (conductances uniform in [g_min, g_max], as
// `kirchhoff check` draws them) and --inputs random inputs uniform in [0, v_read].
//   max_rel_err      max over inputs of max |tier - circuit| / max |circuit| (logical outputs)
//   captured_ir      1 - ||tier - circuit|| / ||ideal-wire circuit - circuit||: the fraction of
//                    the IR-drop effect the tier reproduces (the same cells with zero wire,
//                    driver and sense resistance are the baseline)
//   cost / GEMV      thread CPU time per MVM over that of the ideal engine's arithmetic (G^T v
//                    of the same tile, every physical column), measured in the same run (CPU
//                    time, so that other processes on a shared machine count less)
// The linearised tier uses the V* that is best in hindsight on these inputs (of 9 values in
// (0, v_read]): the most flattering choice for it. The line tier uses 0.6 v_read as chord
// voltage and surrogate.tolerance (default 1e-6).
//
// Usage: surrogate_tier_bench [--rows 32,64,128] [--r-wire 1,2.5] [--v-read 0.1,0.3,0.5]
//                             [--cells 1R,1T1R] [--inputs 3] [--tolerance 1e-6]
#include <time.h>

#include <chrono>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_util.hpp"
#include "cosim/surrogate_model.hpp"
#include "cosim/device_table.hpp"
#include "cosim/line_relaxation.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/tile_surrogate.hpp"
#include "devices/presets.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

namespace {


struct Score {
    double max_rel = 0, err2 = 0, ir2 = 0;
    void add(const Eigen::VectorXd& y, const Eigen::VectorXd& ref, const Eigen::VectorXd& ideal_wire) {
        max_rel = std::max(max_rel, (y - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff());
        err2 += (y - ref).squaredNorm();
        ir2 += (ideal_wire - ref).squaredNorm();
    }
    double captured() const { return ir2 > 0 ? 1.0 - std::sqrt(err2 / ir2) : 1.0; }
};

// This thread's CPU time in seconds: on a shared machine it counts only what the thread ran.
double thread_cpu_s() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// CPU seconds per call of f, over at least `min_seconds` of CPU time.
template <class F>
double per_call(F&& f, double min_seconds = 0.05) {
    int n = 0;
    const double t = thread_cpu_s();
    do {
        f();
        ++n;
    } while (thread_cpu_s() - t < min_seconds);
    return (thread_cpu_s() - t) / n;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff surrogate tiers vs the full circuit: accuracy and cost per MVM");
    std::vector<int> rows{32, 64, 128};
    std::vector<double> r_wires{1.0, 2.5}, v_reads{0.1, 0.3, 0.5};
    std::vector<std::string> cell_kinds{"1R", "1T1R"};
    int inputs = 3;
    double tolerance = 1e-6;
    app.add_option("--rows", rows, "tile rows N (N x N logical, 2N physical columns)")->delimiter(',');
    app.add_option("--r-wire", r_wires, "wire resistance per segment (ohm)")->delimiter(',');
    app.add_option("--v-read", v_reads, "largest read voltage (V)")->delimiter(',');
    app.add_option("--cells", cell_kinds, "cell kinds: 1R, 1T1R")->delimiter(',');
    app.add_option("--inputs", inputs, "random inputs per configuration")->check(CLI::PositiveNumber);
    app.add_option("--tolerance", tolerance, "line tier tolerance (surrogate.tolerance)");
    CLI11_PARSE(app, argc, argv);

    fmt::print("| cells | N | r ohm | v V | ideal-wire max_rel | linearised max_rel | captured_ir | line max_rel | "
               "captured_ir | sweeps | GEMV us | linearised / GEMV | line / GEMV | nodal re-solve / line |\n");
    fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const std::string& kind : cell_kinds)
        for (int n : rows)
            for (double r_wire : r_wires)
                for (double v_read : v_reads) {
                    netlists::CrossbarConfig x;
                    x.spec.rows = x.spec.cols = n;
                    x.spec.r_wire_row_ohm = x.spec.r_wire_col_ohm = r_wire;
                    x.spec.differential = netlists::Differential::columns;
                    x.spec.cell = kind == "1T1R" ? netlists::CellKind::one_t_one_r : netlists::CellKind::one_r;
                    x.device_preset = "stanford_rram_aimc";
                    x.g_min_siemens = 2e-6;
                    x.v_read_volt = v_read;
                    x.seed = std::uint64_t(1000 * n + 10 * r_wire + 100 * v_read);
                    const auto random = netlists::random_tile(x);
                    const auto tile = cosim::program_tile(x, random.g_siemens);
                    auto ideal_wire = x;
                    ideal_wire.spec.r_wire_row_ohm = ideal_wire.spec.r_wire_col_ohm = 0;
                    const auto tile_iw = cosim::program_tile(ideal_wire, random.g_siemens);
                    const auto response = cosim::native_response(x, {});  // the table `kirchhoff fit` makes

                    std::vector<Eigen::VectorXd> vs, refs, iws;
                    netlists::SplitMix64 rng(x.seed + 17);
                    auto nodal = cosim::make_nodal_engine(tile);
                    auto nodal_iw = cosim::make_nodal_engine(tile_iw);
                    double nodal_s = 0;
                    for (int k = 0; k < inputs; ++k) {
                        Eigen::VectorXd v(n);
                        for (int r = 0; r < n; ++r) v(r) = v_read * rng.uniform();
                        const double t = thread_cpu_s();
                        refs.push_back(nodal->matvec(v));
                        nodal_s += thread_cpu_s() - t;
                        iws.push_back(nodal_iw->matvec(v));
                        vs.push_back(v);
                    }
                    nodal_s /= inputs;
                    Score ideal_wire_score;
                    for (int k = 0; k < inputs; ++k) ideal_wire_score.add(iws[k], refs[k], iws[k]);

                    // Linearised: best V* in hindsight.
                    Score lin;
                    double lin_s = 0;
                    for (int q = 1; q <= 9; ++q) {
                        const auto s = cosim::TileSurrogate::build(x.spec, tile.cells, response, v_read * q / 9.0);
                        Score sc;
                        for (int k = 0; k < inputs; ++k) sc.add(s.matvec(vs[k]), refs[k], iws[k]);
                        if (q == 1 || sc.err2 < lin.err2) {
                            lin = sc;
                            lin_s = per_call([&] { (void)s.matvec(vs[0]); });
                        }
                    }
                    // Line relaxation.
                    cosim::LineRelaxationOptions o;
                    o.tolerance = tolerance;
                    const auto line = cosim::LineRelaxation::build(x.spec, tile.cells, response, 0.6 * v_read, o);
                    Score ln;
                    int sweeps = 0;
                    for (int k = 0; k < inputs; ++k) {
                        cosim::LineRelaxationStats st;
                        ln.add(line.matvec(vs[k], &st), refs[k], iws[k]);
                        sweeps = std::max(sweeps, st.sweeps);
                    }
                    int which = 0;
                    const double line_s = per_call([&] { (void)line.matvec(vs[std::size_t(which++ % inputs)]); });
                    const Eigen::MatrixXd gt = random.g_siemens[0].transpose();  // the ideal engine's GEMV
                    Eigen::VectorXd sink = Eigen::VectorXd::Zero(gt.rows());
                    const double gemv_s = per_call([&] { sink += gt * vs[0]; });
                    if (!sink.allFinite()) return 1;
                    fmt::print("| {} | {} | {} | {} | {:.1e} | {:.1e} | {:.3f} | {:.1e} | {:.4f} | {} | {:.1f} | {:.1f} | {:.0f} | "
                               "{:.0f} |\n",
                               kind, n, r_wire, v_read, ideal_wire_score.max_rel, lin.max_rel, lin.captured(), ln.max_rel,
                               ln.captured(), sweeps, 1e6 * gemv_s, lin_s / gemv_s, line_s / gemv_s, nodal_s / line_s);
                    std::fflush(stdout);
                }
    return 0;
}
