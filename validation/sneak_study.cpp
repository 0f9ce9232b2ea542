// Sneak-path read-margin study.
#include "validation/sneak_study.hpp"

#include <string>

#include <fmt/format.h>

#include "cosim/crossbar_solve.hpp"
#include "cosim/solve_memory.hpp"
#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"
#include "netlists/cell_programming.hpp"
#include "netlists/crossbar_builder.hpp"

namespace kirchhoff::validation {

namespace {

// The sensed current of the selected cell: `g` programmed into cells of the configured kind
// and model (netlists::program_cells), solved by the nodal solver within solver.timeout_s.
double read_selected(const netlists::CrossbarConfig& x, const Eigen::MatrixXd& g) {
    const auto xbar = netlists::build_crossbar(x.spec, netlists::program_cells(x, {g}),
                                               Eigen::VectorXd::Constant(1, x.v_read_volt), "sneak study");
    cosim::NodalOptions options;
    options.timeout_s = x.timeout_s;
    return cosim::read_nodal(xbar, options).sense_current(x.spec.select_col);
}

// The study's tile of size n x n (select mode, one array) on the configured cells.
netlists::CrossbarConfig study_tile(const netlists::CrossbarConfig& base, int n) {
    netlists::CrossbarConfig x = base;
    netlists::CrossbarSpec& spec = x.spec;
    spec.rows = spec.cols = n;
    spec.differential = netlists::Differential::none;
    spec.mode = netlists::Mode::select;
    // Farthest from the drivers (row start) and from the sense amplifiers (column end).
    spec.select_row = spec.sense_edge == netlists::SenseEdge::bottom ? 0 : n - 1;
    spec.select_col = spec.driver_edge == netlists::DriverEdge::left ? n - 1 : 0;
    return x;
}

}  // namespace

std::vector<SneakPoint> run_sneak_study(const netlists::CrossbarConfig& base, const std::vector<int>& sizes,
                                        SneakBackground background,
                                        const std::function<void(std::size_t, std::size_t)>& progress) {
    const netlists::SelectScheme schemes[] = {netlists::SelectScheme::floating, netlists::SelectScheme::v_half,
                                              netlists::SelectScheme::v_third};
    std::vector<SneakPoint> out;
    const std::size_t total = sizes.size() * 3;
    // Every size against solver.memory_budget_mib before the first solve (one at a time).
    for (int n : sizes) cosim::check_memory_budget(study_tile(base, n), "nodal");
    for (int n : sizes) {
        netlists::CrossbarConfig x = study_tile(base, n);
        netlists::CrossbarSpec& spec = x.spec;
        Eigen::MatrixXd g = Eigen::MatrixXd::Constant(n, n, base.g_max_siemens);
        if (background == SneakBackground::random) {
            netlists::SplitMix64 rng(base.seed);
            for (int r = 0; r < n; ++r)
                for (int c = 0; c < n; ++c)
                    g(r, c) = base.g_min_siemens + (base.g_max_siemens - base.g_min_siemens) * rng.uniform();
        }
        for (auto scheme : schemes) {
            spec.scheme = scheme;
            SneakPoint p;
            p.n = n;
            p.scheme = scheme;
            g(spec.select_row, spec.select_col) = base.g_max_siemens;
            p.i_on_a = read_selected(x, g);
            g(spec.select_row, spec.select_col) = base.g_min_siemens;
            p.i_off_a = read_selected(x, g);
            p.i_cell_on_a = base.g_max_siemens * base.v_read_volt;
            p.margin = (p.i_on_a - p.i_off_a) / p.i_on_a;
            out.push_back(p);
            if (progress) progress(out.size(), total);
        }
    }
    return out;
}

std::vector<std::filesystem::path> write_sneak_report(const std::vector<SneakPoint>& points,
                                                      const netlists::CrossbarConfig& base,
                                                      const std::filesystem::path& dir) {
    io::prepare_output_dir(dir, "output folder");
    const auto csv = dir / "sneak_margin.csv";
    std::string out = "n,scheme,i_on_a,i_off_a,i_cell_on_a,read_margin\n";
    for (const auto& p : points)
        out += fmt::format("{},{},{:.17g},{:.17g},{:.17g},{:.17g}\n", p.n, to_string(p.scheme), p.i_on_a, p.i_off_a,
                           p.i_cell_on_a, p.margin);
    io::write_file_atomic(csv, out);
    // One column per scheme for the plot: n, floating, v_half, v_third.
    const auto dat = dir / "sneak_margin.dat";
    std::string table = "# n floating v_half v_third (read margin)\n";
    for (std::size_t k = 0; k + 2 < points.size(); k += 3)
        table += fmt::format("{} {:.9g} {:.9g} {:.9g}\n", points[k].n, points[k].margin, points[k + 1].margin,
                             points[k + 2].margin);
    io::write_file_atomic(dat, table);
    const auto png = dir / "sneak_margin.png";
    const std::string script = fmt::format(
        "set terminal pngcairo size 900,600 font ',11' noenhanced\nset output {}\n"
        "set title {}\nset xlabel 'array size N (N x N)'\nset ylabel 'read margin (I_on - I_off) / I_on'\n"
        "set logscale xy 2\nset grid\nset key top right\n"
        "plot 'sneak_margin.dat' using 1:2 with linespoints lw 2 title 'floating', "
        "'' using 1:3 with linespoints lw 2 title 'V/2', '' using 1:4 with linespoints lw 2 title 'V/3'\n",
        io::gnuplot_quote(png.filename().string()),
        io::gnuplot_quote(fmt::format("{} {} read margin: V_read {} V, G {}..{} S, wires {} / {} ohm",
                                  to_string(base.spec.cell), base.device_preset, base.v_read_volt, base.g_min_siemens,
                                  base.g_max_siemens, base.spec.r_wire_row_ohm, base.spec.r_wire_col_ohm)));
    std::vector<std::filesystem::path> files{csv, dat, dir / "sneak_margin.gp"};
    if (io::run_gnuplot(dir / "sneak_margin.gp", script, png)) files.push_back(png);
    return files;
}

}  // namespace kirchhoff::validation
