// Fitting, saving and loading tile surrogates (surrogate_model.hpp).
#include "cosim/surrogate_model.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <variant>

#include <fmt/format.h>

#include "cosim/fit_options.hpp"
#include "cosim/line_relaxation.hpp"
#include "cosim/mvm_engine.hpp"
#include "cosim/residual_metrics.hpp"
#include "cosim/tile_surrogate.hpp"
#include "devices/presets.hpp"
#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"

#ifndef KIRCHHOFF_VERSION
#error "KIRCHHOFF_VERSION must be set by cosim/CMakeLists.txt"
#endif

namespace kirchhoff::cosim {

namespace {

constexpr const char* format_tag = "kirchhoff.tile_surrogate.v1";

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}


// One calibration tile: its programmed cells, inputs (rows, K), and outputs (cols, K) of the
// circuit, the ideal G^T v and the same cells with ideal wires (residual_metrics.hpp).
struct CalibrationTile {
    ProgrammedTile tile;
    Eigen::MatrixXd inputs, circuit, ideal, ideal_wire;
};

std::vector<CalibrationTile> calibration_set(const netlists::CrossbarConfig& x, int tiles, int inputs,
                                             const FitProgress& progress) {
    std::vector<CalibrationTile> set;
    std::size_t done = 0;
    const std::size_t total = std::size_t(tiles) * std::size_t(inputs);
    for (int t = 0; t < tiles; ++t) {
        netlists::CrossbarConfig xt = x;
        xt.seed = x.seed * 1000003ULL + std::uint64_t(t) + 1;  // apart from check's held-out seeds
        const netlists::RandomTile random = netlists::random_tile(xt);
        CalibrationTile c{program_tile(xt, random.g_siemens), {}, {}, {}, {}};
        netlists::SplitMix64 rng(xt.seed ^ 0x5eed5eedULL);
        c.inputs.resize(x.spec.rows, inputs);
        for (int k = 0; k < inputs; ++k)
            for (int r = 0; r < x.spec.rows; ++r) c.inputs(r, k) = x.v_read_volt * rng.uniform();
        auto circuit = make_nodal_engine(c.tile);
        auto ideal = make_ideal_engine(c.tile);
        auto ideal_wire = make_nodal_engine(ideal_wire_tile(c.tile));
        c.circuit.resize(x.spec.cols, inputs);
        c.ideal.resize(x.spec.cols, inputs);
        c.ideal_wire.resize(x.spec.cols, inputs);
        for (int k = 0; k < inputs; ++k) {
            c.circuit.col(k) = circuit->matvec(c.inputs.col(k));
            c.ideal.col(k) = ideal->matvec(c.inputs.col(k));
            c.ideal_wire.col(k) = ideal_wire->matvec(c.inputs.col(k));
            if (progress) progress("full circuit solves", ++done, total);
        }
        set.push_back(std::move(c));
    }
    return set;
}

double surrogate_error(const std::vector<CalibrationTile>& set, const CellResponse& response, double v_star) {
    double e = 0.0;
    for (const auto& c : set)
        e += (linearised_outputs(c.tile.config.spec, c.tile.cells, response, v_star, c.inputs) - c.circuit).squaredNorm();
    return e;
}

std::string number(double x) { return fmt::format("{}", x); }

double parse_number(const std::map<std::string, std::string>& meta, const std::string& key, const std::string& file) {
    const auto it = meta.find(key);
    if (it == meta.end()) throw InputError(fmt::format("{}: surrogate table has no metadata '{}'", file, key));
    try {
        std::size_t used = 0;
        const double x = std::stod(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing text");
        return x;
    } catch (const std::exception&) {
        throw InputError(fmt::format("{}: metadata '{}' = \"{}\" is not a number", file, key, it->second));
    }
}

const std::string& require_meta(const std::map<std::string, std::string>& meta, const std::string& key,
                                const std::string& file) {
    const auto it = meta.find(key);
    if (it == meta.end()) throw InputError(fmt::format("{}: surrogate table has no metadata '{}'", file, key));
    return it->second;
}

// A configuration from its JSON form, through the same checks as a TOML file.
params::Config config_from_json(const nlohmann::json& j, const std::string& source) {
    params::Config c(surrogate_fit_schema());
    for (const auto& [key, value] : j.items()) {
        const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        try {
            c.set_override(key + "=" + text);
        } catch (const InputError& e) {
            throw InputError(fmt::format("{}: stored configuration: {}", source, e.what()));
        }
    }
    return c;
}

}  // namespace

TableGrid table_grid(const netlists::CrossbarConfig& x, const devices::Device& device, const FitOptions& fit) {
    double m1 = device.memory_for_conductance(x.g_min_siemens, x.v_read_volt);
    double m2 = device.memory_for_conductance(x.g_max_siemens, x.v_read_volt);
    if (m1 > m2) std::swap(m1, m2);
    const double pad = 0.02 * (m2 - m1);
    TableGrid g;
    const double span = fit.table_v_span * x.v_read_volt;
    g.v_min_volt = -span;
    g.v_max_volt = span;
    g.nv = fit.table_points_v;
    g.memory_min = m1 - pad;
    g.memory_max = m2 + pad;
    g.nm = fit.table_points_memory;
    return g;
}

CellResponse native_response(const netlists::CrossbarConfig& x, const FitOptions& fit) {
    const auto device = devices::make_device(devices::find_preset(x.device_preset));
    return CellResponse::from_table(tabulate_native(*device, x.device_preset, table_grid(x, *device, fit)));
}

params::Schema surrogate_fit_schema() {
    using namespace params;
    Schema s = netlists::inference_crossbar_schema();  // differential columns, as `kirchhoff run`
    s.add(fit_keys().schema());
    add_surrogate_keys(s);
    return s;
}

std::string fnv1a64_hex(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char ch : text) {
        h ^= ch;
        h *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", h);
}

SurrogateModel fit_surrogate(const params::Config& config, NgspiceSession& session, const FitProgress& progress) {
    SurrogateModel m;
    m.config = config.to_json();
    m.crossbar = netlists::crossbar_config(config);
    const FitOptions fit = fit_keys().read(config);
    const netlists::CrossbarConfig& x = m.crossbar;
    if (x.spec.mode != netlists::Mode::read || x.spec.cell == netlists::CellKind::one_s_one_r)
        throw InputError(fmt::format("fit: the tile surrogate models read-mode 1R and 1T1R tiles; this configuration "
                                     "is {} mode with {} cells",
                                     to_string(x.spec.mode), to_string(x.spec.cell)));
    m.provenance["kirchhoff_version"] = KIRCHHOFF_VERSION;
    m.provenance["ngspice_version"] = session.ngspice_version();
    m.provenance["date"] = utc_now();
    m.provenance["seed"] = std::to_string(x.seed);

    if (x.device_preset != "linear") {
        const auto device = devices::make_device(devices::find_preset(x.device_preset));
        const TableGrid grid = table_grid(x, *device, fit);
        if (progress) progress("device table (ngspice dc sweep)", 0, 1);
        m.provenance["deck_hash"] = fnv1a64_hex(table_deck(*device, x.device_preset, grid));
        m.table = tabulate_spice(session, *device, x.device_preset, grid,
                                 x.timeout_s > 0 ? std::optional(x.timeout_s) : std::nullopt);
        if (progress) progress("device table (ngspice dc sweep)", 1, 1);
        const TableErrors errors = table_errors(*m.table, *device);
        m.report.table_vs_native = errors.table_vs_native;
        m.report.table_interpolation = errors.interpolation;
        m.response = CellResponse::from_table(*m.table, fit.rank_tolerance, fit.max_rank);
        m.report.factor_residual = m.response.residual();
    }

    const int tiles = fit.tiles, inputs = fit.inputs_per_tile;
    const auto set = calibration_set(x, tiles, inputs, progress);
    if (!m.response.is_linear()) {
        // Golden-section search for V* in (0, v_read]: the error is smooth and, over this
        // range, has one minimum (the slope c = phi'(V*) grows monotonically with V*).
        const double phi = (std::sqrt(5.0) - 1) / 2;
        double a = 0.0, b = x.v_read_volt;
        double c = b - phi * (b - a), d = a + phi * (b - a);
        double fc = surrogate_error(set, m.response, c), fd = surrogate_error(set, m.response, d);
        const int steps = 24;
        for (int it = 0; it < steps; ++it) {
            if (fc < fd) {
                b = d, d = c, fd = fc;
                c = b - phi * (b - a);
                fc = surrogate_error(set, m.response, c);
            } else {
                a = c, c = d, fc = fd;
                d = a + phi * (b - a);
                fd = surrogate_error(set, m.response, d);
            }
            if (progress) progress("V* search", std::size_t(it + 1), steps);
        }
        m.v_star_volt = fc < fd ? c : d;
    }
    // Residuals of the tier in force (ohmic cells: the exact matrix, whatever the tier).
    m.options = surrogate_options(config);
    const bool line = tier_in_force(m.response, m.options) == SurrogateTier::line_relaxation;
    m.report.tier = std::string(to_string(tier_in_force(m.response, m.options)));
    ResidualAccumulator acc;
    for (const auto& c : set) {
        Eigen::MatrixXd s(c.circuit.rows(), c.circuit.cols());
        if (line) {
            LineRelaxationOptions limited = m.options.line;
            limited.timeout_s = x.timeout_s;  // solver.timeout_s bounds each solve's sweeps
            const auto solver = LineRelaxation::build(c.tile.config.spec, c.tile.cells, m.response, m.v_star_volt,
                                                      limited);
            for (Eigen::Index k = 0; k < c.inputs.cols(); ++k) s.col(k) = solver.matvec(c.inputs.col(k));
        } else {
            s = linearised_outputs(c.tile.config.spec, c.tile.cells, m.response, m.v_star_volt, c.inputs);
        }
        for (Eigen::Index k = 0; k < s.cols(); ++k) acc.add(s.col(k), c.circuit.col(k), c.ideal.col(k), c.ideal_wire.col(k));
    }
    const ResidualMetrics r = acc.metrics();
    m.report.tiles = tiles;
    m.report.inputs = tiles * inputs;
    m.report.nmse = r.nmse;
    m.report.ideal_nmse = r.ideal_nmse;
    m.report.ir_nmse = r.ir_nmse;
    m.report.captured_fraction = r.captured_fraction;
    m.report.captured_fraction_ir = r.captured_fraction_ir;
    return m;
}

void save_surrogate(const SurrogateModel& m, const std::filesystem::path& path) {
    io::SafetensorsWriter w;
    w.set_metadata("format", format_tag);
    w.set_metadata("config", m.config.dump());
    w.set_metadata("v_star_volt", number(m.v_star_volt));
    w.set_metadata("fit.tier", m.report.tier);
    w.set_metadata("fit.tiles", std::to_string(m.report.tiles));
    w.set_metadata("fit.inputs", std::to_string(m.report.inputs));
    w.set_metadata("fit.nmse", number(m.report.nmse));
    w.set_metadata("fit.ideal_nmse", number(m.report.ideal_nmse));
    w.set_metadata("fit.captured_fraction", number(m.report.captured_fraction));
    w.set_metadata("fit.ir_nmse", number(m.report.ir_nmse));
    w.set_metadata("fit.captured_fraction_ir", number(m.report.captured_fraction_ir));
    w.set_metadata("fit.table_vs_native", number(m.report.table_vs_native));
    w.set_metadata("fit.table_interpolation", number(m.report.table_interpolation));
    w.set_metadata("fit.factor_residual", number(m.report.factor_residual));
    for (const auto& [k, v] : m.provenance) w.set_metadata("provenance." + k, v);
    if (m.table) {
        const TableGrid& g = m.table->grid;
        w.set_metadata("table.preset", m.table->preset);
        w.set_metadata("table.axes", "device_current_a[memory, v]");
        w.set_metadata("table.units", fmt::format("current A; memory ({}) {}; v V", m.table->memory_name, m.table->memory_unit));
        w.set_metadata("table.memory_name", m.table->memory_name);
        w.set_metadata("table.memory_unit", m.table->memory_unit);
        w.set_metadata("table.v_min_volt", number(g.v_min_volt));
        w.set_metadata("table.v_max_volt", number(g.v_max_volt));
        w.set_metadata("table.memory_min", number(g.memory_min));
        w.set_metadata("table.memory_max", number(g.memory_max));
        // Row-major (memory, v), as the axes say.
        std::vector<double> data(std::size_t(g.nm) * std::size_t(g.nv));
        for (int i = 0; i < g.nm; ++i)
            for (int j = 0; j < g.nv; ++j) data[std::size_t(i) * std::size_t(g.nv) + std::size_t(j)] = m.table->current_a(i, j);
        w.add<double>("device_current_a", {g.nm, g.nv}, data);
    }
    w.write(path);
}

// A loaded table's axes: finite, ordered, and the grid its own configuration gives (the fit
// writes exactly that grid), so a table whose axes were edited cannot be read at wrong places.
void check_table_grid(const TableGrid& g, const netlists::CrossbarConfig& x, const params::Config& config,
                      const std::string& file) {
    for (auto [key, value] : {std::pair{"table.v_min_volt", g.v_min_volt}, std::pair{"table.v_max_volt", g.v_max_volt},
                              std::pair{"table.memory_min", g.memory_min}, std::pair{"table.memory_max", g.memory_max}})
        if (!std::isfinite(value))
            throw InputError(fmt::format("{}: metadata {} = {} is not a finite number", file, key, value));
    if (!(g.v_min_volt < g.v_max_volt))
        throw InputError(fmt::format("{}: metadata table.v_min_volt = {} V must be below table.v_max_volt = {} V", file,
                                     g.v_min_volt, g.v_max_volt));
    if (!(g.memory_min < g.memory_max))
        throw InputError(fmt::format("{}: metadata table.memory_min = {} must be below table.memory_max = {}", file,
                                     g.memory_min, g.memory_max));
    const auto device = devices::make_device(devices::find_preset(x.device_preset));
    const TableGrid want = table_grid(x, *device, fit_keys().read(config));
    if (g.nm != want.nm || g.nv != want.nv)
        throw InputError(fmt::format("{}: tensor device_current_a has shape [{}, {}], its configuration gives [{}, {}] "
                                     "(fit.table_points_memory, fit.table_points_v)",
                                     file, g.nm, g.nv, want.nm, want.nv));
    const auto check = [&](const char* key, double have, double expected, double scale, const char* from) {
        if (std::abs(have - expected) > 1e-9 * scale)
            throw InputError(fmt::format("{}: metadata {} = {} does not match {} from its configuration ({})", file, key,
                                         have, expected, from));
    };
    const double v_scale = want.v_max_volt - want.v_min_volt;
    const double m_scale = std::max(std::abs(want.memory_min), std::abs(want.memory_max));
    check("table.v_min_volt", g.v_min_volt, want.v_min_volt, v_scale, "-fit.table_v_span x input.v_read_volt");
    check("table.v_max_volt", g.v_max_volt, want.v_max_volt, v_scale, "fit.table_v_span x input.v_read_volt");
    check("table.memory_min", g.memory_min, want.memory_min, m_scale, "the device at device.g_min/g_max_siemens");
    check("table.memory_max", g.memory_max, want.memory_max, m_scale, "the device at device.g_min/g_max_siemens");
}

SurrogateModel load_surrogate(const std::filesystem::path& path) {
    const std::string file = path.string();
    const io::SafetensorsReader r(path);
    const auto& meta = r.metadata();
    const auto format = meta.find("format");
    if (format == meta.end() || format->second != format_tag)
        throw InputError(fmt::format("{}: not a Kirchhoff tile surrogate table (metadata format is '{}', expected '{}')",
                                     file, format == meta.end() ? "" : format->second, format_tag));
    SurrogateModel m;
    try {
        m.config = nlohmann::json::parse(require_meta(meta, "config", file));
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: metadata 'config' is not valid JSON: {}", file, e.what()));
    }
    const params::Config config = config_from_json(m.config, file);
    m.crossbar = netlists::crossbar_config(config);
    m.v_star_volt = parse_number(meta, "v_star_volt", file);
    if (!std::isfinite(m.v_star_volt) || m.v_star_volt < 0 || m.v_star_volt > m.crossbar.v_read_volt)
        throw InputError(fmt::format("{}: metadata v_star_volt = {} is outside [0, input.v_read_volt = {}] V (the "
                                     "fit searches the linearisation voltage there)",
                                     file, m.v_star_volt, m.crossbar.v_read_volt));
    m.options = surrogate_options(config);
    // Tables written before the line-relaxation tier recorded the linearised tier's residuals.
    const auto tier = meta.find("fit.tier");
    m.report.tier = tier == meta.end() ? "linearised" : tier->second;
    m.report.tiles = int(parse_number(meta, "fit.tiles", file));
    m.report.inputs = int(parse_number(meta, "fit.inputs", file));
    m.report.nmse = parse_number(meta, "fit.nmse", file);
    m.report.ideal_nmse = parse_number(meta, "fit.ideal_nmse", file);
    m.report.captured_fraction = parse_number(meta, "fit.captured_fraction", file);
    // Tables written before these two keys existed lack them: NaN, "not measured".
    for (auto [key, field] : {std::pair{"fit.ir_nmse", &m.report.ir_nmse},
                              std::pair{"fit.captured_fraction_ir", &m.report.captured_fraction_ir}})
        *field = meta.count(key) ? parse_number(meta, key, file) : std::numeric_limits<double>::quiet_NaN();
    m.report.table_vs_native = parse_number(meta, "fit.table_vs_native", file);
    m.report.table_interpolation = parse_number(meta, "fit.table_interpolation", file);
    m.report.factor_residual = parse_number(meta, "fit.factor_residual", file);
    for (const auto& [k, v] : meta)
        if (k.rfind("provenance.", 0) == 0) m.provenance[k.substr(11)] = v;
    if (m.crossbar.device_preset != "linear") {
        const io::TensorInfo& t = r.require("device_current_a");
        if (t.shape.size() != 2)
            throw InputError(fmt::format("{}: tensor device_current_a has shape {}, expected [memory, v]", file,
                                         io::shape_str(t.shape)));
        DeviceTable table;
        table.preset = require_meta(meta, "table.preset", file);
        if (table.preset != m.crossbar.device_preset)
            throw InputError(fmt::format("{}: the table is for preset '{}', its configuration says '{}'", file,
                                         table.preset, m.crossbar.device_preset));
        table.memory_name = require_meta(meta, "table.memory_name", file);
        table.memory_unit = require_meta(meta, "table.memory_unit", file);
        table.grid.v_min_volt = parse_number(meta, "table.v_min_volt", file);
        table.grid.v_max_volt = parse_number(meta, "table.v_max_volt", file);
        table.grid.memory_min = parse_number(meta, "table.memory_min", file);
        table.grid.memory_max = parse_number(meta, "table.memory_max", file);
        table.grid.nm = int(t.shape[0]);
        table.grid.nv = int(t.shape[1]);
        check_table_grid(table.grid, m.crossbar, config, file);
        const std::vector<double> data = r.read_f64("device_current_a");
        table.current_a.resize(table.grid.nm, table.grid.nv);
        for (int i = 0; i < table.grid.nm; ++i)
            for (int j = 0; j < table.grid.nv; ++j)
                table.current_a(i, j) = data[std::size_t(i) * std::size_t(table.grid.nv) + std::size_t(j)];
        const FitOptions fit = fit_keys().read(config);
        m.response = CellResponse::from_table(table, fit.rank_tolerance, fit.max_rank);
        m.table = std::move(table);
    }
    return m;
}

void check_compatible(const SurrogateModel& m, const netlists::CrossbarConfig& requested,
                      const std::string& model_path) {
    nlohmann::json want = nlohmann::json::object();  // by key name, as the table stores its configuration
    for (const auto& row : netlists::crossbar_keys().rows())
        std::visit([&](const auto& x) { want[row.key.name] = x; }, row.get(requested));
    std::string differences;
    for (const auto& [key, value] : want.items()) {
        if (key == "seed" || key.rfind("solver.", 0) == 0 || key.rfind("fit.", 0) == 0 ||
            key.rfind("surrogate.", 0) == 0)
            continue;
        const auto stored = m.config.find(key);
        if (stored == m.config.end())
            differences += fmt::format("\n  {}: not in the table, requested {}", key, value.dump());
        else if (*stored != value)
            differences += fmt::format("\n  {}: table {}, requested {}", key, stored->dump(), value.dump());
    }
    if (!differences.empty())
        throw InputError(fmt::format("{}: this surrogate table was fitted for another configuration:{}\n  (fit a new "
                                     "table with `kirchhoff fit` for this configuration)",
                                     model_path, differences));
}

}  // namespace kirchhoff::cosim
