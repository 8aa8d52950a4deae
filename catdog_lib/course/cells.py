"""Notebook cells for the pieces: what the lesson author puts in a solution notebook.

A piece cell is ``%%piece NAME`` followed by the reference function from
catdog_lib, its body after the docstring wrapped in nbgrader's
``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers. ``catdog build`` turns
that region into ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, so the
learner gets the signature and the docstring, and writes the body.

A check cell is ``%check NAME``: a locked nbgrader test cell worth the piece's
points. Both carry the nbgrader metadata (schema version 3) that
``nbgrader validate`` and ``nbgrader autograde`` read.

Because the solution cell is made from ``inspect.getsource`` of the reference,
there is one source for each piece: ``catdog build`` copies it into the
solution notebooks whenever the reference changes, and ``solution_text``
undoes the wrapping.
"""
import ast
import inspect
import re

from .loading import reference
from .registry import get_piece

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PIECE_LINE = re.compile(r"^%%piece[ \t]+(\S+)[ \t]*$")
CHECK_LINE = re.compile(r"^%check[ \t]+(\S+)$")


def reference_source(name):
    """The source text of the reference piece, exactly as ``inspect.getsource`` gives it."""
    return inspect.getsource(reference(name))


def mark_solution(source):
    """Wrap a function's body after its docstring in the solution markers.

    The markers take the indentation of the body, so nbgrader's stub lands
    inside the function: ``    # YOUR CODE HERE`` / ``    raise NotImplementedError()``.
    """
    func = ast.parse(source).body[0]
    first = func.body[0]
    has_docstring = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
        and isinstance(first.value.value, str)
    lines = source.rstrip("\n").split("\n")
    body_start = first.end_lineno if has_docstring else first.lineno - 1  # 0-based index of the first body line
    indent = " " * first.col_offset
    return "\n".join(lines[:body_start] + [indent + BEGIN] + lines[body_start:] + [indent + END])


def piece_source(name):
    """The source of the solution cell for piece ``name``: the magic line and the marked reference."""
    return f"%%piece {name}\n" + mark_solution(reference_source(name))


def piece_points(name):
    """The points piece ``name`` is worth (from the course's piece registry)."""
    return get_piece(name).points


def piece_metadata(name):
    """The nbgrader metadata of the cell where the learner writes piece ``name``: a solution cell."""
    get_piece(name)  # a clear error for a wrong name
    return {"grade": False, "solution": True, "locked": False,
            "grade_id": f"piece_{name}", "schema_version": 3, "task": False}


def check_metadata(name, points=None):
    """The nbgrader metadata of the ``%check NAME`` cell: a locked test cell worth the piece's points."""
    get_piece(name)
    return {"grade": True, "solution": False, "locked": True,
            "points": piece_points(name) if points is None else points,
            "grade_id": f"check_{name}", "schema_version": 3, "task": False}


def piece_cell(name):
    """A new code cell where the learner writes piece ``name`` (an nbgrader solution cell)."""
    import nbformat

    cell = nbformat.v4.new_code_cell(piece_source(name))
    cell.metadata["nbgrader"] = piece_metadata(name)
    return cell


def check_cell(name, points=None):
    """A new code cell ``%check NAME``: a locked nbgrader test cell worth the piece's points."""
    import nbformat

    cell = nbformat.v4.new_code_cell(f"%check {name}")
    cell.metadata["nbgrader"] = check_metadata(name, points)
    return cell


def split_piece_cell(source):
    """``(name, body)`` for a ``%%piece NAME`` cell's source, or ``None`` for any other cell.

    ``body`` is the cell's text without the magic line: what ``%%piece``
    saves to the workspace.
    """
    if isinstance(source, list):  # raw .ipynb JSON keeps source as a list of lines
        source = "".join(source)
    first, _, body = source.partition("\n")
    match = PIECE_LINE.match(first.strip())
    if not match:
        return None
    return match.group(1), body


def split_check_cell(source):
    """The piece a ``%check NAME`` cell judges, or ``None`` for any other cell."""
    if isinstance(source, list):
        source = "".join(source)
    match = CHECK_LINE.match(source.strip())
    return match.group(1) if match else None


def solution_text(cell_source):
    """The function a piece cell holds: the magic line and the solution markers removed.

    For a cell made by ``piece_cell`` this is the reference's source again,
    ending with one newline as ``inspect.getsource`` does.
    """
    parsed = split_piece_cell(cell_source)
    body = parsed[1] if parsed else cell_source
    kept = [line for line in body.split("\n") if line.strip() not in (BEGIN, END)]
    return "\n".join(kept).rstrip("\n") + "\n"


def piece_cells_of(nb):
    """``[(name, source), ...]`` of the ``%%piece`` cells of a notebook, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            parsed = split_piece_cell(cell.source)
            if parsed:
                found.append((parsed[0], cell.source))
    return found
