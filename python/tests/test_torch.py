"""kirchhoff.torch.convert: a converted MLP equals the numpy path (AnalogLayers on the same
weights) bit for bit, and with ideal settings the original model to 1e-6."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import kirchhoff  # noqa: E402
import kirchhoff.torch as ktorch  # noqa: E402

IDEAL = {"dac.bits": 24, "adc.calibration_mvms": 1000000, "adc.calibration": "none"}


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 48), nn.ReLU(), nn.Linear(48, 32), nn.Tanh(), nn.Linear(32, 10))


def inputs(n=16):
    return torch.from_numpy(np.random.default_rng(0).normal(size=(n, 20)).astype(np.float32))


def numpy_path(model, x, **kwargs):
    """The MLP by hand: AnalogLayers on numpy arrays for the linear layers, numpy for the bias,
    and the model's own activations (torch's tanh and numpy's differ in the last bit)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    layers = kirchhoff.AnalogLayers([m.weight.detach().numpy() for m in linears], **kwargs)
    h = x.numpy()
    for i, m in enumerate(linears):
        h = layers.forward(i, h) + m.bias.detach().numpy()
        if i < 2:
            h = model[2 * i + 1](torch.from_numpy(h)).numpy()
    return h


def test_ideal_settings_reproduce_the_model():
    model, x = mlp(), inputs()
    analog = ktorch.convert(model, config=IDEAL, engine="ideal")
    assert isinstance(analog[0], ktorch.KirchhoffLinear) and isinstance(model[0], nn.Linear)  # a copy
    with torch.no_grad():
        ref = model(x)
        out = analog(x)
    assert out.shape == ref.shape
    assert torch.max(torch.abs(out - ref)).item() <= 1e-6 * max(1.0, torch.max(torch.abs(ref)).item())


@pytest.mark.parametrize("engine,config", [("ideal", IDEAL),
                                           ("surrogate", {"pcm.programming_noise": True, "array.rows": 16,
                                                          "array.cols": 16, "adc.calibration_mvms": 4}),
                                           ("nodal", {"array.r_wire_row_ohm": 5.0, "array.r_wire_col_ohm": 5.0,
                                                      "array.rows": 32, "array.cols": 32})])
def test_the_converted_model_equals_the_numpy_path(engine, config):
    model, x = mlp(), inputs()
    analog = ktorch.convert(model, config=config, engine=engine)
    with torch.no_grad():
        out = analog(x).numpy()
    assert np.array_equal(out, numpy_path(model, x, config=config, engine=engine))


def test_leading_dimensions_and_validation():
    model = mlp()
    analog = ktorch.convert(model, config={"adc.calibration_mvms": 2}, validate_fraction=1.0)
    x = inputs(12).reshape(3, 4, 20)
    with torch.no_grad():
        out = analog(x)
    assert out.shape == (3, 4, 10)
    stats = ktorch.validation(analog)
    assert [s["layer"] for s in stats] == ["0", "2", "4"]
    assert all(s["count"] == 12 - 2 and s["failed"] == 0 and s["nmse"] < 1e-12 for s in stats)


def test_a_single_linear_model_is_replaced():
    lin = nn.Linear(5, 3)
    analog = ktorch.convert(lin, config=IDEAL, engine="ideal")
    x = inputs(4)[:, :5].contiguous()
    with torch.no_grad():
        assert torch.max(torch.abs(analog(x) - lin(x))).item() < 1e-6
