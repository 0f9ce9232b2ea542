"""Where the defaults of ``kirchhoff.run`` and ``kirchhoff.sweep`` come from: the shipped model
(models/plain), its tokenizer and the tiny-shakespeare corpus (data/). An installed package
carries a copy in ``kirchhoff/share`` (setup.py puts it there) and tells the core to use it, so
it never reads the source tree it was built from; imported from a build tree
(PYTHONPATH=build/python) the package has no copy and the core keeps its source tree."""
import pathlib

from . import _kirchhoff

_PACKAGE_DATA = pathlib.Path(__file__).resolve().parent / "share"
if (_PACKAGE_DATA / "models").is_dir():
    _kirchhoff.set_data_dir(str(_PACKAGE_DATA))


def data_dir():
    """The folder (laid out as the repository: models/, data/, validation/studies/) whose shipped
    model and corpus the defaults use: the installed package's copy, or the source tree."""
    return pathlib.Path(_kirchhoff.data_dir())
