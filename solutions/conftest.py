"""``pytest --nbval-lax solutions/``: the solution notebooks run as tests, headless, small and offline.

nbval runs each notebook top to bottom in a fresh kernel of this Python
(``--nbval-current-env``) and fails on the first cell that raises. A learner's
failing ``%check`` shows its verdict and lets the notebook go on; here
``CATDOG_STRICT_CHECKS=1`` makes it raise, so every check must pass.
The notebooks run in course order with one workspace, as a learner's would:
lesson 05 then trains with the ten pieces lessons 01 to 04 saved.

The kernels get small settings through the ``CATDOG_*`` variables (any you
set yourself win), temporary folders for the workspace, data, runs and
caches, random starting weights (no network here), and the photos of
``CATDOG_DATA``, else the 4,000 shared photos next to the kit, else the
sample in the package. Without any photos the notebooks are skipped.
"""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

SMALL = {"CATDOG_WEIGHTS": "none", "CATDOG_SIZE": "48", "CATDOG_SUBSET": "80", "CATDOG_EPOCHS": "1",
         "CATDOG_BATCH_SIZE": "16", "CATDOG_WORKERS": "0", "CATDOG_DEVICE": "cpu", "CATDOG_DRIVE": "0",
         "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
SHARED_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "data" / "dogs-vs-cats-200px" / "train"


def _photos():
    if os.environ.get("CATDOG_DATA"):
        return os.environ["CATDOG_DATA"]
    if SHARED_PHOTOS.is_dir():
        return str(SHARED_PHOTOS)
    try:
        from catdog_lib.sample import sample_dir
    except ImportError:
        return None
    return str(sample_dir())


def pytest_configure(config):
    if not (getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False)):
        return
    config.option.nbval_current_env = True  # this Python's kernel: the one with the kit installed
    config.option.nbval_cell_timeout = max(int(config.option.nbval_cell_timeout), 600)
    os.environ["CATDOG_STRICT_CHECKS"] = "1"  # a failing %check fails its cell: a broken solution fails its notebook
    photos = _photos()
    if photos is None:
        config._catdog_no_photos = True
        return
    tmp = Path(tempfile.mkdtemp(prefix="catdog_nbval_"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ.setdefault("CATDOG_DATA", photos)
    for name, value in SMALL.items():
        os.environ.setdefault(name, value)
    for name, folder in (("CATDOG_WORKSPACE", "my_pieces"), ("CATDOG_DATA_ROOT", "data"), ("CATDOG_RUNS", "runs"),
                         ("CATDOG_CACHE", "cache"), ("TORCH_HOME", "torch")):
        os.environ.setdefault(name, str(tmp / folder))


def pytest_collection_modifyitems(config, items):
    if getattr(config, "_catdog_no_photos", False):
        skip = pytest.mark.skip(reason="no photos to run the notebooks on: set CATDOG_DATA to a folder of them")
        for item in items:
            item.add_marker(skip)
