"""nbgrader itself agrees: a solution made with our cell helpers passes, its built lesson fails every test."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.build import lesson_from_solution
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
    nbformat.write(lesson_from_solution(solution), tmp_path / "lesson" / "01.ipynb")

    said = validate(tmp_path / "solution" / "01.ipynb", tmp_path / "ws_solution")
    assert "Success! Your notebook passes all the tests." in said, said
    said = validate(tmp_path / "lesson" / "01.ipynb", tmp_path / "ws_lesson", invert=True)
    assert "Success! The notebook does not pass any tests." in said, said
    assert "raise NotImplementedError()" in (tmp_path / "ws_lesson" / "label_from_filename.py").read_text()
