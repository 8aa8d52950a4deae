"""Kaggle Notebooks, the course's second home: the competition's photos attached, a free GPU, no token.

A Kaggle notebook runs in a container with ``KAGGLE_KERNEL_RUN_TYPE`` set,
the data added to it ("Add Input") read-only under ``/kaggle/input``, and
``/kaggle/working``, whose files become the notebook's *output* when you
save a version. Each lesson is a notebook of its own there, so
``start_kaggle_lesson`` (called by the setup cell's ``start_lesson``):

1. installs the kit the setup cell cloned (as in Colab: ``pip install -e``);
2. uses the Dogs vs. Cats photos attached under ``/kaggle/input`` (the
   competition's ``train.zip``, or a folder of ``cat.N.jpg`` files) as
   ``CATDOG_DATA``: nothing to download, no Kaggle token;
3. keeps your pieces, hints and runs in ``/kaggle/working/catdog/``, and
   takes back the pieces of an earlier lesson whose notebook you added as an
   input (*Add Input → Your Work → Notebooks*): its output is then under
   ``/kaggle/input/<its name>/catdog/my_pieces/``.

``CATDOG_KAGGLE_ROOT`` moves ``/kaggle`` (the tests use a stand-in folder).
"""
import os
import re
import shutil
from pathlib import Path

from ..i18n import tr

KAGGLE_FOLDER = "catdog"  # /kaggle/working/catdog/
PHOTO_NAME = re.compile(r"^(cat|dog)\.\d+\.(jpe?g|png)$", re.I)


def kaggle_root():
    return Path(os.environ.get("CATDOG_KAGGLE_ROOT") or "/kaggle")


def in_kaggle_kernel():
    """Whether this kernel runs in a Kaggle notebook."""
    return bool(os.environ.get("KAGGLE_KERNEL_RUN_TYPE")) and (kaggle_root() / "input").is_dir()


def _folders(root, depth):
    """``root`` and the folders below it, ``depth`` levels at most, in name order (symlinks not followed)."""
    yield root
    if depth:
        try:
            children = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            return
        for child in children:
            yield from _folders(child, depth - 1)


def attached_photos(input_root=None):
    """The Dogs vs. Cats photos attached to this notebook: a folder of ``cat.N.jpg`` files, else ``train.zip``; or None.

    Kaggle mounts the competition as ``/kaggle/input/dogs-vs-cats/`` (``train.zip``,
    ``test1.zip``); a dataset of the same photos may hold them unzipped, at any depth.
    """
    input_root = Path(input_root or kaggle_root() / "input")
    zips = []
    for folder in _folders(input_root, 4):
        if folder.name == "test1" or folder.name.startswith("test"):
            continue  # the competition's unlabelled photos
        try:
            with os.scandir(folder) as entries:
                names = [e.name for e in entries if e.is_file()][:2000]
        except OSError:
            continue
        if sum(bool(PHOTO_NAME.match(n)) for n in names) >= 2:
            return folder
        if "train.zip" in names:
            zips.append(folder / "train.zip")
    return zips[0] if zips else None


def earlier_pieces(input_root=None):
    """The ``catdog/my_pieces`` folders of earlier lessons' notebooks added as inputs, newest last."""
    input_root = Path(input_root or kaggle_root() / "input")
    found = [f / KAGGLE_FOLDER / "my_pieces" for f in _folders(input_root, 3)
             if (f / KAGGLE_FOLDER / "my_pieces").is_dir()]
    return sorted(found, key=lambda p: max((q.stat().st_mtime for q in p.iterdir()), default=0))


def bring_back_pieces(workspace, sources):
    """Copy into ``workspace`` what ``sources`` hold that it does not; the names copied."""
    workspace.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in reversed(sources):  # the newest first: it wins
        for path in sorted(source.iterdir()):
            if path.is_file() and not (workspace / path.name).exists():
                shutil.copy2(path, workspace / path.name)
                copied.append(path.name)
    return copied


def start_kaggle_lesson(kit, install_kit, report=print):
    """Set up a Kaggle notebook for a lesson (see the module's docstring); ``install_kit(kit)`` is runtime's."""
    kit = Path(kit)
    install_kit(kit)
    os.chdir(kit)
    kept = kaggle_root() / "working" / KAGGLE_FOLDER
    for name, sub in (("CATDOG_WORKSPACE", "my_pieces"), ("CATDOG_RUNS", "runs")):
        os.environ.setdefault(name, str(kept / sub))
    workspace = Path(os.environ["CATDOG_WORKSPACE"])
    copied = bring_back_pieces(workspace, earlier_pieces())
    photos = attached_photos()
    if photos is not None:
        os.environ.setdefault("CATDOG_DATA", str(photos))
        report(tr("Kaggle notebook: the Dogs vs. Cats photos attached at {path} are used; nothing to download, "
                  "no token needed.", path=photos))
    else:
        report(tr("Kaggle notebook with no Dogs vs. Cats photos attached: click Add Input, search for the "
                  "competition Dogs vs. Cats (accept its rules once on its page), add it, and run this cell again."))
    if copied:
        report(tr("Your pieces of the earlier lessons came from the notebook added as input: {names}.",
                  names=", ".join(sorted(copied))))
    report(tr("Your pieces are saved in {folder}. To take them to the next lesson: Save Version (Save & Run All), "
              "then in the next lesson's notebook click Add Input, Your Work, and add this notebook.", folder=kept))
