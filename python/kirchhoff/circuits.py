"""Crossbar tiles of your own conductances, solved like ``kirchhoff solve`` solves its tile.

    g = np.full((64, 64), 50e-6)                      # siemens, (rows, cols): rows are inputs
    xb = kirchhoff.Crossbar(g, {"array.r_wire_row_ohm": 2.5, "array.r_wire_col_ohm": 2.5})
    i = xb.solve(v, engine="nodal")                   # v (rows,) or (rows, B) volts -> (cols,) or (cols, B) A
    r = xb.solve(v, node_voltages=True)               # dict: currents, word/bit-line voltages, cell currents
    open("tile.cir", "w").write(xb.deck(v))           # what `kirchhoff netlist` writes for this tile
"""
import numpy as np

from . import _kirchhoff
from ._config import arguments


class Crossbar:
    """One tile: conductances ``g_siemens`` of shape (rows, physical cols), or (2, rows, cols) for
    ``array.differential = "arrays"`` (G+ then G-), with the configuration keys of ``kirchhoff solve``
    (``config``: TOML path or dict; ``overrides``: dict applied after it). ``array.rows`` and
    ``array.cols`` come from the shape. ``tables``: a surrogate table from ``kirchhoff fit``, for the
    surrogate engine with device cells (its configuration must match this tile's)."""

    def __init__(self, g_siemens, config=None, overrides=None, tables=None):
        path, sets = arguments(config, overrides)
        self._tile = _kirchhoff.Crossbar(np.asarray(g_siemens, dtype=np.float64), path, sets,
                                         "" if tables is None else str(tables))

    def solve(self, v_volt, engine="nodal", node_voltages=False):
        """Output currents (A) for row voltages ``v_volt``: (rows,) -> (cols,), (rows, B) -> (cols, B).
        engine: "ideal" (G^T v, ohmic cells only), "surrogate", "nodal" (Kirchhoff's circuit solve)
        or "spice" (ngspice). Each vector gives what ``kirchhoff solve`` gives for it alone (nodal:
        solver.method direct/iterative/auto, one set-up for the batch).
        node_voltages=True (nodal engine) returns a dict: currents_a, sense_currents_a, node_volt,
        word_line_volt and bit_line_volt (arrays, rows, physical cols), cell_current_a, iterations;
        with a trailing batch axis for a batch."""
        return self._tile.solve(np.asarray(v_volt, dtype=np.float64), engine, node_voltages)

    def deck(self, v_volt):
        """The tile with inputs ``v_volt`` as an ngspice deck that ``ngspice -b`` runs unchanged."""
        return self._tile.deck(np.asarray(v_volt, dtype=np.float64))

    @property
    def g_siemens(self):
        return self._tile.g_siemens

    @property
    def rows(self):
        return self._tile.rows

    @property
    def cols(self):
        return self._tile.cols

    @property
    def physical_cols(self):
        return self._tile.physical_cols

    def effective_config(self):
        """The configuration in force, as TOML, each key annotated with where its value came from."""
        return self._tile.effective_config()


def random_tile(config=None, overrides=None):
    """The seeded random conductances and inputs ``kirchhoff solve`` draws for this configuration:
    (g_siemens, v_volt), g of shape (rows, physical cols), or (2, rows, cols) for differential arrays."""
    path, sets = arguments(config, overrides)
    return _kirchhoff.random_tile(path, sets)
