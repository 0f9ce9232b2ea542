"""Shared by the pytest files: the kirchhoff program and source tree (ctest sets both) and
running the CLI with posix arguments, never through a shell."""
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("KIRCHHOFF_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
PROGRAM = os.environ.get("KIRCHHOFF_PROGRAM", str(SOURCE_DIR / "build" / "bin" / "kirchhoff"))


def cli(*args, check=True):
    """Runs `kirchhoff ARGS...`; returns the CompletedProcess (text). check: exit status 0 required."""
    r = subprocess.run([PROGRAM, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"kirchhoff {' '.join(map(str, args))} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


def sets(config):
    """--set arguments for a flat dict, with the texts kirchhoff._config gives the module."""
    from kirchhoff._config import arguments
    out = []
    for s in arguments(config)[1]:
        out += ["--set", s]
    return out


@pytest.fixture
def program():
    return PROGRAM
