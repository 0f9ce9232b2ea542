// Benchmark of the iterative circuit solver (cosim/iterative_solver.hpp) against today's direct
// nodal solver and against plain iterative references, on the same tiles (not a test).
// For each N x N tile (seeded random conductances in [g_min, g_max], inputs in [0, v_read] or
// signed with --signed):
//   - direct: build the circuit, nested dissection, factorise, solve (what `kirchhoff solve
//     --engine nodal --set solver.method=direct` does), skipped above --direct-max;
//   - two_level: the default iterative solver, set-up (line and coarse factors) + one solve;
//   - lines and jacobi: the same CG with line-Jacobi only and with the diagonal only (the
//     plain reference), skipped above --reference-max;
//   - batch: K more input vectors on each solver's set-up (per-vector cost: the direct
//     solver's re-solve on its factorisation, the iterative solver's CG on its factors).
// Each solver runs in its own forked child, so its peak resident set (VmHWM) is its own.
// Agreement is the largest output difference relative to the largest direct output.
//
// Usage: iterative_bench [--sizes 128,256,512,1024] [--direct-max 1024] [--reference-max 512]
//        [--r-wire 1] [--g-max 1e-4] [--v-read 0.2] [--cell 1R] [--device linear] [--batch 4]
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench_util.hpp"
#include "cosim/crossbar_solve.hpp"
#include "cosim/iterative_solver.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"

using namespace kirchhoff;
using namespace kirchhoff::bench;

namespace {

struct Result {
    bool ok = false;
    double seconds = 0, setup_seconds = 0, per_vector_seconds = 0, rss_mib = 0, residual = 0;
    int cg = 0, newton = 0;
    std::vector<double> outputs;
    std::string error;
};

// This process's VmHWM in MiB (peak resident set), from /proc/self/status.
double vm_hwm_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return peak_rss_mib();
}

// Runs `fn` in a forked child and returns what it measured, with the child's own peak RSS.
Result in_child(const std::function<Result()>& fn) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        Result r;
        try {
            r = fn();
            r.ok = true;
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        r.rss_mib = vm_hwm_mib();
        std::string msg = fmt::format("{} {} {} {} {} {} {} {} {}\n", int(r.ok), r.seconds, r.setup_seconds,
                                      r.per_vector_seconds, r.rss_mib, r.residual, r.cg, r.newton, r.outputs.size());
        for (double x : r.outputs) msg += fmt::format("{:.17g}\n", x);
        msg += r.error + "\n";
        std::size_t done = 0;
        while (done < msg.size()) {
            const ssize_t w = write(fds[1], msg.data() + done, msg.size() - done);
            if (w <= 0) break;
            done += std::size_t(w);
        }
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[65536];
    for (ssize_t k; (k = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, std::size_t(k));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    Result r;
    std::FILE* f = fmemopen(text.data(), text.size(), "r");
    if (!f) return r;
    int ok = 0;
    std::size_t count = 0;
    if (std::fscanf(f, "%d %lf %lf %lf %lf %lf %d %d %zu", &ok, &r.seconds, &r.setup_seconds, &r.per_vector_seconds,
                    &r.rss_mib, &r.residual, &r.cg, &r.newton, &count) == 9) {
        r.ok = ok != 0;
        r.outputs.resize(count);
        for (double& x : r.outputs)
            if (std::fscanf(f, "%lf", &x) != 1) r.ok = false;
        char err[4096] = {0};
        if (std::fscanf(f, " %4095[^\n]", err) == 1) r.error = err;
    } else {
        r.error = fmt::format("child ended with status {}", status);
    }
    std::fclose(f);
    return r;
}

std::vector<double> to_std(const Eigen::VectorXd& v) { return {v.begin(), v.end()}; }

double max_rel(const std::vector<double>& a, const std::vector<double>& ref) {
    double d = 0, m = 0;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        d = std::max(d, std::abs(a[k] - ref[k]));
        m = std::max(m, std::abs(ref[k]));
    }
    return d / m;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Kirchhoff iterative circuit solver vs the direct nodal solver");
    std::vector<int> sizes{128, 256, 512, 1024};
    int direct_max = 1024, reference_max = 512, batch = 4;
    double r_wire = 1.0, g_max = 1e-4, g_min = 1e-6, v_read = 0.2;
    std::string cell = "1R", device = "linear";
    bool signed_inputs = false;
    app.add_option("--sizes", sizes, "crossbar sizes N (N x N)")->delimiter(',');
    app.add_option("--direct-max", direct_max, "largest N also solved by the direct nodal solver");
    app.add_option("--reference-max", reference_max, "largest N also solved by the jacobi and lines references");
    app.add_option("--r-wire", r_wire, "word- and bit-line segment resistance (ohm)");
    app.add_option("--g-max", g_max, "largest cell conductance (S)");
    app.add_option("--g-min", g_min, "smallest cell conductance (S)");
    app.add_option("--v-read", v_read, "largest input (V)");
    app.add_option("--cell", cell, "1R or 1T1R");
    app.add_option("--device", device, "linear or a device preset (e.g. stanford_rram_aimc)");
    app.add_option("--batch", batch, "extra input vectors solved on the iterative set-up (per-vector cost)");
    app.add_flag("--signed", signed_inputs, "inputs uniform in [-v_read, v_read]");
    CLI11_PARSE(app, argc, argv);

    fmt::print("# cells {} {}, r_wire {} ohm, g in [{}, {}] S, inputs in [{}, {}] V, r G N^2 at the largest N: {:.3g}\n",
               cell, device, r_wire, g_min, g_max, signed_inputs ? -v_read : 0.0, v_read,
               r_wire * g_max * double(sizes.back()) * double(sizes.back()));
    fmt::print("| N | direct s | direct MiB | two_level s (set-up) | iters | direct / two_level | two_level MiB | "
               "lines s (iters) | jacobi s (iters) | jacobi / two_level | batch s/vector direct | batch s/vector two_level | "
               "max rel diff vs direct |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int n : sizes) {
        netlists::CrossbarConfig config;
        config.spec.rows = config.spec.cols = n;
        config.spec.r_wire_row_ohm = config.spec.r_wire_col_ohm = r_wire;
        config.spec.cell = cell == "1T1R" ? netlists::CellKind::one_t_one_r : netlists::CellKind::one_r;
        config.device_preset = device;
        config.g_min_siemens = g_min;
        config.g_max_siemens = g_max;
        config.v_read_volt = v_read;
        config.seed = std::uint64_t(n);
        const auto tile = netlists::random_tile(config);
        Eigen::VectorXd v = tile.v_volt;
        if (signed_inputs) v = 2.0 * v.array() - v_read;
        std::vector<Eigen::VectorXd> extra;
        for (int k = 0; k < batch; ++k) extra.push_back(v.reverse() * (1.0 - 0.1 * k));

        auto direct = [&]() {
            Result r;
            const auto t0 = Clock::now();
            const auto cells = netlists::program_cells(config, tile.g_siemens);
            auto xbar = netlists::build_crossbar(config.spec, cells, v, "bench");
            cosim::NodalOptions o;
            o.ordering = netlists::nested_dissection_order(xbar);
            const cosim::NodalSolver solver(xbar.circuit, o);
            const auto solution = solver.solve();
            r.outputs = to_std(xbar.outputs(cosim::sense_currents(xbar, solution)));
            r.seconds = seconds_since(t0);
            r.newton = solution.iterations;
            if (batch > 0) {  // re-solves on the same factorisation (device cells: its Newton cache)
                const auto b0 = Clock::now();
                for (int k = 0; k < batch; ++k) {
                    xbar.set_inputs(extra[std::size_t(k)]);
                    solver.solve();
                }
                r.per_vector_seconds = seconds_since(b0) / batch;
            }
            return r;
        };
        auto iterative = [&](cosim::IterativePreconditioner p, int vectors) {
            return [&, p, vectors]() {
                Result r;
                const auto t0 = Clock::now();
                const auto cells = netlists::program_cells(config, tile.g_siemens);
                cosim::IterativeOptions o;
                o.preconditioner = p;
                o.max_iterations = 100000;
                const cosim::CrossbarIterativeSolver solver(config.spec, cells, o);
                r.setup_seconds = seconds_since(t0);
                cosim::IterativeStats s;
                const Eigen::VectorXd sense = solver.sense_currents(v, &s);
                r.seconds = seconds_since(t0);
                r.cg = s.cg_iterations;
                r.newton = s.newton_iterations;
                r.residual = s.relative_residual;
                r.outputs = to_std(netlists::logical_outputs(config.spec, sense));
                if (vectors > 0) {
                    const auto b0 = Clock::now();
                    for (int k = 0; k < vectors; ++k) solver.sense_currents(extra[std::size_t(k)]);
                    r.per_vector_seconds = seconds_since(b0) / vectors;
                }
                return r;
            };
        };
        const Result two = in_child(iterative(cosim::IterativePreconditioner::two_level, batch));
        Result dir, lines, jac;
        if (n <= direct_max) dir = in_child(direct);
        if (n <= reference_max) {
            lines = in_child(iterative(cosim::IterativePreconditioner::lines, 0));
            jac = in_child(iterative(cosim::IterativePreconditioner::jacobi, 0));
        }
        auto secs = [](const Result& r, bool with_iters) {
            if (!r.ok) return r.error.empty() ? std::string("n/a") : "failed: " + r.error;
            return with_iters ? fmt::format("{:.4g} ({})", r.seconds, r.cg) : fmt::format("{:.4g}", r.seconds);
        };
        fmt::print("| {} | {} | {} | {:.4g} ({:.3g}) | {}{} | {} | {:.0f} | {} | {} | {} | {} | {} | {} |\n", n,
                   secs(dir, false), dir.ok ? fmt::format("{:.0f}", dir.rss_mib) : "n/a", two.seconds,
                   two.setup_seconds, two.cg, two.newton > 1 ? fmt::format(" / {} Newton", two.newton) : "",
                   dir.ok && two.ok ? fmt::format("{:.1f}x", dir.seconds / two.seconds) : "n/a", two.rss_mib,
                   secs(lines, true), secs(jac, true),
                   jac.ok && two.ok ? fmt::format("{:.1f}x", jac.seconds / two.seconds) : "n/a",
                   batch > 0 && dir.ok ? fmt::format("{:.4g}", dir.per_vector_seconds) : "n/a",
                   batch > 0 && two.ok ? fmt::format("{:.4g}", two.per_vector_seconds) : "n/a",
                   dir.ok && two.ok ? fmt::format("{:.1e}", max_rel(two.outputs, dir.outputs)) : "n/a");
        if (!two.ok) fmt::print("two_level failed: {}\n", two.error);
        std::fflush(stdout);
    }
    return 0;
}
