// Resistive crossbar deck text: node names, determinism, refusal of bad inputs.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "netlists/resistive_crossbar.hpp"

using namespace kirchhoff::netlists;
using Catch::Matchers::ContainsSubstring;

namespace {
ResistiveCrossbar two_by_three(double r_row, double r_col) {
    ResistiveCrossbar x;
    x.g_siemens.resize(2, 3);
    x.g_siemens << 1e-5, 2e-5, 4e-5, 5e-5, 1e-4, 2.5e-5;
    x.v_volt.resize(2);
    x.v_volt << 0.1, 0.2;
    x.r_wire_row_ohm = r_row;
    x.r_wire_col_ohm = r_col;
    return x;
}
}  // namespace

TEST_CASE("crossbar deck uses the documented node names", "[netlists]") {
    const std::string deck = resistive_crossbar_deck(two_by_three(1.5, 2.0));
    CHECK_THAT(deck, ContainsSubstring("Vrow1 in1 0 DC 0.2"));
    CHECK_THAT(deck, ContainsSubstring("Rr0_0 in0 r0_0 1.5"));
    CHECK_THAT(deck, ContainsSubstring("Rr0_1 r0_0 r0_1 1.5"));
    CHECK_THAT(deck, ContainsSubstring("Rc0_2 c0_2 c1_2 2\n"));
    CHECK_THAT(deck, ContainsSubstring("Rc1_2 c1_2 out2 2\n"));
    CHECK_THAT(deck, ContainsSubstring("Rx1_1 r1_1 c1_1 10000"));
    CHECK_THAT(deck, ContainsSubstring("Vsense2 out2 0 DC 0"));
    CHECK_THAT(deck, ContainsSubstring(".options klu"));
    CHECK(deck.rfind(".end\n") == deck.size() - 5);
    CHECK(deck == resistive_crossbar_deck(two_by_three(1.5, 2.0)));  // deterministic
}

TEST_CASE("zero wire resistance collapses each line to one node", "[netlists]") {
    const std::string deck = resistive_crossbar_deck(two_by_three(0.0, 0.0));
    CHECK_THAT(deck, ContainsSubstring("Rx1_2 in1 out2 40000"));
    CHECK(deck.find("Rr") == std::string::npos);
    CHECK(deck.find("Rc") == std::string::npos);
}

TEST_CASE("batch ending prints every column current at 17 digits", "[netlists]") {
    const std::string deck = resistive_crossbar_deck(two_by_three(1, 1), DeckEnding::batch_print);
    CHECK_THAT(deck, ContainsSubstring(".control\nset numdgt=17\nop\nprint i(vsense0)\nprint i(vsense1)\n"
                                       "print i(vsense2)\n.endc\n.end\n"));
    CHECK(column_current_vectors(2) == std::vector<std::string>{"i(vsense0)", "i(vsense1)"});
}

TEST_CASE("crossbar deck refuses bad shapes and values", "[netlists]") {
    auto x = two_by_three(1, 1);
    x.v_volt.resize(3);
    CHECK_THROWS_WITH(resistive_crossbar_deck(x), ContainsSubstring("3 voltages for 2 rows"));
    x = two_by_three(1, 1);
    x.g_siemens(1, 2) = 0.0;
    CHECK_THROWS_WITH(resistive_crossbar_deck(x), ContainsSubstring("cell (1, 2)"));
    x = two_by_three(-1, 1);
    CHECK_THROWS_AS(resistive_crossbar_deck(x), std::invalid_argument);
}
