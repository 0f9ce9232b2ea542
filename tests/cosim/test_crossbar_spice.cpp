// Resistive crossbar decks solved through the session: ideal wires give G^T v, currents are
// conserved, and the session agrees with the ngspice command-line program on the same deck.
#include <catch2/catch_test_macros.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include "cosim/ideal.hpp"
#include "cosim/ngspice_session.hpp"
#include "netlists/resistive_crossbar.hpp"

using namespace kirchhoff;
using namespace kirchhoff::cosim;
using namespace kirchhoff::netlists;

namespace {
ResistiveCrossbar random_crossbar(int rows, int cols, double r_wire, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> g(1e-6, 1e-4), v(0.0, 0.2);
    ResistiveCrossbar x;
    x.g_siemens.resize(rows, cols);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) x.g_siemens(r, c) = g(rng);
    x.v_volt.resize(rows);
    for (int r = 0; r < rows; ++r) x.v_volt(r) = v(rng);
    x.r_wire_row_ohm = r_wire;
    x.r_wire_col_ohm = r_wire;
    return x;
}

Eigen::VectorXd read_vectors(const NgspiceSession& s, const std::vector<std::string>& names) {
    Eigen::VectorXd out(Eigen::Index(names.size()));
    for (std::size_t k = 0; k < names.size(); ++k) out(Eigen::Index(k)) = s.vector(names[k]).at(0);
    return out;
}

double rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return (a - b).norm() / b.norm();
}
}  // namespace

TEST_CASE("zero wire resistance gives G^T v", "[cosim][ngspice]") {
    const auto x = random_crossbar(16, 12, 0.0, 1);
    NgspiceSession s;
    s.load(resistive_crossbar_deck(x));
    s.run("op");
    const Eigen::VectorXd i = read_vectors(s, column_current_vectors(12));
    CHECK(rel_err(i, ideal_column_currents(x.g_siemens, x.v_volt)) < 1e-13);
}

TEST_CASE("wire resistance lowers every column current and conserves charge", "[cosim][ngspice]") {
    const auto x = random_crossbar(16, 16, 2.5, 2);
    NgspiceSession s;
    s.load(resistive_crossbar_deck(x));
    s.run("op");
    const Eigen::VectorXd i = read_vectors(s, column_current_vectors(16));
    const Eigen::VectorXd ideal = ideal_column_currents(x.g_siemens, x.v_volt);
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
    const auto x = random_crossbar(n, n, 1.5, 3);
    NgspiceSession s;
    s.load(resistive_crossbar_deck(x));
    s.run("op");
    const Eigen::VectorXd session = read_vectors(s, column_current_vectors(n));

    const auto dir = std::filesystem::temp_directory_path();
    const auto deck = dir / "kirchhoff_test_crossbar.cir";
    const auto out = dir / "kirchhoff_test_crossbar.out";
    std::ofstream(deck) << resistive_crossbar_deck(x, DeckEnding::batch_print);
    const std::string cmd = program + " -b " + deck.string() + " > " + out.string() + " 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream in(out);
    const std::regex line_re(R"(i\(vsense(\d+)\)\s*=\s*(\S+))");
    Eigen::VectorXd batch = Eigen::VectorXd::Constant(n, std::nan(""));
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, line_re)) batch(std::stoi(m[1])) = std::stod(m[2]);
    }
    REQUIRE(batch.allFinite());
    for (int c = 0; c < n; ++c) CHECK(std::abs(session(c) - batch(c)) <= 1e-9 * std::abs(batch(c)));
    std::filesystem::remove(deck);
    std::filesystem::remove(out);
}
