"""kirchhoff.AnalogLayers / AnalogLinear: the analog backend of `kirchhoff run` on numpy arrays.
Ideal settings reproduce W x; batches equal the same MVMs one by one; the same seed gives the
same numbers; sampled validation is readable; errors carry the CLI's messages."""
import numpy as np
import pytest

import kirchhoff
from conftest import cli

# The ideal engine with converters that change nothing: 24-bit DAC, and an ADC that never leaves
# calibration (its first adc.calibration_mvms MVMs pass unquantised), no output calibration.
IDEAL = {"dac.bits": 24, "adc.calibration_mvms": 1000000, "adc.calibration": "none"}


def weights(out, inp, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(out, inp)).astype(np.float32)


def test_ideal_settings_give_w_x():
    w = weights(40, 150)  # 150 inputs: three row tiles of 64
    b = np.linspace(-1, 1, 40).astype(np.float32)
    x = np.random.default_rng(1).normal(size=(7, 150)).astype(np.float32)
    layer = kirchhoff.AnalogLinear(w, b, config=IDEAL, engine="ideal")
    y = layer(x)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + b
    assert y.dtype == np.float32 and y.shape == (7, 40)
    assert np.max(np.abs(y - ref)) <= 1e-5 * np.max(np.abs(ref))  # float32 tiles and 24-bit DAC steps


def test_a_batch_equals_its_rows_one_by_one():
    w = weights(20, 30)
    x = np.random.default_rng(2).normal(size=(12, 30)).astype(np.float32)
    config = {"pcm.programming_noise": True, "pcm.read_noise": True, "pcm.t_inference_s": 3600.0, "seed": 4}
    batch = kirchhoff.AnalogLinear(w, config=config, engine="surrogate")(x)
    single = kirchhoff.AnalogLinear(w, config=config, engine="surrogate")
    for i in range(12):
        assert np.array_equal(batch[i], single(x[i]))


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    w = weights(16, 24)
    x = np.random.default_rng(3).normal(size=(10, 24)).astype(np.float32)
    noisy = {"pcm.programming_noise": True, "variability.d2d_sigma": 0.05, "faults.stuck_rate": 0.01}
    a = kirchhoff.AnalogLinear(w, config={**noisy, "seed": 1})(x)
    b = kirchhoff.AnalogLinear(w, config={**noisy, "seed": 1})(x)
    c = kirchhoff.AnalogLinear(w, config={**noisy, "seed": 2})(x)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_restart_replays_the_same_outputs():
    w = weights(16, 24)
    x = np.random.default_rng(5).normal(size=(10, 24)).astype(np.float32)
    layers = kirchhoff.AnalogLayers([w], config={"pcm.read_noise": True, "pcm.t_inference_s": 60.0})
    first = layers.forward(0, x)
    layers.restart()
    assert np.array_equal(layers.forward(0, x), first)


def test_sampled_validation_is_readable():
    w = weights(24, 70)  # two row tiles
    x = np.random.default_rng(6).normal(size=(20, 70)).astype(np.float32)
    layers = kirchhoff.AnalogLayers([w, weights(5, 24, 1)], ["first", "second"], engine="surrogate",
                                    validate_fraction=1.0, validate_engine="nodal")
    layers.forward(0, x)
    stats = layers.validation()
    assert [s["layer"] for s in stats] == ["first", "second"]
    assert stats[0]["count"] == 20 - 8  # every MVM after the 8 ADC calibration MVMs
    assert stats[0]["failed"] == 0
    assert stats[0]["nmse"] < 1e-12  # ohmic cells: the surrogate is the circuit's exact matrix
    assert stats[1]["count"] == 0 and stats[1]["nmse"] is None  # nothing validated: no score
    assert layers.tiles == 2 + 1


def test_errors_carry_the_cli_messages():
    w = weights(4, 4)
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.AnalogLinear(w, config={"adc.bits": 40})
    r = cli("run", "--set", "adc.bits=40", check=False)
    assert r.returncode == 2 and r.stderr == f"kirchhoff: error: {e.value}\n"
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.AnalogLinear(w, config={"array.differential": "none"})
    r = cli("run", "--tokens", "2", "--set", "array.differential=none", check=False)
    assert r.returncode == 2 and r.stderr.endswith(f"kirchhoff: error: {e.value}\n")
    with pytest.raises(kirchhoff.InputError, match=r"--engine spice: unknown engine; allowed: ideal, surrogate, nodal"):
        kirchhoff.AnalogLinear(w, engine="spice")
    with pytest.raises(kirchhoff.InputError, match=r"input of shape \(3,\) for a layer of 4 inputs"):
        kirchhoff.AnalogLinear(w)(np.zeros(3, dtype=np.float32))
