"""Configuration from Python values: a TOML path or a dict of keys (flat ``"array.rows": 8`` or
nested ``{"array": {"rows": 8}}``), turned into the ``--set key=value`` texts the CLI would
get, so that values parse, and errors read, exactly as on the command line."""
import numbers
import os


def _text(key, value):
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))  # shortest text that reads back as the same double
    if isinstance(value, str):
        return value
    raise TypeError(f"configuration key {key}: {type(value).__name__} value {value!r}; expected a number, a bool "
                    "or a string")


def _flatten(mapping, prefix=""):
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def arguments(config=None, overrides=None):
    """(TOML path or "", ["key=value", ...]) for the C++ side: `config` is None, a TOML path or a
    dict; `overrides` (a dict) applies after it, as --set after --config."""
    path, sets = "", []
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
    elif isinstance(config, dict):
        sets += [f"{k}={_text(k, v)}" for k, v in _flatten(config)]
    elif config is not None:
        raise TypeError(f"config: expected a TOML path or a dict, got {type(config).__name__}")
    if overrides is not None:
        if not isinstance(overrides, dict):
            raise TypeError(f"overrides: expected a dict, got {type(overrides).__name__}")
        sets += [f"{k}={_text(k, v)}" for k, v in _flatten(overrides)]
    return path, sets
