"""Linear layers on simulated crossbar tiles with the analog periphery of ``kirchhoff run``.

    layer = kirchhoff.AnalogLinear(w, b, config={"device.preset": "stanford_rram_aimc", ...})
    y = layer(x)                      # x (in,) or (B, in) -> (out,) or (B, out), float32
    layer.validation()                # sampled circuit validation, as `kirchhoff run` reports it

Each input row is one MVM, in order: the first ``adc.calibration_mvms`` MVMs of a layer set its
ADC ranges and output calibration, as in ``kirchhoff run``. The bias is added digitally.
"""
import numpy as np

from . import _kirchhoff
from ._config import arguments


class AnalogLayers:
    """Several layers y_i = W_i x on tiles (W_i of shape (out, in)), numbered in order, configured by
    the keys of ``kirchhoff run`` (``schema_help("analog")``). engine: "ideal", "surrogate" or
    "nodal"; validate_engine "nodal" or "spice" re-solves a fraction of the MVMs (after ADC
    calibration) as full circuits; tables: a ``kirchhoff fit`` table for device cells (default: fit
    in-process with ngspice, as ``kirchhoff run`` does)."""

    def __init__(self, weights, names=None, config=None, overrides=None, engine="surrogate", tables=None,
                 validate_engine="nodal", validate_fraction=0.0, validate_count=0, validate_in_background=True):
        path, sets = arguments(config, overrides)
        weights = [np.ascontiguousarray(w, dtype=np.float32) for w in weights]
        names = list(names) if names is not None else [f"layer{i}" for i in range(len(weights))]
        self._layers = _kirchhoff.AnalogLayers(weights, names, path, sets, engine,
                                               "" if tables is None else str(tables), validate_engine,
                                               float(validate_fraction), int(validate_count),
                                               bool(validate_in_background))
        self.names = names

    def forward(self, index, x):
        """W_index x for x (in,) or (B, in), float32."""
        return self._layers.forward(index, np.ascontiguousarray(x, dtype=np.float32))

    def validation(self):
        """Per layer: layer, count, nmse, max_rel_err, correlation (None when nothing was validated),
        seconds, failed, first_error."""
        return self._layers.validation()

    def restart(self):
        """Back to the state right after programming: ADC calibration, read-noise streams, counters."""
        self._layers.restart()

    @property
    def tiles(self):
        return self._layers.tiles

    def __len__(self):
        return len(self._layers)

    def effective_config(self):
        return self._layers.effective_config()


class AnalogLinear:
    """One layer y = W x + b (W (out, in), b (out,) or None) on tiles; the other arguments as AnalogLayers."""

    def __init__(self, weight, bias=None, name="linear", **kwargs):
        self.layers = AnalogLayers([weight], [name], **kwargs)
        self.bias = None if bias is None else np.asarray(bias, dtype=np.float32)

    def __call__(self, x):
        y = self.layers.forward(0, x)
        return y if self.bias is None else y + self.bias

    def validation(self):
        return self.layers.validation()[0]
