"""Surrogate tables as ``kirchhoff fit`` writes them, ``kirchhoff check`` checks them and
``Crossbar(..., tables=)``, ``AnalogLayers(..., tables=)`` and ``kirchhoff run --tables`` read them.

    info = kirchhoff.tables.fit({"device.preset": "stanford_rram_aimc", "device.g_min_siemens": 2e-6},
                                "stanford.safetensors")
    kirchhoff.tables.check("stanford.safetensors", samples=4)   # the record of `kirchhoff check --json`
    kirchhoff.tables.load("stanford.safetensors")["device_current_a"]   # (memory, voltage) A
"""
import os

from . import _kirchhoff
from ._config import arguments


def fit(config, out, overrides=None):
    """Fits the surrogate of a configuration (keys of ``kirchhoff fit --help``: the tile keys, with
    differential columns by default, plus fit.* and surrogate.*) with ngspice and writes it to
    ``out`` (safetensors). Returns what ``load(out)`` returns."""
    path, sets = arguments(config, overrides)
    return _kirchhoff.fit_table(path, sets, os.fspath(out))


def check(tables, samples=8, differential="columns"):
    """Re-solves ``samples`` held-out random tiles in ngspice against the table, on the layout
    ``differential`` (none, columns, arrays); returns the object ``kirchhoff check --json`` prints."""
    return _kirchhoff.check_table(os.fspath(tables), int(samples), differential)


def load(path):
    """A table's contents: config (the configuration it was fitted for), v_star_volt, tier, rank,
    report (the fit's residuals), provenance, and for device cells device_current_a (memory,
    voltage) with its axes memory and v_volt."""
    return _kirchhoff.load_table(os.fspath(path))
