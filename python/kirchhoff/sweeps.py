"""``kirchhoff sweep`` from Python: every point of a study, its results.csv and plots."""
import os

from . import _kirchhoff

_TEXT_COLUMNS = {"point", "status", "kirchhoff_version", "ngspice_version", "error"}


def _cell(text):
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def sweep(study, out, retry_failed=False, plot=True):
    """Runs a study file (TOML: [study], [base], [axes], [zip.NAME]; validation/studies/README.md)
    as ``kirchhoff sweep STUDY --out OUT [--retry-failed]`` does in one process: OUT gets the
    same results.csv, parts/, study.toml, base_config.toml and (``plot``) plots/*.png; points with
    a row in OUT already are skipped (resume). Progress goes to stderr, one line per point with
    the time left, as the CLI prints it. Returns the rows of results.csv in grid order, one dict
    per point: column -> value (numbers as int or float, empty cells as None, point ids, status,
    versions and error text as str). MPI ranks and --shard stay with the CLI."""
    r = _kirchhoff.sweep(os.fspath(study), os.fspath(out), retry_failed, plot)
    columns = r["columns"]
    return [{c: (v if c in _TEXT_COLUMNS else _cell(v)) for c, v in zip(columns, row)} for row in r["rows"]]
