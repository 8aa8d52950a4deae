"""nbgrader itself agrees: a solution made with our cell helpers passes, its built lesson fails every test.

Under ``nbgrader validate`` a failing ``%check`` fails its cell (a learner's notebook would go on), and
each run has a workspace of its own: ``CATDOG_WORKSPACE`` stays untouched.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.build import release
from catdog_lib.course.cells import check_cell, piece_cell
from catdog_lib.course.pieces import PRELUDE_IMPORTS

NBGRADER = Path(sys.executable).parent / "nbgrader"


def validate(notebook, workspace, invert=False):
    """Run ``nbgrader validate`` (no course folder, no database) and return what it printed."""
    env = dict(os.environ, CATDOG_WORKSPACE=str(workspace))
    command = [str(NBGRADER), "validate", str(notebook)] + (["--invert"] if invert else [])
    run = subprocess.run(command, cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=300)
    return run.stdout + run.stderr


@pytest.mark.slow
def test_nbgrader_validate_passes_the_solution_and_fails_the_lesson(tmp_path):
    if not NBGRADER.exists() and not shutil.which("nbgrader"):
        pytest.skip("nbgrader is not installed (pip install -e '.[dev]')")
    solution = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext catdog_lib\n" + PRELUDE_IMPORTS),
        piece_cell("label_from_filename"),
        check_cell("label_from_filename"),
    ])
    solution.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "solution").mkdir()
    (tmp_path / "lesson").mkdir()
    nbformat.write(solution, tmp_path / "solution" / "01.ipynb")
    nbformat.write(release(solution), tmp_path / "lesson" / "01.ipynb")

    said = validate(tmp_path / "solution" / "01.ipynb", tmp_path / "ws_solution")
    assert "Success! Your notebook passes all the tests." in said, said
    said = validate(tmp_path / "lesson" / "01.ipynb", tmp_path / "ws_lesson", invert=True)
    assert "Success! The notebook does not pass any tests." in said, said
    assert not (tmp_path / "ws_solution").exists() and not (tmp_path / "ws_lesson").exists()


KIT = Path(__file__).resolve().parents[2]


def graded_part(nb):
    """The notebook's setup cell, piece cells and check cells: what nbgrader grades (markdown kept).

    The other code cells (plots, training runs) are left out: they need the data and minutes of
    training, and ``pytest --nbval-lax solutions/`` runs the whole notebooks.
    """
    from catdog_lib.course.cells import split_check_cell, split_piece_cell

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    keep = {id(code[0])} | {id(cell) for cell in code if split_piece_cell(cell.source) or split_check_cell(cell.source)}
    nb.cells = [cell for cell in nb.cells if cell.cell_type != "code" or id(cell) in keep]
    return nb


@pytest.mark.slow
def test_nbgrader_validates_every_solution_and_inverts_every_lesson(tmp_path):
    """``nbgrader validate`` passes each solution notebook; ``--invert`` fails every test of each lesson."""
    if not NBGRADER.exists() and not shutil.which("nbgrader"):
        pytest.skip("nbgrader is not installed (pip install -e '.[dev]')")
    copies = {}
    for folder in ("solutions", "lessons"):
        (tmp_path / folder).mkdir()
        for path in sorted((KIT / folder).glob("*.ipynb")):
            nb = graded_part(nbformat.read(path, as_version=4))
            if not any(cell.metadata.get("nbgrader", {}).get("grade") for cell in nb.cells):
                continue  # 05 grades nothing: it trains with the pieces of 01 to 04
            nbformat.write(nb, tmp_path / folder / path.name)
            copies.setdefault(folder, []).append(tmp_path / folder / path.name)
    assert [p.name[:2] for p in copies["solutions"]] == ["01", "02", "03", "04"]
    assert [p.name for p in copies["lessons"]] == [p.name for p in copies["solutions"]]

    said = validate_all(copies["solutions"], tmp_path / "ws_solution")
    assert said.count("Success! Your notebook passes all the tests.") == 4, said
    said = validate_all(copies["lessons"], tmp_path / "ws_lesson", invert=True)
    assert said.count("Success! The notebook does not pass any tests.") == 4, said


def validate_all(notebooks, workspace, invert=False):
    env = dict(os.environ, CATDOG_WORKSPACE=str(workspace))
    command = [str(NBGRADER), "validate", *map(str, notebooks)] + (["--invert"] if invert else [])
    run = subprocess.run(command, cwd=notebooks[0].parent, env=env, capture_output=True, text=True, timeout=900)
    return run.stdout + run.stderr
