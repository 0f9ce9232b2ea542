"""PyTorch on Kirchhoff tiles: ``convert(model)`` replaces every ``nn.Linear`` of a model by a
``KirchhoffLinear`` whose forward runs on simulated crossbars (AnalogLayers: the tiling, DAC, ADC,
calibration, noise, drift, faults and seeds of ``kirchhoff run``); the bias stays digital.

    analog = kirchhoff.torch.convert(model, config={"device.preset": "stanford_rram_aimc",
                                                    "array.cell": "1T1R"}, engine="surrogate")
    logits = analog(x)                            # inference only: no gradients through the tiles
    kirchhoff.torch.validation(analog)            # sampled circuit validation per layer

All converted layers of one model share one AnalogLayers, numbered in ``model.named_modules()``
order, so each draws from its own seeded streams (same seed, same numbers). Each row of a layer's
input (all leading dimensions flattened) is one MVM, in order.
"""
import copy

import numpy as np
import torch
from torch import nn

from .layers import AnalogLayers


class KirchhoffLinear(nn.Module):
    """y = W x (on tiles) + b (digital), for x of shape (..., in_features)."""

    def __init__(self, layers, index, in_features, out_features, bias):
        super().__init__()
        self.kirchhoff_layers = layers
        self.index = index
        self.in_features = in_features
        self.out_features = out_features
        self.register_buffer("bias", None if bias is None else bias.detach().clone().float())

    def forward(self, x):
        lead = x.shape[:-1]
        x2 = x.detach().reshape(-1, self.in_features).to(device="cpu", dtype=torch.float32).numpy()
        y = torch.from_numpy(self.kirchhoff_layers.forward(self.index, np.ascontiguousarray(x2)))
        y = y.reshape(*lead, self.out_features).to(device=x.device)
        return y if self.bias is None else y + self.bias.to(y.device)

    def extra_repr(self):
        name = self.kirchhoff_layers.names[self.index]
        return f"in_features={self.in_features}, out_features={self.out_features}, layer={name!r}"


def convert(model, config=None, overrides=None, engine="surrogate", inplace=False, **kwargs):
    """A copy of ``model`` (or the model itself with inplace=True) whose nn.Linear layers run on
    Kirchhoff tiles; the other arguments as ``kirchhoff.AnalogLayers``."""
    if not inplace:
        model = copy.deepcopy(model)
    found = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not found:
        raise ValueError("convert: the model has no nn.Linear layer")
    layers = AnalogLayers([m.weight.detach().cpu().float().numpy() for _, m in found], [n for n, _ in found],
                          config=config, overrides=overrides, engine=engine, **kwargs)
    for index, (name, m) in enumerate(found):
        replacement = KirchhoffLinear(layers, index, m.in_features, m.out_features, m.bias)
        if name == "":
            return replacement  # the model is one nn.Linear
        parent_name, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent_name) if parent_name else model, child, replacement)
    return model


def layers_of(model):
    """The AnalogLayers behind a converted model."""
    for m in model.modules():
        if isinstance(m, KirchhoffLinear):
            return m.kirchhoff_layers
    raise ValueError("layers_of: the model has no KirchhoffLinear layer (convert it first)")


def validation(model):
    """Sampled circuit validation per converted layer (AnalogLayers.validation)."""
    return layers_of(model).validation()
