"""Single-device experiments, as ``kirchhoff device iv|read|program|drift`` runs them
(``devices/experiments.hpp``), returning arrays instead of writing CSV files:

    r = kirchhoff.device.iv("stanford_rram_aimc", engine="native", params={"t0_kelvin": 300})
    r["v_volt"], r["i_ampere"], r["state"]          # the columns of iv.csv; state (samples, variables)
    r["parameters"]                                 # {name: value}: parameters.csv's values
    kirchhoff.device.presets()                      # [{name, model, citation, summary, electrical}]

Every result dict also holds ``preset``, ``model``, ``engine`` and ``parameter_table`` (the rows
of parameters.csv: name, value, unit, range, meaning). engine: "native" (Odeint) or "spice"
(ngspice). ``params``: model parameter overrides {NAME: VALUE} (``--param NAME=VALUE``), applied
in order. Bad input raises ``kirchhoff.InputError`` with the CLI's message.
"""
from . import _kirchhoff


def _overrides(params):
    return [(str(k), float(v)) for k, v in (params or {}).items()]


def iv(preset, engine="native", params=None, memory=None, points=2001):
    """The preset's SET/RESET loop (iv.csv): t_s, v_volt, i_ampere (samples), state (samples,
    variables) with state_names/state_units, memory0 (the initial memory variable; default its
    upper bound). points: samples (native) or time steps (spice), 10..1000000."""
    return _kirchhoff.device_iv(preset, engine, _overrides(params), memory, points)


def read(preset, engine="native", params=None, memory=None, g_siemens=None, v_max=None, points=41):
    """Read I-V at a fixed state (read_iv.csv): v_volt, i_ampere (points); memory (default mid-range,
    or the state whose read conductance is g_siemens; memory wins), memory_name, v_read_volt,
    g_read_siemens. The sweep is -v_max..v_max V (default 3 x the read voltage)."""
    return _kirchhoff.device_read(preset, engine, _overrides(params), memory, g_siemens, v_max, points)


def program(preset, target_siemens, engine="native", params=None, tolerance=0.05, devices=1, d2d_sigma=0.0,
            max_pulses=200, seed=1):
    """Program-and-verify (program.csv): one row per read of each device in device, pulse,
    v_pulse_volt, g_read_siemens, memory, converged; per device g_final_siemens and
    device_converged; converged_count and g_mean_final_siemens."""
    return _kirchhoff.device_program(preset, float(target_siemens), engine, _overrides(params), float(tolerance),
                                     devices, float(d2d_sigma), max_pulses, seed)


def drift(preset="pcm_joshi2020", targets_siemens=None, times_s=None, cells=2000, seed=1, params=None):
    """PCM conductance statistics over time (drift.csv) of a statistical preset: targets_siemens,
    times_s, and g_mean_siemens, g_std_siemens, g_mean_compensated_siemens, alpha of shape
    (targets, times). Defaults as ``kirchhoff device drift``; params: the statistical model's
    parameter overrides {NAME: VALUE} (``--set device.NAME=VALUE``)."""
    return _kirchhoff.device_drift(preset, None if targets_siemens is None else [float(g) for g in targets_siemens],
                                   None if times_s is None else [float(t) for t in times_s], cells, seed,
                                   _overrides(params))


def presets():
    """Every device preset: name, model, citation, summary, electrical (False: statistical only)."""
    return _kirchhoff.device_presets()
