"""`pip install .` into a venv (the extension from this build tree, KIRCHHOFF_BUILD_DIR, as
python/README.md shows): the installed package carries the shipped model and corpus and the core
reads them from there, not from the source tree; kirchhoff.run with the default model gives the
build tree's numbers. Started from a folder outside the repository."""
import json
import os
import pathlib
import subprocess
import sys

from conftest import SOURCE_DIR

import kirchhoff

SCRIPT = """
import json, kirchhoff
r = kirchhoff.run({"run.tokens": 8, "calibration.tokens": 32})
print(json.dumps({"data_dir": str(kirchhoff.data_dir()), "file": kirchhoff.__file__, "model": r["model"],
                  "text": r["text"], "ppl_analog": r["ppl_analog"], "ppl_digital": r["ppl_digital"]}))
"""


def test_installed_package_reads_its_own_data(tmp_path):
    build = pathlib.Path(kirchhoff.__file__).resolve().parents[2]  # build/python/kirchhoff/__init__.py
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable, "-m", "venv",
                    "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-build-isolation", "--no-index", str(SOURCE_DIR)],
                   check=True, cwd=SOURCE_DIR, env={**env, "KIRCHHOFF_BUILD_DIR": str(build)}, timeout=900)
    r = subprocess.run([str(venv / "bin" / "python"), "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    installed = json.loads(r.stdout.splitlines()[-1])
    share = pathlib.Path(installed["file"]).parent / "share"
    assert str(venv) in installed["file"] and pathlib.Path(installed["data_dir"]) == share
    assert installed["model"] == str(share / "models" / "plain" / "model.bin")
    assert installed["text"].startswith(str(share / "data" / "tinyshakespeare.txt"))
    ours = kirchhoff.run({"run.tokens": 8, "calibration.tokens": 32})  # the build tree: the source tree's files
    assert ours["model"] == str(SOURCE_DIR / "models" / "plain" / "model.bin")
    assert (installed["ppl_analog"], installed["ppl_digital"]) == (ours["ppl_analog"], ours["ppl_digital"])
