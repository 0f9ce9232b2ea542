"""Builds the `kirchhoff` Python package for pip: the extension `_kirchhoff` by the project's
CMake (target _kirchhoff only, no tests or benchmarks) and the package files of python/kirchhoff.
Use `pip install --no-build-isolation .` so that pip takes setuptools from the system instead of
downloading it (python/README.md). KIRCHHOFF_BUILD_DIR=DIR takes the extension from an existing
configured build tree (for example the README's build/) instead of configuring a fresh one.
The package carries a copy of what the defaults read (the shipped models, the corpus, the example
studies and their configurations) in kirchhoff/share, which the installed package hands to the
core (python/kirchhoff/_data.py), so it never reads this source tree."""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        existing = os.environ.get("KIRCHHOFF_BUILD_DIR")
        build = pathlib.Path(existing).resolve() if existing else pathlib.Path(self.build_temp).resolve() / "cmake"
        if not existing:
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                            "-DKIRCHHOFF_BUILD_TESTS=OFF", "-DKIRCHHOFF_BUILD_BENCH=OFF",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "_kirchhoff", "-j", str(os.cpu_count() or 1)],
                       check=True)
        built = next((build / "python" / "kirchhoff").glob("_kirchhoff*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


# Folders of the repository the package carries in kirchhoff/share, at the same relative paths:
# models/plain (default model and tokenizer), data/ (corpus); the rest for studies and examples.
SHARED = ["models", "data", "validation/studies", "validation/configs"]


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        share = pathlib.Path(self.build_lib) / "kirchhoff" / "share"
        for folder in SHARED:
            shutil.copytree(ROOT / folder, share / folder, dirs_exist_ok=True)


setup(
    packages=["kirchhoff"],
    package_dir={"kirchhoff": "python/kirchhoff"},
    ext_modules=[CMakeExtension("kirchhoff._kirchhoff")],
    cmdclass={"build_ext": CMakeBuild, "build_py": BuildPyWithData},
    options={"build": {"build_base": "build-python"}},  # build/ is the CMake build of the README
)
