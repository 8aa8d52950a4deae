"""Grading with nbgrader, as an instructor does it: a real course folder, lesson 02 generated from what
``catdog build --for-nbgrader`` writes, two students autograded one after the other, the gradebook read.

The first student wrote all three pieces; the second deleted the label_from_filename cell and wrote a
split_items that is not stratified. Each notebook run has a workspace of its own, so the second is never
judged on the first one's files; ``%check`` gives nbgrader the points earned (partial credit); nothing is
written to the kit's workspace.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.build import for_nbgrader
from catdog_lib.course.cells import reference_source, split_piece_cell
from catdog_lib.course.registry import get_piece

from test_nbgrader_validate import graded_part

NBGRADER = Path(sys.executable).parent / "nbgrader"
ASSIGNMENT = "02_data_and_splits"
WRONG = Path(__file__).resolve().parents[1] / "checks" / "wrong"

pytestmark = pytest.mark.slow


def nbgrader(course, *args, env):
    run = subprocess.run([str(NBGRADER), *args], cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def submission(released, pieces):
    """The released notebook with each piece cell holding ``pieces[name]``, or deleted where that is None."""
    nb = nbformat.read(released, as_version=4)
    cells = []
    for cell in nb.cells:
        parsed = split_piece_cell(cell.source) if cell.cell_type == "code" else None
        if parsed and parsed[0] in pieces:
            if pieces[parsed[0]] is None:
                continue
            cell.source = f"%%piece {parsed[0]}\n" + pieces[parsed[0]]
        cells.append(cell)
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    if not NBGRADER.exists() and not shutil.which("nbgrader"):
        pytest.skip("nbgrader is not installed (pip install -e '.[dev]')")
    tmp = tmp_path_factory.mktemp("nbgrader")
    course, kit_workspace = tmp / "course", tmp / "kit_my_pieces"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'catdog'\n")
    # nbgrader runs alembic (its database's migrations) from the PATH: this Python's own scripts first.
    path = os.pathsep.join([str(NBGRADER.parent), os.environ.get("PATH", "")])
    env = dict(os.environ, CATDOG_WORKSPACE=str(kit_workspace), PATH=path)
    env.pop("NBGRADER_EXECUTION", None)

    for_nbgrader(dest=course / "source", report=lambda line: None)
    source = course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nbformat.write(graded_part(nbformat.read(source, as_version=4)), source)
    for other in (course / "source").iterdir():
        if other.name != ASSIGNMENT:
            shutil.rmtree(other)
    said = nbgrader(course, "generate_assignment", ASSIGNMENT, env=env)
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert released.is_file(), said

    names = ("label_from_filename", "split_items", "arrange_imagefolder")
    students = {
        "alice": {name: reference_source(name) for name in names},
        "bob": {"label_from_filename": None, "split_items": (WRONG / "split_items" / "not_stratified.py").read_text(),
                "arrange_imagefolder": reference_source("arrange_imagefolder")},
    }
    for student, pieces in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submission(released, pieces), folder / f"{ASSIGNMENT}.ipynb")
    for student in students:  # one after the other, as a course's submissions come in
        nbgrader(course, "autograde", ASSIGNMENT, "--student", student, env=env)

    from nbgrader.api import Gradebook

    scores, old_path = {}, os.environ.get("PATH", "")
    os.environ["PATH"] = path
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            for student in students:
                scores[student] = {"total": gb.find_submission(ASSIGNMENT, student).score}
                for name in names:
                    grade = gb.find_grade(f"check_{name}", ASSIGNMENT, ASSIGNMENT, student)
                    scores[student][name] = (grade.score, grade.max_score)
    finally:
        os.environ["PATH"] = old_path
    return scores, course, kit_workspace


def test_the_complete_submission_gets_every_point(gradebook):
    scores, _, _ = gradebook
    alice = scores["alice"]
    assert alice["total"] == 5 == sum(get_piece(n).points for n in ("label_from_filename", "split_items",
                                                                   "arrange_imagefolder"))
    for name in ("label_from_filename", "split_items", "arrange_imagefolder"):
        assert alice[name][0] == alice[name][1] == get_piece(name).points


def test_the_second_student_is_judged_on_their_own_cells_with_partial_credit(gradebook):
    scores, course, _ = gradebook
    bob = scores["bob"]
    assert bob["label_from_filename"][0] == 0, "the deleted piece cell: not the first student's file"
    points, worth = bob["split_items"]
    assert 0 < points < worth, f"a split that passes some checks earns part of its points: {points} of {worth}"
    assert bob["arrange_imagefolder"] == (2, 2)
    assert bob["total"] == points + 2 < scores["alice"]["total"]

    graded = nbformat.read(course / "autograded" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    check = next(c for c in graded.cells if c.source == "%check split_items")
    shown = "\n".join(o.get("data", {}).get("text/plain", "") for o in check.outputs)
    assert "split_items: " in shown and "checks pass" in shown and "Hint:" in shown  # the reasons, with the points
    result = next(o for o in check.outputs if o.output_type == "execute_result")
    assert float(result["data"]["text/plain"]) == points


def test_nothing_is_written_to_the_kits_workspace(gradebook):
    _, course, kit_workspace = gradebook
    assert not kit_workspace.exists()
    assert not list((course / "autograded").rglob("*.py")), "the pieces stay out of the graded folders too"
