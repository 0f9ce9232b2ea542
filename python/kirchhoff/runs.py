"""``kirchhoff run`` from Python, and the configuration keys of each command."""
import json

from . import _kirchhoff
from ._config import arguments


def run(config=None, overrides=None):
    """One evaluation of a transformer on crossbars (``kirchhoff run``): the keys of
    ``schema_help("run")`` (hardware keys plus run.model, run.tokens, run.engine, run.tables,
    run.validate_*, run.reference_tokens), as a TOML path or dict. Returns the object
    ``kirchhoff run --json`` prints, as a dict."""
    path, sets = arguments(config, overrides)
    return json.loads(_kirchhoff.run_json(path, sets))


def schema_help(schema):
    """The keys of "crossbar" (solve, Crossbar), "analog" (layers) or "run": default, unit, range, meaning."""
    return _kirchhoff.schema_help(schema)


def schema_keys(schema):
    return _kirchhoff.schema_keys(schema)
