"""kirchhoff.tables against `kirchhoff fit` and `kirchhoff check --json`: the same fit (all but
the date), the same check record, and a fitted table serving a Crossbar's surrogate engine."""
import json

import numpy as np
import pytest

import kirchhoff
from conftest import cli, sets

TILE = {"array.rows": 8, "array.cols": 4, "array.r_wire_row_ohm": 2.0, "array.r_wire_col_ohm": 2.0,
        "fit.tiles": 2, "fit.inputs_per_tile": 4}


def without_date(table):
    table = dict(table)
    table["provenance"] = {k: v for k, v in table["provenance"].items() if k != "date"}
    return table


def test_fit_and_check_equal_the_cli(tmp_path):
    ours = kirchhoff.tables.fit(TILE, tmp_path / "ours.safetensors")
    cli("fit", "--out", tmp_path / "cli.safetensors", *sets(TILE))
    theirs = kirchhoff.tables.load(tmp_path / "cli.safetensors")
    assert without_date(ours) == without_date(theirs)
    record = kirchhoff.tables.check(tmp_path / "ours.safetensors", samples=2)
    ref = json.loads(cli("check", "--tables", tmp_path / "ours.safetensors", "--samples", "2", "--json").stdout)
    assert record == ref
    assert record["samples"] == 2 and record["nmse"] < 1e-12  # ohmic cells: the exact effective matrix


def test_a_table_serves_the_surrogate_engine(tmp_path):
    kirchhoff.tables.fit(TILE, tmp_path / "t.safetensors")
    tile = {k: v for k, v in TILE.items() if not k.startswith("fit.")}
    tile["array.differential"] = "columns"
    g, v = kirchhoff.random_tile(tile)
    xb = kirchhoff.Crossbar(g, tile, tables=tmp_path / "t.safetensors")
    np.testing.assert_allclose(xb.solve(v, engine="surrogate"), xb.solve(v, engine="nodal"), rtol=1e-9)
    with pytest.raises(kirchhoff.InputError, match="array.r_wire_row_ohm"):  # a table for other wires is refused
        kirchhoff.Crossbar(g, {**tile, "array.r_wire_row_ohm": 1.0}, tables=tmp_path / "t.safetensors")


def test_a_missing_table_raises_the_cli_message(tmp_path):
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.tables.load(tmp_path / "missing.safetensors")
    r = cli("check", "--tables", tmp_path / "missing.safetensors", check=False)
    assert r.returncode == 2 and r.stderr.endswith(f"kirchhoff: error: {e.value}\n")
