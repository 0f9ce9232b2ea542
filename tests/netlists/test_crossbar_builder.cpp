// Crossbar circuits as data and as deck text: node names, determinism, every spec option's
// structure, and refusal of bad inputs.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "netlists/crossbar_builder.hpp"
#include "netlists/crossbar_config.hpp"
#include "netlists/ideal.hpp"

using namespace kirchhoff::netlists;
using Catch::Matchers::ContainsSubstring;

namespace {
Eigen::MatrixXd g_2x3() {
    Eigen::MatrixXd g(2, 3);
    g << 1e-5, 2e-5, 4e-5, 5e-5, 1e-4, 2.5e-5;
    return g;
}
CrossbarSpec spec_2x3(double r_row, double r_col) {
    CrossbarSpec s;
    s.rows = 2;
    s.cols = 3;
    s.r_wire_row_ohm = r_row;
    s.r_wire_col_ohm = r_col;
    return s;
}
Eigen::VectorXd v2() { return Eigen::Vector2d(0.1, 0.2); }
}  // namespace

TEST_CASE("crossbar deck uses the documented node names", "[netlists]") {
    const auto x = build_crossbar(spec_2x3(1.5, 2.0), {{nullptr, g_2x3()}}, v2(), "names");
    const std::string deck = spice_deck(x.circuit);
    CHECK_THAT(deck, ContainsSubstring("vrow1 in1 0 DC 0.2"));
    CHECK_THAT(deck, ContainsSubstring("rr0_0 in0 r0_0 1.5"));
    CHECK_THAT(deck, ContainsSubstring("rr0_1 r0_0 r0_1 1.5"));
    CHECK_THAT(deck, ContainsSubstring("rc0_2 c0_2 c1_2 2\n"));
    CHECK_THAT(deck, ContainsSubstring("rc1_2 c1_2 out2 2\n"));
    CHECK_THAT(deck, ContainsSubstring("rx1_1 r1_1 c1_1 10000"));
    CHECK_THAT(deck, ContainsSubstring("vsense2 out2 0 DC 0"));
    CHECK_THAT(deck, ContainsSubstring(".options klu"));
    CHECK(deck.rfind(".end\n") == deck.size() - 5);
    CHECK(deck == spice_deck(build_crossbar(spec_2x3(1.5, 2.0), {{nullptr, g_2x3()}}, v2(), "names").circuit));
    CHECK(x.sense_vectors() == std::vector<std::string>{"i(vsense0)", "i(vsense1)", "i(vsense2)"});
}

TEST_CASE("zero wire resistance collapses each line to one node", "[netlists]") {
    const auto x = build_crossbar(spec_2x3(0.0, 0.0), {{nullptr, g_2x3()}}, v2());
    const std::string deck = spice_deck(x.circuit);
    CHECK_THAT(deck, ContainsSubstring("rx1_2 in1 out2 40000"));
    CHECK(deck.find("\nrr") == std::string::npos);
    CHECK(deck.find("\nrc") == std::string::npos);
    CHECK(x.circuit.node_count() == 1 + 2 + 3);
}

TEST_CASE("batch ending prints every column current at 17 digits", "[netlists]") {
    const auto x = build_crossbar(spec_2x3(1, 1), {{nullptr, g_2x3()}}, v2());
    const std::string deck = spice_deck(x.circuit, DeckEnding{x.sense_vectors()});
    CHECK_THAT(deck, ContainsSubstring(".control\nset numdgt=17\nop\nprint i(vsense0)\nprint i(vsense1)\n"
                                       "print i(vsense2)\n.endc\n.end\n"));
}

TEST_CASE("edges drivers TIA and access elements appear where the spec puts them", "[netlists]") {
    auto s = spec_2x3(1, 1);
    s.driver_edge = DriverEdge::right;
    s.sense_edge = SenseEdge::top;
    s.r_driver_ohm = 50;
    s.sense = SenseKind::tia;
    s.cell = CellKind::one_t_one_r;
    const std::string deck = spice_deck(build_crossbar(s, {{nullptr, g_2x3()}}, v2()).circuit);
    CHECK_THAT(deck, ContainsSubstring("rdrv0 in0 d0 50"));
    CHECK_THAT(deck, ContainsSubstring("rr0_2 d0 r0_2 1"));  // first segment at the right edge
    CHECK_THAT(deck, ContainsSubstring("rr0_1 r0_2 r0_1 1"));
    CHECK_THAT(deck, ContainsSubstring("rc1_0 c1_0 c0_0 1"));  // bit lines run up
    CHECK_THAT(deck, ContainsSubstring("rc0_0 c0_0 out0 1"));
    CHECK_THAT(deck, ContainsSubstring("rtia0 out0 s0 "));
    CHECK_THAT(deck, ContainsSubstring("vsense0 s0 0 DC 0"));
    CHECK_THAT(deck, ContainsSubstring("rt0_0 r0_0 m0_0 5000"));
    CHECK_THAT(deck, ContainsSubstring("rx0_0 m0_0 c0_0 99999.99999999999\n"));
    s.cell = CellKind::one_s_one_r;
    const std::string sel = spice_deck(build_crossbar(s, {{nullptr, g_2x3()}}, v2()).circuit);
    CHECK_THAT(sel, ContainsSubstring(".subckt selector p n\nB1 p n I=1e-06*sinh(V(p,n)/0.1)"));
    CHECK_THAT(sel, ContainsSubstring("xs1_2 r1_2 m1_2 selector"));
}

TEST_CASE("differential tiles pair columns or arrays", "[netlists]") {
    auto s = spec_2x3(1, 1);
    s.cols = 2;
    s.differential = Differential::columns;
    Eigen::MatrixXd g(2, 4);
    g.setConstant(1e-5);
    const auto cols = build_crossbar(s, {{nullptr, g}}, v2());
    CHECK(cols.sense_sources.size() == 4);
    CHECK(cols.outputs(Eigen::Vector4d(4, 1, 3, 5)).isApprox(Eigen::Vector2d(3, -2)));
    s.differential = Differential::arrays;
    Eigen::MatrixXd g2(2, 2);
    g2.setConstant(1e-5);
    const auto arrays = build_crossbar(s, {{nullptr, g2}, {nullptr, g2}}, v2());
    const std::string deck = spice_deck(arrays.circuit);
    CHECK_THAT(deck, ContainsSubstring("rrp0_0 in0 pr0_0 1"));
    CHECK_THAT(deck, ContainsSubstring("rrm0_0 in0 mr0_0 1"));
    CHECK_THAT(deck, ContainsSubstring("vsensem1 mout1 0 DC 0"));
    CHECK(arrays.outputs(Eigen::Vector4d(4, 1, 3, 5)).isApprox(Eigen::Vector2d(1, -4)));
}

TEST_CASE("select mode biases unselected lines by scheme", "[netlists]") {
    auto s = spec_2x3(1, 1);
    s.mode = Mode::select;
    s.select_row = 1;
    s.select_col = 2;
    s.scheme = SelectScheme::v_third;
    const auto x = build_crossbar(s, {{nullptr, g_2x3()}}, Eigen::VectorXd::Constant(1, 0.9));
    const std::string deck = spice_deck(x.circuit);
    CHECK_THAT(deck, ContainsSubstring("vrow1 in1 0 DC 0.9"));
    CHECK_THAT(deck, ContainsSubstring("vrow0 in0 0 DC 0.3"));
    CHECK_THAT(deck, ContainsSubstring("vsense2 out2 0 DC 0\n"));
    CHECK_THAT(deck, ContainsSubstring("vsense0 out0 0 DC 0.6"));
    s.scheme = SelectScheme::floating;
    const auto f = build_crossbar(s, {{nullptr, g_2x3()}}, Eigen::VectorXd::Constant(1, 0.9));
    const std::string fdeck = spice_deck(f.circuit);
    CHECK(fdeck.find("vrow0") == std::string::npos);
    CHECK(fdeck.find("vsense0") == std::string::npos);
    CHECK(fdeck.find("rr0_0 ") == std::string::npos);  // a floating word line has no driver segment
    CHECK(f.sense_vectors()[0].empty());
    CHECK(f.sense_vectors()[2] == "i(vsense2)");
}

TEST_CASE("crossbar builder refuses bad shapes and values", "[netlists]") {
    CHECK_THROWS_WITH(build_crossbar(spec_2x3(1, 1), {{nullptr, g_2x3()}}, Eigen::Vector3d(1, 2, 3)),
                      ContainsSubstring("read mode takes 2 input voltage(s), got 3"));
    Eigen::MatrixXd g = g_2x3();
    g(1, 2) = 0.0;
    CHECK_THROWS_WITH(build_crossbar(spec_2x3(1, 1), {{nullptr, g}}, v2()), ContainsSubstring("cell (1, 2)"));
    CHECK_THROWS_AS(build_crossbar(spec_2x3(-1, 1), {{nullptr, g_2x3()}}, v2()), std::invalid_argument);
    CHECK_THROWS_WITH(build_crossbar(spec_2x3(1, 1), {{nullptr, Eigen::MatrixXd::Ones(3, 3)}}, v2()),
                      ContainsSubstring("cell array is 3x3"));
}

TEST_CASE("random tiles are reproducible and within the configured window", "[netlists]") {
    CrossbarConfig c;
    c.spec.rows = 5;
    c.spec.cols = 4;
    c.seed = 9;
    const auto a = random_tile(c), b = random_tile(c);
    CHECK(a.g_siemens[0] == b.g_siemens[0]);
    CHECK(a.v_volt == b.v_volt);
    CHECK(a.g_siemens[0].minCoeff() >= c.g_min_siemens);
    CHECK(a.g_siemens[0].maxCoeff() <= c.g_max_siemens);
    CHECK(a.v_volt.maxCoeff() <= c.v_read_volt);
    c.seed = 10;
    CHECK(random_tile(c).g_siemens[0] != a.g_siemens[0]);
    CHECK(SplitMix64(0).next() == 0xe220a8397b1dcdafULL);  // the reference splitmix64 output for seed 0
}

// The one G^T v (netlists/ideal.hpp) against the sum written out, and ideal_outputs combining
// it per array and per differential pair. Tolerance: the two sum in different orders (1e-14
// relative, a few ulps of the 20-term sums).
TEST_CASE("ideal column currents are G^T v summed by hand", "[netlists]") {
    const int rows = 20, cols = 7;
    const Eigen::MatrixXd g = (Eigen::MatrixXd::Random(rows, 2 * cols).array() + 1.5) * 1e-5;  // (rows, 2 cols) S
    const Eigen::VectorXd v = Eigen::VectorXd::Random(rows) * 0.2;                              // (rows) V
    auto by_hand = [&](const Eigen::MatrixXd& gm) {
        Eigen::VectorXd i = Eigen::VectorXd::Zero(gm.cols());
        for (int c = 0; c < gm.cols(); ++c)
            for (int r = 0; r < rows; ++r) i(c) += gm(r, c) * v(r);
        return i;
    };
    auto close = [](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
        return a.size() == b.size() && (a - b).cwiseAbs().maxCoeff() <= 1e-14 * b.cwiseAbs().maxCoeff();
    };
    const Eigen::VectorXd hand = by_hand(g);
    CHECK(close(ideal_column_currents(g, v), hand));
    CHECK(ideal_column_currents(Eigen::MatrixXd::Zero(rows, cols), v).isZero(0.0));

    CrossbarSpec s;
    s.rows = rows;
    s.cols = cols;
    s.differential = Differential::columns;  // columns 2c (G+) and 2c+1 (G-)
    Eigen::VectorXd pairs(cols);
    for (int c = 0; c < cols; ++c) pairs(c) = hand(2 * c) - hand(2 * c + 1);
    CHECK(close(ideal_outputs(s, {g}, v), pairs));
    s.differential = Differential::arrays;  // G+ array minus G- array
    const Eigen::MatrixXd gp = g.leftCols(cols), gm = g.rightCols(cols);
    CHECK(close(ideal_outputs(s, {gp, gm}, v), by_hand(gp) - by_hand(gm)));
    s.differential = Differential::none;
    s.cols = 2 * cols;
    CHECK(close(ideal_outputs(s, {g}, v), hand));
}
