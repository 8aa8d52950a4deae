"""Where the kit keeps things: the kit's root, the learner's workspace, the data, downloads, runs, the image cache, the checks.

Each place has a ``CATDOG_*`` variable that moves it. In Colab, the lessons'
setup sets ``CATDOG_WORKSPACE``, ``CATDOG_RUNS`` and ``CATDOG_DOWNLOADS`` to
folders on Google Drive (``notebook.runtime``), so they outlive the runtime;
everywhere else they default to folders in the kit.
"""
import atexit
import os
import shutil
import tempfile
from pathlib import Path


def kit_root():
    """The folder that holds ``lessons/``: the checkout, or the current folder (Colab)."""
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "lessons").is_dir():
        return package_parent
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "lessons").is_dir():
            return folder
    return here


def _from_env(name, default):
    env = os.environ.get(name)
    return Path(env).expanduser() if env else default


def checks_dir():
    """The kit's ``checks/`` folder: next to ``lessons/`` in the kit, or next to the installed package."""
    from .errors import CatdogError
    from .i18n import tr

    for root in (kit_root(), Path(__file__).resolve().parents[1]):
        if (root / "checks").is_dir():
            return root / "checks"
    raise CatdogError(tr("cannot find the kit's checks/ folder: run this from the kit's folder "
                         "(the one that holds lessons/ and checks/)"))


def workspace():
    """Where ``%%piece`` saves the learner's pieces: ``$CATDOG_WORKSPACE`` or ``my_pieces/``.

    While nbgrader runs a notebook (``NBGRADER_EXECUTION``: validate, autograde),
    a folder of this run's own instead, whatever ``CATDOG_WORKSPACE`` says.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return graded_workspace()
    return _from_env("CATDOG_WORKSPACE", kit_root() / "my_pieces")


_graded = []  # this process's folder under nbgrader


def graded_workspace():
    """The workspace of this notebook run under nbgrader: a new temporary folder, removed when the kernel ends.

    nbgrader runs each notebook in a kernel of its own. Were the pieces saved where
    the kit keeps them, every student would share one folder, and a submission
    whose piece cell was deleted would be judged on the previous student's file;
    nothing is written to the kit's folder either.
    """
    if not _graded:
        folder = Path(tempfile.mkdtemp(prefix="catdog_graded_"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _graded.append(folder)
    return _graded[0]


def data_root():
    """Where downloads are unpacked and data arranged: ``$CATDOG_DATA_ROOT`` or ``data/``."""
    return _from_env("CATDOG_DATA_ROOT", kit_root() / "data")


def download_dir(default):
    """Where a source's downloaded archive is kept: ``$CATDOG_DOWNLOADS`` (Google Drive, in Colab) or ``default``."""
    return _from_env("CATDOG_DOWNLOADS", Path(default))


def runs_dir():
    """Where the lessons keep checkpoints, models and uploads: ``$CATDOG_RUNS`` or ``runs/``."""
    return _from_env("CATDOG_RUNS", kit_root() / "runs")


def image_cache_dir():
    """Where the fast loaders keep their decoded images between runs: ``$CATDOG_CACHE`` or ``~/.cache/catdog``."""
    return _from_env("CATDOG_CACHE", Path.home() / ".cache" / "catdog")
