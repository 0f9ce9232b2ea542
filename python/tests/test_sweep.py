"""kirchhoff.sweep against `kirchhoff sweep`: the same results.csv (all but the timing columns)
on a tiny study, the returned rows are that file's rows, the progress lines are the CLI's, a
rerun resumes, and a bad study raises the CLI's message."""
import csv
import math
import re

import pytest

import kirchhoff
from conftest import cli

# Two points of the shipped plain model, 16 tokens on the ideal engine: about a second each.
STUDY = """[study]
name = "tiny"
metrics = ["ppl_analog", "validation_nmse"]
[base]
run.tokens = 16
run.engine = "ideal"
run.validate_count = 1
run.logit_effect = false
[axes]
"adc.bits" = [4, 8]
"""
TIMINGS = ("seconds", "tokens_per_s")


def results(path):
    with open(path, newline="") as f:
        header, *rows = list(csv.reader(f))
    for row in rows:
        for c in TIMINGS:
            row[header.index(c)] = ""
    return header, rows


def progress(stderr):
    """The per-point progress lines without their timings: 'point 1/2 [id] adc.bits=4: ppl 9.1234'."""
    return [re.sub(r" \(\d+\.\d s\).*", "", line) for line in stderr.splitlines() if line.startswith("point ")]


def test_sweep_writes_the_cli_results(tmp_path, capfd):
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    ours = kirchhoff.sweep(study, tmp_path / "py")
    ours_err = capfd.readouterr().err
    ref = cli("sweep", study, "--out", tmp_path / "cli")
    header, rows = results(tmp_path / "py" / "results.csv")
    assert (header, rows) == results(tmp_path / "cli" / "results.csv")
    assert len(rows) == 2 and all(r[header.index("status")] == "ok" for r in rows)
    for name in ("study.toml", "base_config.toml"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "py" / "plots").iterdir()) == \
        sorted(p.name for p in (tmp_path / "cli" / "plots").iterdir())
    assert progress(ours_err) == progress(ref.stderr) and len(progress(ours_err)) == 2

    # The returned rows are results.csv's, with numbers as numbers.
    assert [r["point"] for r in ours] == [r[0] for r in rows]
    assert [r["adc.bits"] for r in ours] == [4, 8]
    for r, row in zip(ours, rows):
        assert r["ppl_analog"] == float(row[header.index("ppl_analog")]) and math.isfinite(r["ppl_analog"])
        assert r["error"] is None or r["error"] == ""
    assert ours[0]["ppl_digital"] == ours[1]["ppl_digital"] and ours[0]["ppl_analog"] != ours[1]["ppl_analog"]

    # A rerun finds every point done and runs nothing.
    again = kirchhoff.sweep(study, tmp_path / "py", plot=False)
    assert "ran 0 points (0 failed)" in capfd.readouterr().err
    assert again == ours


def test_sweep_errors_carry_the_cli_messages(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(STUDY.replace("[4, 8]", "[4, 99]"))
    with pytest.raises(kirchhoff.InputError) as e:
        kirchhoff.sweep(study, tmp_path / "py")
    r = cli("sweep", study, "--out", tmp_path / "cli", check=False)
    assert r.returncode == 2 and r.stderr == f"kirchhoff: error: {e.value}\n"
