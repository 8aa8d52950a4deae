"""`catdog build`: lessons/ from solutions/, as nbgrader's generate_assignment makes them."""
from pathlib import Path

import nbformat
import pytest

from catdog_lib.cli import main
from catdog_lib.course.build import build_lessons, lesson_from_solution, notebook_text, stale_lessons
from catdog_lib.errors import CatdogError

KIT = Path(__file__).resolve().parents[2]

PIECE = '''%%piece label_from_filename
def label_from_filename(path):
    """Doc."""
    ### BEGIN SOLUTION
    name = Path(path).name
    return name.split(".")[0].lower()
    ### END SOLUTION'''

STUB = '''%%piece label_from_filename
def label_from_filename(path):
    """Doc."""
    # YOUR CODE HERE
    raise NotImplementedError()'''

SOLUTION_META = {"grade": False, "solution": True, "locked": False, "grade_id": "piece_label_from_filename",
                 "schema_version": 3, "task": False}
CHECK_META = {"grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "check_label_from_filename",
              "schema_version": 3, "task": False}


def tiny_solution():
    """A hand-written solution notebook: markdown, setup, a piece cell run with output, its check, an answer cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny lesson", id="intro"),
        nbformat.v4.new_code_cell("%load_ext catdog_lib", id="setup", execution_count=1),
        nbformat.v4.new_code_cell(PIECE, id="piece", execution_count=2, metadata={"nbgrader": SOLUTION_META},
                                  outputs=[nbformat.v4.new_output("stream", text="saved\n")]),
        nbformat.v4.new_code_cell("%check label_from_filename", id="check", execution_count=3,
                                  metadata={"nbgrader": CHECK_META, "scrolled": True, "execution": {"iopub.status.idle": "2026-11-30T05:00:00Z"}}),
        nbformat.v4.new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", id="answer",
                                      metadata={"nbgrader": dict(SOLUTION_META, grade_id="why")}),
    ]
    return nb


@pytest.fixture
def solutions(tmp_path):
    folder = tmp_path / "solutions"
    folder.mkdir()
    nbformat.write(tiny_solution(), folder / "01_tiny.ipynb")
    return folder


def test_build_makes_the_lesson(solutions, tmp_path):
    lessons = tmp_path / "lessons"
    done = build_lessons(solutions, lessons)
    assert done == {lessons / "01_tiny.ipynb": "written"}
    lesson = nbformat.read(lessons / "01_tiny.ipynb", as_version=4)
    intro, setup, piece, check, answer = lesson.cells
    assert [c.id for c in lesson.cells] == ["intro", "setup", "piece", "check", "answer"]
    assert piece.source == STUB
    assert answer.source == "Why?\n\nYOUR ANSWER HERE"
    assert intro.source == "# Tiny lesson" and setup.source == "%load_ext catdog_lib"
    assert check.source == "%check label_from_filename"
    for cell in (setup, piece, check):
        assert cell.outputs == [] and cell.execution_count is None
    assert piece.metadata == {"nbgrader": SOLUTION_META, "deletable": False}
    assert check.metadata == {"nbgrader": CHECK_META, "deletable": False, "editable": False}
    assert "widgets" not in lesson.metadata
    nbformat.validate(lesson)


def test_build_is_stable_and_check_spots_a_stale_lesson(solutions, tmp_path, capsys):
    lessons = tmp_path / "lessons"
    build_lessons(solutions, lessons)
    first = (lessons / "01_tiny.ipynb").read_bytes()
    assert build_lessons(solutions, lessons) == {lessons / "01_tiny.ipynb": "unchanged"}
    assert (lessons / "01_tiny.ipynb").read_bytes() == first
    assert main(["build", "--solutions", str(solutions), "--lessons", str(lessons), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out

    nb = tiny_solution()
    nb.cells[0].source = "# Tiny lesson, revised"
    nbformat.write(nb, solutions / "01_tiny.ipynb")
    assert stale_lessons(solutions, lessons) == [f"{lessons / '01_tiny.ipynb'} differs from what {solutions / '01_tiny.ipynb'} makes"]
    assert main(["build", "--solutions", str(solutions), "--lessons", str(lessons), "--check"]) == 1
    err = capsys.readouterr().err
    assert "out of date" in err and "run `catdog build`" in err and len(err.strip().splitlines()) == 1

    assert main(["build", "--solutions", str(solutions), "--lessons", str(lessons)]) == 0
    assert "written" in capsys.readouterr().out
    (lessons / "99_old.ipynb").write_bytes(first)
    assert stale_lessons(solutions, lessons) == [f"{lessons / '99_old.ipynb'} has no solution notebook in {solutions}"]


def test_bad_solutions_give_one_clear_error(tmp_path):
    with pytest.raises(CatdogError, match="no solutions folder"):
        build_lessons(tmp_path / "nowhere", tmp_path / "lessons")
    with pytest.raises(CatdogError, match="holds no .ipynb"):
        build_lessons(tmp_path, tmp_path / "lessons")
    nb = tiny_solution()
    nb.cells[2].source = PIECE.replace("    ### END SOLUTION", "")
    nbformat.write(nb, tmp_path / "01_bad.ipynb")
    for use_nbgrader in (False, True):
        with pytest.raises(CatdogError, match="01_bad.ipynb: .*(no end solution|without its END SOLUTION)"):
            build_lessons(tmp_path, tmp_path / "lessons", use_nbgrader=use_nbgrader)

    text = (tmp_path / "01_bad.ipynb").read_text().replace('"id": "setup",', "")
    (tmp_path / "01_bad.ipynb").write_text(text)
    with pytest.raises(CatdogError, match="01_bad.ipynb: some cells have no id"):
        build_lessons(tmp_path, tmp_path / "lessons")


def test_without_nbgrader_we_make_the_same_lessons():
    pytest.importorskip("nbgrader")
    notebooks = [tiny_solution()] + [nbformat.read(p, as_version=4) for p in sorted((KIT / "solutions").glob("*.ipynb"))]
    for nb in notebooks:
        assert notebook_text(lesson_from_solution(nb, use_nbgrader=False)) == \
            notebook_text(lesson_from_solution(nb, use_nbgrader=True))


@pytest.mark.skipif(not list((KIT / "solutions").glob("*.ipynb")), reason="solutions/ holds no notebooks yet")
def test_the_kit_lessons_are_what_build_makes():
    problems = stale_lessons(KIT / "solutions", KIT / "lessons")
    assert problems == [], "lessons/ is stale, run `catdog build`: " + "; ".join(problems)
