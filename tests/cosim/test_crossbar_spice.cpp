// Crossbar decks solved through the ngspice session: ideal wires give G^T v, charge is
// conserved, and the session agrees with the ngspice command-line program on the same deck.
#include <catch2/catch_test_macros.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "cosim/crossbar_solve.hpp"
#include "io/child_process.hpp"
#include "netlists/ideal.hpp"
#include "crossbar_fixtures.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;

namespace {
double rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return (a - b).norm() / b.norm(); }

Eigen::VectorXd inputs(const netlists::CrossbarCircuit& x) {
    Eigen::VectorXd v(x.spec.rows);
    for (int r = 0; r < x.spec.rows; ++r) v(r) = x.circuit.sources()[x.row_sources[std::size_t(r)]].volt;
    return v;
}
Eigen::MatrixXd conductances(const netlists::CrossbarCircuit& x) {
    Eigen::MatrixXd g(x.spec.rows, x.spec.physical_cols());
    for (const auto& r : x.circuit.resistors()) {
        int row, col;
        if (std::sscanf(r.name.c_str(), "rx%d_%d", &row, &col) == 2) g(row, col) = 1.0 / r.ohm;
    }
    return g;
}
}  // namespace

TEST_CASE("zero wire resistance gives G^T v in ngspice", "[cosim][ngspice]") {
    auto spec = test::square_spec(16, 0.0);
    spec.cols = 12;
    const auto x = test::random_tile_circuit(spec, 1);
    NgspiceSession s;
    const auto reading = read_spice(s, x);
    CHECK(rel_err(reading.outputs, netlists::ideal_column_currents(conductances(x), inputs(x))) < 1e-13);
}

TEST_CASE("wire resistance lowers every column current and conserves charge", "[cosim][ngspice]") {
    const auto x = test::random_tile_circuit(test::square_spec(16, 2.5), 2);
    NgspiceSession s;
    const Eigen::VectorXd i = read_spice(s, x).outputs;
    const Eigen::VectorXd ideal = netlists::ideal_column_currents(conductances(x), inputs(x));
    for (int c = 0; c < 16; ++c) CHECK(i(c) < ideal(c));
    double driven = 0;
    for (int r = 0; r < 16; ++r) driven -= s.vector("i(vrow" + std::to_string(r) + ")")[0];
    CHECK(std::abs(driven - i.sum()) < 1e-12 * i.sum());
}

TEST_CASE("session and ngspice command line agree on the same crossbar deck", "[cosim][ngspice]") {
    const std::string program = KIRCHHOFF_NGSPICE_PROGRAM;
    if (program.empty() || !std::filesystem::exists(program))
        SKIP("the ngspice command-line program is not installed");
    const int n = 24;
    const auto x = test::random_tile_circuit(test::square_spec(n, 1.5), 3);
    NgspiceSession s;
    const Eigen::VectorXd session = read_spice(s, x).outputs;

    const auto dir = std::filesystem::temp_directory_path();
    const auto deck = dir / "kirchhoff_test_crossbar.cir";
    std::ofstream(deck) << netlists::spice_deck(x.circuit, netlists::DeckEnding{x.sense_vectors()});
    io::ChildOptions o;
    o.out = o.err = io::ChildStream::capture;
    const io::ChildResult r = io::run_child({program, "-b", deck.string()}, o);
    INFO(r.err);
    REQUIRE(r.exit_status == 0);
    std::istringstream in(r.out);
    const std::regex line_re(R"(i\(vsense(\d+)\)\s*=\s*(\S+))");
    Eigen::VectorXd batch = Eigen::VectorXd::Constant(n, std::nan(""));
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, line_re)) batch(std::stoi(m[1])) = std::stod(m[2]);
    }
    REQUIRE(batch.allFinite());
    for (int c = 0; c < n; ++c) CHECK(std::abs(session(c) - batch(c)) <= 1e-9 * std::abs(batch(c)));
    std::filesystem::remove(deck);
}
