// Crossbar circuit construction (names and layout: crossbar_builder.hpp).
#include "netlists/crossbar_builder.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "netlists/ideal.hpp"
#include "netlists/sinh_selector.hpp"

namespace kirchhoff::netlists {

namespace {

// Names without the formatting machinery: a tile has about ten named things per cell.
void append_int(std::string& out, int x) {
    char buf[16];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, end);
}
// "<kind><P><i>", e.g. "vsensem3"
std::string line_name(std::string_view kind, std::string_view P, int i) {
    std::string out;
    out.reserve(kind.size() + P.size() + 6);
    out.append(kind).append(P);
    append_int(out, i);
    return out;
}
// "<kind><P><r>_<c>", e.g. "rrp12_7"
std::string cell_name(std::string_view kind, std::string_view P, int r, int c) {
    std::string out = line_name(kind, P, r);
    out.push_back('_');
    append_int(out, c);
    return out;
}

void check(const CrossbarSpec& s, const std::vector<CellArray>& cells, const Eigen::VectorXd& v) {
    if (s.rows < 1 || s.cols < 1)
        throw std::invalid_argument(fmt::format("crossbar needs at least 1x1 cells, got {}x{}", s.rows, s.cols));
    if (int(cells.size()) != s.arrays())
        throw std::invalid_argument(fmt::format("{} differential tile needs {} cell arrays, got {}",
                                                to_string(s.differential), s.arrays(), cells.size()));
    for (const CellArray& a : cells) {
        if (a.value.rows() != s.rows || a.value.cols() != s.physical_cols())
            throw std::invalid_argument(fmt::format("cell array is {}x{}, the tile needs {}x{}", a.value.rows(),
                                                    a.value.cols(), s.rows, s.physical_cols()));
        for (Eigen::Index r = 0; r < a.value.rows(); ++r)
            for (Eigen::Index c = 0; c < a.value.cols(); ++c) {
                const double x = a.value(r, c);
                if (!std::isfinite(x) || (!a.model && !(x > 0.0)))
                    throw std::invalid_argument(fmt::format(
                        "cell ({}, {}) {} {} must be finite{}", r, c, a.model ? "parameter" : "conductance (S)", x,
                        a.model ? "" : " and > 0"));
            }
    }
    const Eigen::Index want = s.mode == Mode::read ? s.rows : 1;
    if (v.size() != want)
        throw std::invalid_argument(fmt::format("{} mode takes {} input voltage(s), got {}", to_string(s.mode), want, v.size()));
    if (!v.allFinite()) throw std::invalid_argument("input voltages must be finite");
    for (double r : {s.r_wire_row_ohm, s.r_wire_col_ohm, s.r_driver_ohm})
        if (!(r >= 0.0) || !std::isfinite(r))
            throw std::invalid_argument(fmt::format("resistance {} ohm must be finite and >= 0", r));
    if (s.mode == Mode::select &&
        (s.select_row < 0 || s.select_row >= s.rows || s.select_col < 0 || s.select_col >= s.physical_cols()))
        throw std::invalid_argument(fmt::format("selected cell ({}, {}) is outside the {}x{} array", s.select_row,
                                                s.select_col, s.rows, s.physical_cols()));
}

// Voltage of an unselected line in select mode, or NaN when it floats.
double unselected_row_volt(const CrossbarSpec& s, double v) {
    switch (s.scheme) {
        case SelectScheme::floating: return std::nan("");
        case SelectScheme::v_half: return v / 2;
        case SelectScheme::v_third: return v / 3;
    }
    return std::nan("");
}
double unselected_col_volt(const CrossbarSpec& s, double v) {
    switch (s.scheme) {
        case SelectScheme::floating: return std::nan("");
        case SelectScheme::v_half: return v / 2;
        case SelectScheme::v_third: return 2 * v / 3;
    }
    return std::nan("");
}

}  // namespace

CrossbarCircuit build_crossbar(const CrossbarSpec& s, const std::vector<CellArray>& cells,
                               const Eigen::VectorXd& v, std::string title) {
    check(s, cells, v);
    CrossbarCircuit out{Circuit(std::move(title)), s, {}, {}, {}, {}, {}, {}, {}};
    Circuit& c = out.circuit;
    const int rows = s.rows, pcols = s.physical_cols();
    {
        const std::size_t cells = std::size_t(s.arrays()) * std::size_t(rows) * std::size_t(pcols);
        const std::size_t per_cell = s.cell == CellKind::one_r ? 2 : 3;
        const std::size_t nonlinear = s.cell == CellKind::one_s_one_r ? 2 * cells : cells;  // at most
        c.reserve(per_cell * cells + 4 * std::size_t(rows + pcols), 3 * cells + 2 * std::size_t(rows + pcols),
                  nonlinear);
    }
    const bool row_wires = s.r_wire_row_ohm > 0, col_wires = s.r_wire_col_ohm > 0;
    // Records the grid point of a node the first time it is placed.
    auto place = [&](NodeId node, int a, int r, int col, int layer) {
        if (int(out.node_point.size()) < c.node_count()) {
            out.node_point.resize(std::size_t(c.node_count()), -1);
            out.node_layer.resize(std::size_t(c.node_count()), -1);
        }
        int& p = out.node_point[std::size_t(node)];
        if (p >= 0) return;
        p = (a * rows + r) * pcols + col;
        out.node_layer[std::size_t(node)] = static_cast<signed char>(layer);
    };
    c.header_lines.push_back(fmt::format(
        "* {}x{} {} crossbar ({} physical columns, {} array(s)), word-line segment {} ohm, bit-line "
        "segment {} ohm, driver {} ohm, sense {}, {} mode",
        rows, s.cols, to_string(s.cell), pcols, s.arrays(), s.r_wire_row_ohm, s.r_wire_col_ohm, s.r_driver_ohm,
        to_string(s.sense), to_string(s.mode)));

    // Row drivers: which rows are driven and at what voltage.
    std::vector<double> row_volt(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
        if (s.mode == Mode::read) row_volt[std::size_t(r)] = v(r);
        else row_volt[std::size_t(r)] = r == s.select_row ? v(0) : unselected_row_volt(s, v(0));
    }
    // Every name below is unique by construction, so nodes are added without a lookup.
    out.row_sources.assign(std::size_t(rows), no_source);
    std::vector<NodeId> in_node(static_cast<std::size_t>(rows), -1);
    auto input_node = [&](int r) {
        NodeId& n = in_node[std::size_t(r)];
        if (n < 0) n = c.add_node(line_name("in", "", r));
        return n;
    };
    for (int r = 0; r < rows; ++r) {
        if (std::isnan(row_volt[std::size_t(r)])) continue;
        out.row_sources[std::size_t(r)] = c.sources().size();
        c.add_source(line_name("vrow", "", r), input_node(r), row_volt[std::size_t(r)]);
    }

    int model_index = -1, selector_index = -1;
    if (s.cell == CellKind::one_s_one_r) selector_index = c.add_model(std::make_shared<SinhSelector>(s.selector));

    for (int a = 0; a < s.arrays(); ++a) {
        const std::string P = s.arrays() == 1 ? "" : (a == 0 ? "p" : "m");
        const CellArray& cell = cells[std::size_t(a)];
        if (cell.model) {
            model_index = -1;
            for (int m = 0; m < int(c.models().size()); ++m)
                if (c.models()[std::size_t(m)]->name() == cell.model->name()) model_index = m;
            if (model_index < 0) model_index = c.add_model(cell.model);
        }
        Eigen::MatrixXi& rn = out.row_nodes.emplace_back(rows, pcols);
        Eigen::MatrixXi& cn = out.col_nodes.emplace_back(rows, pcols);
        Eigen::MatrixXi& tops = out.cell_nodes.emplace_back(rows, pcols);
        Eigen::MatrixXi& elements = out.cell_elements.emplace_back(rows, pcols);

        // Word lines, from the driver edge inwards. A floating line (select mode) has neither
        // driver nor driver segment.
        for (int r = 0; r < rows; ++r) {
            const bool driven = out.row_sources[std::size_t(r)] != no_source;
            NodeId entry = -1;
            if (driven || !row_wires) entry = input_node(r);
            const int edge_col = s.driver_edge == DriverEdge::left ? 0 : pcols - 1;
            if (driven && s.r_driver_ohm > 0) {
                const NodeId d = c.add_node(P + line_name("d", "", r));
                c.add_resistor(line_name("rdrv", P, r), entry, d, s.r_driver_ohm);
                entry = d;
                place(d, a, r, edge_col, 0);
            }
            if (!row_wires) {
                for (int col = 0; col < pcols; ++col) rn(r, col) = entry;
                continue;
            }
            NodeId prev = entry;
            for (int k = 0; k < pcols; ++k) {
                const int col = s.driver_edge == DriverEdge::left ? k : pcols - 1 - k;
                const NodeId here = c.add_node(P + cell_name("r", "", r, col));
                place(here, a, r, col, 0);
                if (prev >= 0) c.add_resistor(cell_name("rr", P, r, col), prev, here, s.r_wire_row_ohm);
                rn(r, col) = here;
                prev = here;
            }
        }

        // Bit lines, from the far edge towards the sense amplifier, and their sense ends.
        for (int col = 0; col < pcols; ++col) {
            const NodeId end = c.add_node(P + line_name("out", "", col));
            const int edge_row = s.sense_edge == SenseEdge::bottom ? rows - 1 : 0;
            place(end, a, edge_row, col, 2);
            for (int k = 0; k < rows; ++k) {
                const int r = s.sense_edge == SenseEdge::bottom ? k : rows - 1 - k;
                if (!col_wires) {
                    cn(r, col) = end;
                    continue;
                }
                cn(r, col) = c.add_node(P + cell_name("c", "", r, col));
                place(cn(r, col), a, r, col, 2);
            }
            if (col_wires)
                for (int k = 0; k < rows; ++k) {
                    const int r = s.sense_edge == SenseEdge::bottom ? k : rows - 1 - k;
                    const int next = s.sense_edge == SenseEdge::bottom ? r + 1 : r - 1;
                    const NodeId to = k + 1 < rows ? cn(next, col) : end;
                    c.add_resistor(cell_name("rc", P, r, col), cn(r, col), to, s.r_wire_col_ohm);
                }
            double bias = 0.0;
            if (s.mode == Mode::select && col != s.select_col) bias = unselected_col_volt(s, v(0));
            if (std::isnan(bias)) {
                out.sense_sources.push_back(no_source);
                continue;
            }
            NodeId sense_node = end;
            if (s.sense == SenseKind::tia) {
                sense_node = c.add_node(P + line_name("s", "", col));
                place(sense_node, a, edge_row, col, 2);
                c.add_resistor(line_name("rtia", P, col), end, sense_node, s.tia.input_ohm());
            }
            out.sense_sources.push_back(c.sources().size());
            c.add_source(line_name("vsense", P, col), sense_node, bias);
        }

        // Cells (and access elements) between word line and bit line.
        for (int r = 0; r < rows; ++r)
            for (int col = 0; col < pcols; ++col) {
                NodeId top = rn(r, col);
                const NodeId bottom = cn(r, col);
                if (s.cell != CellKind::one_r) {
                    const NodeId mid = c.add_node(P + cell_name("m", "", r, col));
                    place(mid, a, r, col, 1);
                    if (s.cell == CellKind::one_t_one_r) {
                        const bool gate_on = s.mode == Mode::read || r == s.select_row;
                        c.add_resistor(cell_name("rt", P, r, col), top, mid,
                                       gate_on ? s.access.r_on_ohm : s.access.r_off_ohm);
                    } else {
                        c.add_nonlinear(cell_name("xs", P, r, col), top, mid, selector_index, 0.0);
                    }
                    top = mid;
                }
                tops(r, col) = top;
                if (cell.model) {
                    elements(r, col) = -int(c.nonlinear().size()) - 1;
                    c.add_nonlinear(cell_name("xx", P, r, col), top, bottom, model_index, cell.value(r, col));
                } else {
                    elements(r, col) = int(c.resistors().size());
                    c.add_resistor(cell_name("rx", P, r, col), top, bottom, 1.0 / cell.value(r, col));
                }
            }
    }
    // Line nodes of ideal wires span a whole line; they sit at the line's first point.
    for (int a = 0; a < s.arrays(); ++a)
        for (int r = 0; r < rows; ++r)
            for (int col = 0; col < pcols; ++col) {
                place(out.row_nodes[std::size_t(a)](r, col), a, r, col, 0);
                place(out.col_nodes[std::size_t(a)](r, col), a, r, col, 2);
            }
    out.node_point.resize(std::size_t(c.node_count()), -1);
    out.node_layer.resize(std::size_t(c.node_count()), -1);
    return out;
}

std::vector<NodeId> nested_dissection_order(const CrossbarCircuit& x) {
    const int rows = x.spec.rows, pcols = x.spec.physical_cols();
    // Nodes grouped by grid point, in node order within a point.
    std::vector<std::vector<NodeId>> at(std::size_t(x.spec.arrays() * rows * pcols));
    std::vector<NodeId> order, unplaced;
    order.reserve(std::size_t(x.circuit.node_count()));
    for (NodeId n = 1; n < x.circuit.node_count(); ++n) {
        const int p = n < NodeId(x.node_point.size()) ? x.node_point[std::size_t(n)] : -1;
        if (p >= 0) at[std::size_t(p)].push_back(n);
        else unplaced.push_back(n);
    }
    // Emits the nodes of one grid point whose layer is (or is not) `layer`.
    auto emit = [&](int a, int r, int col, int layer, bool in_layer) {
        for (NodeId n : at[std::size_t((a * rows + r) * pcols + col)])
            if ((x.node_layer[std::size_t(n)] == layer) == in_layer) order.push_back(n);
    };
    auto emit_all = [&](int a, int r, int col) { emit(a, r, col, -2, false); };
    // Recursive bisection of [r0, r1) x [c0, c1); each separator goes after both halves.
    auto dissect = [&](auto& self, int a, int r0, int r1, int c0, int c1) -> void {
        const int h = r1 - r0, w = c1 - c0;
        if (h <= 0 || w <= 0) return;
        if (h * w <= 8) {
            for (int r = r0; r < r1; ++r)
                for (int col = c0; col < c1; ++col) emit_all(a, r, col);
            return;
        }
        if (w >= h) {  // word-line nodes of column cm separate left from right
            const int cm = (c0 + c1) / 2;
            self(self, a, r0, r1, c0, cm);
            self(self, a, r0, r1, cm + 1, c1);
            for (int r = r0; r < r1; ++r) emit(a, r, cm, 0, false);
            for (int r = r0; r < r1; ++r) emit(a, r, cm, 0, true);
        } else {  // bit-line nodes of row rm separate top from bottom
            const int rm = (r0 + r1) / 2;
            self(self, a, r0, rm, c0, c1);
            self(self, a, rm + 1, r1, c0, c1);
            for (int col = c0; col < c1; ++col) emit(a, rm, col, 2, false);
            for (int col = c0; col < c1; ++col) emit(a, rm, col, 2, true);
        }
    };
    for (int a = 0; a < x.spec.arrays(); ++a) dissect(dissect, a, 0, rows, 0, pcols);
    order.insert(order.end(), unplaced.begin(), unplaced.end());
    return order;
}

void CrossbarCircuit::set_inputs(const Eigen::VectorXd& v) {
    if (spec.mode != Mode::read || v.size() != spec.rows)
        throw std::invalid_argument(fmt::format("set_inputs takes {} row voltages in read mode", spec.rows));
    for (int r = 0; r < spec.rows; ++r) circuit.sources()[row_sources[std::size_t(r)]].volt = v(r);
}

void CrossbarCircuit::set_cells(const std::vector<CellArray>& cells) {
    if (cells.size() != cell_elements.size())
        throw std::invalid_argument(fmt::format("set_cells: {} cell arrays for a circuit of {}", cells.size(),
                                                cell_elements.size()));
    for (std::size_t a = 0; a < cells.size(); ++a) {
        const CellArray& cell = cells[a];
        const Eigen::MatrixXi& elements = cell_elements[a];
        if (cell.value.rows() != elements.rows() || cell.value.cols() != elements.cols())
            throw std::invalid_argument(fmt::format("set_cells: array {} is {} x {}, the circuit's {} x {}", a,
                                                    cell.value.rows(), cell.value.cols(), elements.rows(),
                                                    elements.cols()));
        const int first = elements.size() > 0 ? elements(0, 0) : 0;
        const bool device = first < 0;
        if (device != bool(cell.model))
            throw std::invalid_argument(fmt::format("set_cells: array {} holds {} cells, the circuit {} cells", a,
                                                    cell.model ? "device" : "ohmic", device ? "device" : "ohmic"));
        if (device) {
            const auto& model = *circuit.models()[std::size_t(circuit.nonlinear()[std::size_t(-first - 1)].model)];
            if (model.name() != cell.model->name())
                throw std::invalid_argument(fmt::format("set_cells: array {} holds cells of model {}, the circuit {}",
                                                        a, cell.model->name(), model.name()));
        }
        for (Eigen::Index c = 0; c < cell.value.cols(); ++c)
            for (Eigen::Index r = 0; r < cell.value.rows(); ++r)
                if (const double x = cell.value(r, c); !std::isfinite(x) || (!device && !(x > 0.0)))
                    throw std::invalid_argument(fmt::format("set_cells: array {} cell ({}, {}): {} {} is not {}", a, r,
                                                            c, device ? "state" : "conductance", x,
                                                            device ? "finite" : "finite and > 0"));
    }
    // Everything is checked above, before anything changes.
    for (std::size_t a = 0; a < cells.size(); ++a) {
        const Eigen::MatrixXi& elements = cell_elements[a];
        const Eigen::MatrixXd& value = cells[a].value;
        for (Eigen::Index c = 0; c < elements.cols(); ++c)
            for (Eigen::Index r = 0; r < elements.rows(); ++r) {
                const int k = elements(r, c);
                if (k < 0) circuit.set_parameter(std::size_t(-k - 1), value(r, c));
                else circuit.set_resistance(std::size_t(k), 1.0 / value(r, c));
            }
    }
}

std::vector<std::string> CrossbarCircuit::sense_vectors() const {
    std::vector<std::string> out;
    for (std::size_t k : sense_sources)
        out.push_back(k == no_source ? "" : source_current_vector(circuit.sources()[k].name));
    return out;
}

Eigen::VectorXd CrossbarCircuit::outputs(const Eigen::VectorXd& i) const { return logical_outputs(spec, i); }

Eigen::VectorXd logical_outputs(const CrossbarSpec& spec, const Eigen::VectorXd& i) {
    const int pc = spec.physical_cols();
    if (i.size() != spec.arrays() * pc)
        throw std::invalid_argument(fmt::format("outputs() takes {} sense currents, got {}", spec.arrays() * pc, i.size()));
    switch (spec.differential) {
        case Differential::none: return i;
        case Differential::columns: {
            Eigen::VectorXd y(spec.cols);
            for (int c = 0; c < spec.cols; ++c) y(c) = i(2 * c) - i(2 * c + 1);
            return y;
        }
        case Differential::arrays: return i.head(pc) - i.tail(pc);
    }
    return i;
}

Eigen::VectorXd ideal_outputs(const CrossbarSpec& spec, const std::vector<Eigen::MatrixXd>& g,
                              const Eigen::VectorXd& v) {
    Eigen::VectorXd all(spec.arrays() * spec.physical_cols());
    for (int a = 0; a < spec.arrays(); ++a)
        all.segment(a * spec.physical_cols(), spec.physical_cols()) = ideal_column_currents(g[std::size_t(a)], v);
    CrossbarCircuit shape{Circuit(), spec, {}, {}, {}, {}, {}, {}, {}};
    return shape.outputs(all);
}

std::string_view to_string(CellKind k) {
    switch (k) {
        case CellKind::one_r: return "1R";
        case CellKind::one_t_one_r: return "1T1R";
        case CellKind::one_s_one_r: return "1S1R";
    }
    return "?";
}
std::string_view to_string(DriverEdge e) { return e == DriverEdge::left ? "left" : "right"; }
std::string_view to_string(SenseEdge e) { return e == SenseEdge::bottom ? "bottom" : "top"; }
std::string_view to_string(SenseKind k) { return k == SenseKind::tia ? "tia" : "virtual_ground"; }
std::string_view to_string(Differential d) {
    switch (d) {
        case Differential::none: return "none";
        case Differential::columns: return "columns";
        case Differential::arrays: return "arrays";
    }
    return "?";
}
std::string_view to_string(Mode m) { return m == Mode::read ? "read" : "select"; }
std::string_view to_string(SelectScheme s) {
    switch (s) {
        case SelectScheme::floating: return "floating";
        case SelectScheme::v_half: return "v_half";
        case SelectScheme::v_third: return "v_third";
    }
    return "?";
}

}  // namespace kirchhoff::netlists
