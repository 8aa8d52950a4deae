"""The notebook cells of the pieces: one source for each piece, nbgrader metadata, no drift."""
from pathlib import Path

import nbformat
import pytest

import catdog_lib
from catdog_lib.course.build import release
from catdog_lib.course.cells import (
    BEGIN, END, check_cell, piece_cell, piece_cells_of, piece_source, reference_source, solution_text, split_piece_cell,
)
from catdog_lib.errors import CatdogError

@pytest.mark.parametrize("name", catdog_lib.PIECE_NAMES)
def test_piece_source_is_the_reference_with_markers(name):
    source = piece_source(name)
    lines = source.split("\n")
    assert lines[0] == f"%%piece {name}"
    assert lines[1].startswith(f"def {name}(")
    assert lines[-1] == f"    {END}"
    begin = lines.index(f"    {BEGIN}")
    assert lines[begin - 1].strip().endswith('"""'), "the solution region starts right after the docstring"
    assert solution_text(source) == reference_source(name)


@pytest.mark.parametrize("name", ["split_items", "predict_image"])
def test_the_stub_keeps_signature_and_docstring_and_raises(name):
    nb = nbformat.v4.new_notebook(cells=[piece_cell(name)])
    stub = release(nb).cells[0].source
    parsed = split_piece_cell(stub)
    assert parsed[0] == name
    assert stub.endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    namespace = {}
    exec(parsed[1], namespace)
    assert namespace[name].__doc__ == getattr(catdog_lib, name).__doc__
    with pytest.raises(NotImplementedError):
        namespace[name](*[None] * namespace[name].__code__.co_argcount)


def test_piece_cell_and_check_cell_metadata():
    cell = piece_cell("label_from_filename")
    assert cell.metadata["nbgrader"] == {"grade": False, "solution": True, "locked": False,
                                         "grade_id": "piece_label_from_filename", "schema_version": 3, "task": False}
    check = check_cell("label_from_filename")
    from catdog_lib.course.pieces import get_piece

    assert check.source == "%check label_from_filename"
    assert check.metadata["nbgrader"] == {"grade": True, "solution": False, "locked": True,
                                          "points": get_piece("label_from_filename").points,
                                          "grade_id": "check_label_from_filename", "schema_version": 3, "task": False}
    assert check_cell("split_items", points=5).metadata["nbgrader"]["points"] == 5
    with pytest.raises(CatdogError, match="no piece called 'split_item'.*split_items"):
        check_cell("split_item")


def test_split_piece_cell():
    assert split_piece_cell("%%piece split_items\ndef f():\n    pass") == ("split_items", "def f():\n    pass")
    assert split_piece_cell(["%%piece  pick_device \n", "x = 1"]) == ("pick_device", "x = 1")
    assert split_piece_cell("%%piece\nx = 1") is None
    assert split_piece_cell("# %%piece split_items\nx = 1") is None
    assert split_piece_cell("%check split_items") is None
