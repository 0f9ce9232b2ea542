"""Kirchhoff from Python: crossbar circuits from numpy conductances, linear layers on simulated
crossbar tiles (numpy, and PyTorch through ``kirchhoff.torch``), single-device experiments
(``kirchhoff.device``), and ``kirchhoff run`` and ``kirchhoff sweep`` themselves.

Everything computes in Kirchhoff's C++ libraries (the ``_kirchhoff`` extension); this package
only turns Python values into the configuration keys the CLI takes (``kirchhoff solve --help``
lists them) and arrays into the C++ types. Errors in the input raise ``InputError`` (a
``ValueError``) with the CLI's message; a circuit that cannot be solved raises ``CircuitError``.
"""
from . import device, tables
from ._data import data_dir
from ._kirchhoff import CircuitError, InputError
from .circuits import Crossbar, random_tile
from .layers import AnalogLayers, AnalogLinear
from .runs import run, schema_help, schema_keys
from .sweeps import sweep

__all__ = ["Crossbar", "random_tile", "AnalogLayers", "AnalogLinear", "run", "sweep", "schema_help", "schema_keys",
           "InputError", "CircuitError", "device", "tables", "data_dir"]
