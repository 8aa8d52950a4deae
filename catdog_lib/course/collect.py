"""Pieces from saved notebooks into a workspace: ``catdog collect NOTEBOOK...``.

``%%piece`` saves a piece when its cell runs. A notebook that was written but
never run (or a learner's notebook an instructor received) still holds the
pieces in its cells; ``collect_pieces`` pulls them out into the workspace, so
``pytest checks`` and ``%check`` can judge them.
"""
from pathlib import Path

from ..atomic import atomic_write
from ..errors import CatdogError
from .cells import split_piece_cell
from .loading import is_stub, piece_path
from .registry import PIECE_NAMES


def save_piece(name, text, workspace=None):
    """Write the text of piece ``name`` to ``<workspace>/NAME.py`` and return that path.

    The file is written whole or not at all (``atomic_write``), so a judge
    running at the same moment never reads half a piece.
    """
    path = piece_path(name, workspace)
    try:
        return atomic_write(path, text)
    except OSError as e:
        raise CatdogError(f"cannot save {name} in {path.parent} ({e.strerror or e}): "
                          "set CATDOG_WORKSPACE to a folder you can write to") from None


def read_notebook(path):
    """The notebook at ``path`` (nbformat 4), or a ``CatdogError`` saying what is wrong with the file."""
    import nbformat

    path = Path(path)
    if not path.is_file():
        raise CatdogError(f"there is no notebook at {path}: give the path of a saved .ipynb file")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as e:  # bad JSON, not a notebook at all
        raise CatdogError(f"{path} is not a readable notebook ({type(e).__name__}: {e}); save it again from Jupyter") from None


def collect_pieces(notebooks, workspace=None, report=None):
    """Save the ``%%piece`` cells of ``notebooks`` into ``workspace``; return ``{name: path}``.

    Notebooks are read in the order given and their cells top to bottom; when
    a piece appears more than once, the last cell that holds more than the
    lesson's stub wins. Stubs (``raise NotImplementedError()``) are skipped, so
    an untouched lesson never overwrites a piece already in the workspace.
    ``report`` (e.g. ``print``) is told where each piece came from and what
    was skipped.
    """
    say = report or (lambda line: None)
    notebooks = list(notebooks)
    known = PIECE_NAMES
    found = {}  # name -> (text, notebook, cell number)
    for notebook in notebooks:
        nb = read_notebook(notebook)
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            parsed = split_piece_cell(cell.source)
            if parsed is None:
                continue
            name, text = parsed
            if name not in known:
                say(f"skipped {notebook} cell {number}: no piece is called {name!r} (the pieces are {', '.join(known)})")
            elif is_stub(text, name):
                say(f"skipped {notebook} cell {number}: {name} is still the lesson's stub")
            else:
                found[name] = (text, notebook, number)

    saved = {}
    for name in known:  # course order
        if name in found:
            text, notebook, number = found[name]
            saved[name] = save_piece(name, text, workspace)
            say(f"{name}: from {notebook} cell {number} -> {saved[name]}")
    if not saved:
        say(f"found no written pieces in {len(notebooks)} notebook(s); nothing saved")
    return saved


def collect_cli(args):
    """``catdog collect NOTEBOOK... [--workspace DIR]``."""
    collect_pieces(args.notebooks, workspace=args.workspace, report=print)
