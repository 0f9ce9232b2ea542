"""kirchhoff.run against `kirchhoff run --json`: the same evaluation, the same numbers (all but
the timings), and the same error messages."""
import json

import pytest

import kirchhoff
from conftest import cli

TIMINGS = {"seconds", "tokens_per_s", "tokens_per_s_digital", "tokens_per_s_with_validation", "prepare_s",
           "validation_s"}


def without_timings(d):
    if isinstance(d, dict):
        return {k: without_timings(v) for k, v in d.items() if k not in TIMINGS}
    if isinstance(d, list):
        return [without_timings(v) for v in d]
    return d


def test_run_returns_the_cli_json():
    hardware = {"pcm.programming_noise": True, "seed": 3}
    ours = kirchhoff.run({**hardware, "run.tokens": 24, "run.validate_fraction": 0.05})
    ref = json.loads(cli("run", "--tokens", "24", "--validate-fraction", "0.05", "--json",
                         "--set", "pcm.programming_noise=true", "--set", "seed=3").stdout)
    assert ours["ppl_analog"] == ref["ppl_analog"] and ours["ppl_digital"] == ref["ppl_digital"]
    assert without_timings(ours) == without_timings(ref)


def test_run_errors_carry_the_cli_messages():
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.run({"run.tokens": 4, "dac.bits": 1})
    r = cli("run", "--tokens", "4", "--set", "dac.bits=1", check=False)
    assert r.returncode == 2 and r.stderr == f"kirchhoff: error: {e.value}\n"
