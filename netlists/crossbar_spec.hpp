// What a crossbar tile is, as a circuit: size, cell kind, wires, drivers, sense amplifiers,
// their edges, differential pairs, and the operating mode (a full MVM read, or one selected
// cell with the others biased for a sneak-path study). Plain data with enum classes; the
// configuration keys that fill it are in crossbar_config.hpp, the circuit it describes is
// built by crossbar_builder.hpp.
#pragma once

#include <string_view>

namespace kirchhoff::netlists {

enum class CellKind {
    one_r,      // "1R": the memory element alone (passive array)
    one_t_one_r,// "1T1R": access transistor as a switch with on/off resistance, in series
    one_s_one_r,// "1S1R": a two-terminal nonlinear selector in series
};
enum class DriverEdge { left, right };
enum class SenseEdge { bottom, top };
enum class SenseKind {
    virtual_ground,  // ideal: the bit line ends at 0 V
    tia,             // transimpedance amplifier with finite gain and input resistance
};
enum class Differential {
    none,     // one column per output
    columns,  // output c is column 2c (G+) minus column 2c+1 (G-)
    arrays,   // output c is column c of array "p" minus column c of array "m"
};
enum class Mode {
    read,    // MVM: every row driven, every column sensed
    select,  // one cell selected; the other lines float or are biased
};
enum class SelectScheme {
    floating,  // unselected rows and columns are left floating
    v_half,    // V/2: unselected rows and columns at V/2
    v_third,   // V/3: unselected rows at V/3, unselected columns at 2V/3
};

std::string_view to_string(CellKind k);
std::string_view to_string(DriverEdge e);
std::string_view to_string(SenseEdge e);
std::string_view to_string(SenseKind k);
std::string_view to_string(Differential d);
std::string_view to_string(Mode m);
std::string_view to_string(SelectScheme s);

/// 1T1R access transistor as a switch: on-resistance when its word line is selected, off
/// otherwise (the switch abstraction of NeuroSim: P.-Y. Chen, X. Peng, S. Yu, "NeuroSim: a
/// circuit-level macro model for benchmarking neuro-inspired architectures in online
/// learning", IEEE TCAD 37(12), 2018).
struct AccessTransistor {
    double r_on_ohm = 5e3;   // channel resistance with the gate on
    double r_off_ohm = 1e10; // leakage path with the gate off (select mode, unselected rows)
    bool operator==(const AccessTransistor&) const = default;
};

/// Two-terminal selector with the symmetric sinh I-V I = i0 sinh(V / v0) (the generic
/// nonlinear selector of crossbar read analyses, e.g. J. Zhou, K.-H. Kim, W. Lu, "Crossbar
/// RRAM arrays: selector device requirements during read operation", IEEE TED 61(5), 2014).
struct Selector {
    double i0_ampere = 1e-6;  // current scale
    double v0_volt = 0.1;     // voltage scale: each v0 multiplies the current by about e
    bool operator==(const Selector&) const = default;
};

/// Sense amplifier as a resistive TIA: an op-amp of open-loop gain A with feedback resistor
/// R_f holds its input at -V_out/A, so the bit line sees R_in + R_f / (1 + A) to ground.
struct Tia {
    double gain = 1e4;             // open-loop voltage gain A
    double r_in_ohm = 0.0;         // series input resistance
    double r_feedback_ohm = 1e4;   // feedback resistor R_f (output V = -I R_f A / (1 + A))
    double input_ohm() const { return r_in_ohm + r_feedback_ohm / (1.0 + gain); }
    bool operator==(const Tia&) const = default;
};

struct CrossbarSpec {
    int rows = 64;                // word lines (inputs)
    int cols = 64;                // logical outputs (physical columns: 2x for differential columns)
    CellKind cell = CellKind::one_r;
    double r_wire_row_ohm = 1.0;  // word-line segment per cell pitch (0: ideal wire)
    double r_wire_col_ohm = 1.0;  // bit-line segment per cell pitch (0: ideal wire)
    double r_driver_ohm = 0.0;    // driver output resistance (0: ideal driver)
    DriverEdge driver_edge = DriverEdge::left;
    SenseEdge sense_edge = SenseEdge::bottom;
    SenseKind sense = SenseKind::virtual_ground;
    Tia tia;
    Differential differential = Differential::none;
    AccessTransistor access;
    Selector selector;
    Mode mode = Mode::read;
    SelectScheme scheme = SelectScheme::v_half;
    int select_row = 0;           // select mode: the selected cell
    int select_col = 0;           //   (physical column)

    /// Physical columns per array.
    int physical_cols() const { return differential == Differential::columns ? 2 * cols : cols; }
    /// Arrays in the circuit (2 for differential arrays).
    int arrays() const { return differential == Differential::arrays ? 2 : 1; }
    bool operator==(const CrossbarSpec&) const = default;
};

}  // namespace kirchhoff::netlists
