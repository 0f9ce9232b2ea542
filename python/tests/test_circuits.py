"""kirchhoff.Crossbar against `kirchhoff solve` and `kirchhoff netlist` (bit for bit on the same
tile), batches against single vectors (bit for bit), errors against the CLI's messages, and
the engines against each other with stated tolerances."""
import json
import threading

import numpy as np
import pytest

import kirchhoff
from conftest import cli, sets

CONFIGS = {
    "ohmic 1R": {"array.rows": 16, "array.cols": 12, "array.r_wire_row_ohm": 2.5, "array.r_wire_col_ohm": 1.5,
                 "seed": 7},
    "ohmic differential columns, TIA": {"array.rows": 8, "array.cols": 6, "array.differential": "columns",
                                        "sense.kind": "tia", "seed": 3},
    "Stanford 1T1R": {"array.rows": 8, "array.cols": 8, "array.cell": "1T1R", "device.preset": "stanford_rram_aimc",
                      "device.g_min_siemens": 2e-6, "input.v_read_volt": 0.3, "seed": 11},
    "differential arrays": {"array.rows": 6, "array.cols": 5, "array.differential": "arrays", "seed": 5},
}


def cli_solve(config, engine):
    return json.loads(cli("solve", "--engine", engine, "--json", *sets(config)).stdout)


@pytest.mark.parametrize("name", CONFIGS)
def test_nodal_solve_equals_the_cli_bit_for_bit(name):
    config = CONFIGS[name]
    g, v = kirchhoff.random_tile(config)
    out = kirchhoff.Crossbar(g, config).solve(v, engine="nodal")
    ref = cli_solve(config, "nodal")
    assert out.shape == (config["array.cols"],)
    assert np.array_equal(out, np.array(ref["currents_a"]))


def test_a_256_tile_solves_like_the_cli_under_solver_method_auto():
    # 256 x 256 is where solver.method = auto (the default on both sides) takes the iterative
    # solver: Python reads nodal tiles through the same TileCircuitSolver as `kirchhoff solve`.
    config = {"array.rows": 256, "array.cols": 256, "array.r_wire_row_ohm": 2.5, "array.r_wire_col_ohm": 2.5,
              "seed": 13}
    g, v = kirchhoff.random_tile(config)
    ref = cli_solve(config, "nodal")
    assert ref["method"] == "iterative"
    xb = kirchhoff.Crossbar(g, config)
    assert np.array_equal(xb.solve(v, engine="nodal"), np.array(ref["currents_a"]))
    # In a batch too (each vector is solved from zero on the iterative solver).
    batch = xb.solve(np.stack([v * 0.5, v], axis=1), engine="nodal")
    assert np.array_equal(batch[:, 1], np.array(ref["currents_a"]))


def test_a_fallback_to_the_direct_solver_warns_as_the_cli_notes_it():
    config = {"array.rows": 8, "array.cols": 8, "array.cell": "1S1R", "solver.method": "iterative", "seed": 2}
    g, v = kirchhoff.random_tile(config)
    r = cli("solve", "--engine", "nodal", "--json", *sets(config))
    note = next(line for line in r.stderr.splitlines() if line.startswith("note: "))
    with pytest.warns(RuntimeWarning) as w:
        out = kirchhoff.Crossbar(g, config).solve(v, engine="nodal")
    assert "note: " + str(w[0].message) == note
    assert np.array_equal(out, np.array(json.loads(r.stdout)["currents_a"]))


@pytest.mark.parametrize("engine", ["ideal", "spice"])
def test_ideal_and_spice_solves_equal_the_cli_bit_for_bit(engine):
    config = CONFIGS["ohmic 1R"]
    g, v = kirchhoff.random_tile(config)
    out = kirchhoff.Crossbar(g, config).solve(v, engine=engine)
    assert np.array_equal(out, np.array(cli_solve(config, engine)["currents_a"]))


def test_the_deck_equals_kirchhoff_netlist(tmp_path):
    config = CONFIGS["Stanford 1T1R"]
    g, v = kirchhoff.random_tile(config)
    cli("netlist", "--out", tmp_path / "tile.cir", *sets(config))
    assert kirchhoff.Crossbar(g, config).deck(v) == (tmp_path / "tile.cir").read_text()


@pytest.mark.parametrize("name,engine", [("ohmic 1R", "ideal"), ("ohmic 1R", "nodal"), ("ohmic 1R", "surrogate"),
                                         ("Stanford 1T1R", "nodal"), ("differential arrays", "nodal")])
def test_a_batch_equals_its_vectors_one_by_one(name, engine):
    config = CONFIGS[name]
    g, v = kirchhoff.random_tile(config)
    xb = kirchhoff.Crossbar(g, config)
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 0.2, size=(len(v), 5))
    out = xb.solve(batch, engine=engine)
    assert out.shape == (config["array.cols"], 5)
    for b in range(5):
        assert np.array_equal(out[:, b], xb.solve(batch[:, b].copy(), engine=engine))


def test_engines_agree_within_their_tolerances():
    config = CONFIGS["ohmic 1R"]
    g, v = kirchhoff.random_tile(config)
    xb = kirchhoff.Crossbar(g, config)
    nodal = xb.solve(v, engine="nodal")
    # Ohmic cells: the surrogate is the exact effective matrix (solver precision).
    np.testing.assert_allclose(xb.solve(v, engine="surrogate"), nodal, rtol=1e-9, atol=0)
    # ngspice prints 17 digits; its KLU solve agrees with the nodal solver to about 1e-9.
    np.testing.assert_allclose(xb.solve(v, engine="spice"), nodal, rtol=1e-6, atol=0)
    # IR drop only lowers the currents: below G^T v, and within the first-order scale.
    ideal = g.T @ v
    assert np.array_equal(xb.solve(v, engine="ideal"), ideal) or np.allclose(xb.solve(v, engine="ideal"), ideal,
                                                                            rtol=1e-15)
    assert np.all(nodal < ideal)


def test_node_voltages_obey_the_circuit():
    rng = np.random.default_rng(1)
    g = rng.uniform(1e-6, 1e-4, size=(6, 4))
    v = rng.uniform(0, 0.2, size=6)
    # Ideal wires and virtual ground: every word-line node sits at its input, every bit line at 0 V.
    ideal = kirchhoff.Crossbar(g, {"array.r_wire_row_ohm": 0, "array.r_wire_col_ohm": 0}).solve(v, node_voltages=True)
    np.testing.assert_allclose(ideal["word_line_volt"][0], np.repeat(v[:, None], 4, axis=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ideal["bit_line_volt"][0], 0, atol=1e-12)
    np.testing.assert_allclose(ideal["currents_a"], g.T @ v, rtol=1e-12)
    # With wires: cell currents are G times the cell voltage, and each column's sum is its output.
    xb = kirchhoff.Crossbar(g, {"array.r_wire_row_ohm": 5, "array.r_wire_col_ohm": 5})
    r = xb.solve(v, node_voltages=True)
    np.testing.assert_allclose(r["cell_current_a"][0], g * (r["word_line_volt"][0] - r["bit_line_volt"][0]),
                               rtol=1e-9, atol=1e-18)
    np.testing.assert_allclose(r["cell_current_a"][0].sum(axis=0), r["currents_a"], rtol=1e-9)
    assert np.array_equal(r["currents_a"], xb.solve(v))
    batch = xb.solve(np.stack([v, v / 2], axis=1), node_voltages=True)
    assert batch["word_line_volt"].shape == (1, 6, 4, 2)
    assert np.array_equal(batch["word_line_volt"][..., 0], r["word_line_volt"])


def cli_error(config, *args):
    r = cli("solve", *args, *sets(config), check=False)
    assert r.returncode == 2
    last = r.stderr.rstrip("\n").splitlines()[-1]  # after the effective configuration, when it was printed
    assert last.startswith("kirchhoff: error: ")
    return last[len("kirchhoff: error: "):]


@pytest.mark.parametrize("bad", [{"array.r_wire_row_ohm": -1.0}, {"array.cell": "2T2R"}, {"array.wires": 3},
                                 {"device.g_min_siemens": 1e-3}, {"device.preset": "no_such_device"},
                                 {"array.rows": "many"}])
def test_bad_configuration_raises_the_cli_message(bad):
    g, v = kirchhoff.random_tile()
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.Crossbar(g, bad)
    assert str(e.value) == cli_error(bad)


def test_ideal_engine_on_device_cells_raises_the_cli_message():
    config = CONFIGS["Stanford 1T1R"]
    g, v = kirchhoff.random_tile(config)
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.Crossbar(g, config).solve(v, engine="ideal")
    assert str(e.value) == cli_error(config, "--engine", "ideal")


def test_bad_arrays_are_refused_with_what_is_wrong():
    with pytest.raises(kirchhoff.InputError, match=r"array.rows = 8 \(--set\) but the conductance matrix has 4 rows"):
        kirchhoff.Crossbar(np.full((4, 4), 1e-5), {"array.rows": 8})
    with pytest.raises(kirchhoff.InputError, match=r"entry \[1, 2\] = -1e-05 S is not a conductance"):
        g = np.full((4, 4), 1e-5)
        g[1, 2] = -1e-5
        kirchhoff.Crossbar(g)
    with pytest.raises(kirchhoff.InputError, match="must be even"):
        kirchhoff.Crossbar(np.full((4, 5), 1e-5), {"array.differential": "columns"})
    with pytest.raises(kirchhoff.InputError, match="3 values for a tile of 4 rows"):
        kirchhoff.Crossbar(np.full((4, 4), 1e-5)).solve(np.zeros(3))
    with pytest.raises(kirchhoff.InputError, match="device cells need a surrogate table"):
        config = CONFIGS["Stanford 1T1R"]
        g, v = kirchhoff.random_tile(config)
        kirchhoff.Crossbar(g, config).solve(v, engine="surrogate")


def test_a_toml_file_and_overrides_apply_in_order(tmp_path):
    (tmp_path / "tile.toml").write_text("[array]\nr_wire_row_ohm = 3.0\nr_wire_col_ohm = 3.0\n")
    g, v = kirchhoff.random_tile()
    a = kirchhoff.Crossbar(g, tmp_path / "tile.toml", {"array.r_wire_col_ohm": 0.5}).solve(v)
    b = kirchhoff.Crossbar(g, {"array.r_wire_row_ohm": 3.0, "array.r_wire_col_ohm": 0.5}).solve(v)
    assert np.array_equal(a, b)
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.Crossbar(g, tmp_path / "missing.toml")
    r = cli("solve", "--config", tmp_path / "missing.toml", check=False)
    assert r.stderr == f"kirchhoff: error: {e.value}\n"


def test_solves_release_the_gil():
    rng = np.random.default_rng(2)
    xb = kirchhoff.Crossbar(rng.uniform(1e-6, 1e-4, size=(48, 48)))
    batch = rng.uniform(0, 0.2, size=(48, 24))
    done, ticks = threading.Event(), 0
    worker = threading.Thread(target=lambda: (xb.solve(batch, engine="nodal"), done.set()))
    worker.start()
    while not done.is_set():  # runs only while the solve has let go of the GIL
        ticks += 1
    worker.join()
    assert ticks > 10000
