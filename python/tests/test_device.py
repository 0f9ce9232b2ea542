"""kirchhoff.device against `kirchhoff device`: the same experiment gives bit for bit the numbers
the CLI writes to its CSV files and parameters.csv (native and ngspice engines), and bad input
raises InputError with the message the CLI prints."""
import numpy as np
import pytest

import kirchhoff
from conftest import cli


def csv_columns(path):
    """{column: float64 array} of a CSV the CLI wrote (17 significant digits: exact doubles)."""
    header = path.read_text().splitlines()[0].split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: data[:, k] for k, name in enumerate(header)}


def assert_parameters_equal(result, out_dir):
    lines = (out_dir / "parameters.csv").read_text().splitlines()[1:]
    rows = [line.split(",", 2) for line in lines]
    assert [r[0] for r in rows] == [p["name"] for p in result["parameter_table"]]
    assert [float(r[1]) for r in rows] == [p["value"] for p in result["parameter_table"]]
    assert [float(r[1]) for r in rows] == list(result["parameters"].values())


def device_cli(tmp_path, name, *args):
    out = tmp_path / name
    r = cli("device", *args, "--out", out)
    return out, r


@pytest.mark.parametrize("engine,preset,points", [("native", "vteam_aimc", 101), ("spice", "pcm_gst", 200)])
def test_iv_equals_the_cli_bit_for_bit(tmp_path, engine, preset, points):
    params = {"r_on_ohm": 12000.0} if preset == "vteam_aimc" else {}
    args = [f"--param={k}={v!r}" for k, v in params.items()]
    out, run = device_cli(tmp_path, "iv", "iv", "--preset", preset, "--engine", engine, "--points", points, *args)
    r = kirchhoff.device.iv(preset, engine=engine, params=params, points=points)
    ref = csv_columns(out / "iv.csv")
    for column in ("t_s", "v_volt", "i_ampere"):
        assert np.array_equal(r[column], ref[column]), column
    assert r["state"].shape == (len(ref["t_s"]), len(r["state_names"]))
    for j, name in enumerate(r["state_names"]):
        assert np.array_equal(r["state"][:, j], ref[name]), name
    # stdout: "...: N points, NAME (UNIT) from <memory0> to <final>" (shortest repr: exact)
    assert float(run.stdout.split(" from ")[1].split()[0]) == r["memory0"]
    assert (r["preset"], r["engine"]) == (preset, engine)
    assert_parameters_equal(r, out)
    if params:
        assert r["parameters"]["r_on_ohm"] == 12000.0


def test_program_equals_the_cli_bit_for_bit(tmp_path):
    args = dict(target_siemens=2e-5, devices=3, d2d_sigma=0.1, seed=4, tolerance=0.02)
    out, run = device_cli(tmp_path, "program", "program", "--preset", "vteam_aimc", "--target-siemens", "2e-05",
                          "--devices", 3, "--d2d-sigma", 0.1, "--seed", 4, "--tolerance", 0.02)
    r = kirchhoff.device.program("vteam_aimc", **args)
    ref = csv_columns(out / "program.csv")
    for column in ("device", "pulse", "v_pulse_volt", "g_read_siemens", "memory", "converged"):
        assert np.array_equal(r[column], ref[column]), column
    assert len(r["g_final_siemens"]) == 3
    # stdout: "...: 3/3 devices within 2% of 2e-05 S, mean final G <shortest repr> S"
    assert run.stdout.split(": ")[1].startswith(f"{r['converged_count']}/3 devices")
    assert float(run.stdout.split("mean final G ")[1].split()[0]) == r["g_mean_final_siemens"]
    assert_parameters_equal(r, out)


def test_read_in_ngspice_equals_the_cli_bit_for_bit(tmp_path):
    out, run = device_cli(tmp_path, "read", "read", "--preset", "pcm_gst", "--engine", "spice", "--points", 9,
                          "--g-siemens", "2e-05")
    r = kirchhoff.device.read("pcm_gst", engine="spice", points=9, g_siemens=2e-5)
    ref = csv_columns(out / "read_iv.csv")
    assert np.array_equal(r["v_volt"], ref["v_volt"]) and np.array_equal(r["i_ampere"], ref["i_ampere"])
    assert f"{r['memory_name']} = " in run.stdout
    assert_parameters_equal(r, out)


def test_drift_equals_the_cli_bit_for_bit(tmp_path):
    out, _ = device_cli(tmp_path, "drift", "drift", "--preset", "pcm_joshi2020", "--cells", 50,
                        "--targets-siemens", "3e-06,1.2e-05", "--times-s", "10,1000", "--seed", 7,
                        "--set", "device.t0_s=100")
    r = kirchhoff.device.drift("pcm_joshi2020", targets_siemens=[3e-6, 12e-6], times_s=[10, 1000], cells=50, seed=7,
                               params={"t0_s": 100})
    assert r["parameters"]["t0_s"] == 100
    ref = csv_columns(out / "drift.csv")
    assert r["g_mean_siemens"].shape == (2, 2)
    for column in ("g_mean_siemens", "g_std_siemens", "g_mean_compensated_siemens", "alpha"):
        assert np.array_equal(r[column].ravel(), ref[column]), column
    assert np.array_equal(np.repeat(r["targets_siemens"], 2), ref["g_target_siemens"])
    assert_parameters_equal(r, out)


def test_presets_are_the_clis():
    listed = cli("device", "presets").stdout
    names = [p["name"] for p in kirchhoff.device.presets()]
    assert names and all(f"\n{n} " in "\n" + listed for n in names)
    assert [p["electrical"] for p in kirchhoff.device.presets()].count(False) == 1  # pcm_joshi2020


@pytest.mark.parametrize("args,call", [
    (["iv", "--preset", "nosuch"], lambda: kirchhoff.device.iv("nosuch")),
    (["iv", "--preset", "vteam_aimc", "--param", "nosuch=1"], lambda: kirchhoff.device.iv("vteam_aimc", params={"nosuch": 1})),
    (["iv", "--preset", "vteam_aimc", "--param", "r_on_ohm=-5"], lambda: kirchhoff.device.iv("vteam_aimc", params={"r_on_ohm": -5})),
    (["iv", "--preset", "vteam_aimc", "--memory", "1"], lambda: kirchhoff.device.iv("vteam_aimc", memory=1)),
    (["read", "--preset", "vteam_aimc", "--v-max", "0"], lambda: kirchhoff.device.read("vteam_aimc", v_max=0)),
    (["program", "--preset", "vteam_aimc", "--target-siemens", "1"], lambda: kirchhoff.device.program("vteam_aimc", 1)),
    (["drift", "--preset", "vteam_aimc"], lambda: kirchhoff.device.drift("vteam_aimc")),
    (["drift", "--preset", "pcm_joshi2020", "--times-s", "0"], lambda: kirchhoff.device.drift(times_s=[0])),
])
def test_errors_carry_the_clis_message(tmp_path, args, call):
    r = cli("device", *args, "--out", tmp_path / "x", check=False)
    assert r.returncode == 2
    message = r.stderr.strip().splitlines()[-1].removeprefix("kirchhoff: error: ")
    with pytest.raises(kirchhoff.InputError) as e:
        call()
    assert str(e.value) == message


def test_engine_and_flag_ranges_are_checked():
    with pytest.raises(kirchhoff.InputError, match="--engine ngspice: unknown engine; allowed: native, spice"):
        kirchhoff.device.iv("vteam_aimc", engine="ngspice")
    with pytest.raises(kirchhoff.InputError, match=r"--points 5: expected a value in \[10, 1000000\]"):
        kirchhoff.device.iv("vteam_aimc", points=5)
    with pytest.raises(kirchhoff.InputError, match="--devices 0"):
        kirchhoff.device.program("vteam_aimc", 2e-5, devices=0)
