// IR-drop maps: CSV and gnuplot heat maps.
#include "validation/ir_drop_map.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/output_path.hpp"

namespace kirchhoff::validation {

std::vector<std::filesystem::path> write_ir_drop_map(const netlists::CrossbarCircuit& xbar,
                                                     const Eigen::VectorXd& v,
                                                     const std::vector<Eigen::MatrixXd>& cell_current,
                                                     const std::filesystem::path& dir) {
    io::prepare_output_dir(dir, "output folder");
    std::vector<std::filesystem::path> written;
    const auto& spec = xbar.spec;
    const auto csv_path = dir / "cell_voltages.csv";
    std::string csv = "array,row,col,v_wordline_volt,v_bitline_volt,v_cell_volt,v_cell_over_input,i_cell_a\n";
    std::vector<Eigen::MatrixXd> drops;  // per array: input - cell voltage (V), (rows, physical cols)
    for (int a = 0; a < spec.arrays(); ++a) {
        Eigen::MatrixXd& drop = drops.emplace_back(spec.rows, spec.physical_cols());
        for (int r = 0; r < spec.rows; ++r) {
            const std::size_t src = xbar.row_sources[std::size_t(r)];
            const double input = src == netlists::no_source ? std::nan("") : xbar.circuit.sources()[src].volt;
            for (int c = 0; c < spec.physical_cols(); ++c) {
                const double vw = v(xbar.row_nodes[std::size_t(a)](r, c));
                const double vb = v(xbar.col_nodes[std::size_t(a)](r, c));
                drop(r, c) = input - (vw - vb);
                csv += fmt::format("{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", a, r, c, vw, vb, vw - vb,
                                   input != 0.0 ? (vw - vb) / input : std::nan(""),
                                   cell_current[std::size_t(a)](r, c));
            }
        }
    }
    io::write_file_atomic(csv_path, csv);
    written.push_back(csv_path);
    for (int a = 0; a < spec.arrays(); ++a) {
        const std::string suffix = spec.arrays() == 1 ? "" : (a == 0 ? "_p" : "_m");
        const Eigen::MatrixXd& drop = drops[std::size_t(a)];
        const auto dat = dir / fmt::format("ir_drop{}.dat", suffix);
        std::string m;
        for (int r = 0; r < spec.rows; ++r) {
            for (int c = 0; c < spec.physical_cols(); ++c) m += fmt::format("{:.9g} ", 1e3 * drop(r, c));
            m += "\n";
        }
        io::write_file_atomic(dat, m);
        written.push_back(dat);
        const auto png = dir / fmt::format("ir_drop{}.png", suffix);
        const std::string script = fmt::format(
            "set terminal pngcairo size 900,760 font ',11' noenhanced\n"
            "set output {}\n"
            "set title {}\n"
            "set xlabel 'column (bit line)'\nset ylabel 'row (word line)'\n"
            "set cblabel 'IR drop: row input - cell voltage (mV)'\n"
            "set xrange [-0.5:{}]\nset yrange [{}:-0.5]\nset size ratio -1\nset palette rgb 33,13,10\n"
            "plot {} matrix with image notitle\n",
            io::gnuplot_quote(png.filename().string()),
            io::gnuplot_quote(fmt::format("IR drop: {}x{} {} array{}, {} ohm / {} ohm segments", spec.rows,
                                      spec.physical_cols(), to_string(spec.cell), suffix, spec.r_wire_row_ohm,
                                      spec.r_wire_col_ohm)),
            spec.physical_cols() - 0.5, spec.rows - 0.5,
            io::gnuplot_quote(dat.filename().string()));
        const auto gp = dir / fmt::format("ir_drop{}.gp", suffix);
        written.push_back(gp);
        if (io::run_gnuplot(gp, script, png)) written.push_back(png);
    }
    return written;
}

}  // namespace kirchhoff::validation
