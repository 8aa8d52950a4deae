"""`catdog build`: solutions/ kept in step with the library, linted, and released as lessons/ by nbgrader."""
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest

import catdog_lib.data
from catdog_lib.cli import main
from catdog_lib.course.build import build, out_of_step, plan_build, release
from catdog_lib.course.cells import check_cell, piece_cell, piece_source
from catdog_lib.errors import CatdogError

KIT = Path(__file__).resolve().parents[2]

STUB = '''%%piece label_from_filename
def label_from_filename(path):
    """Read the label out of a Kaggle file name: ``cat.123.jpg`` -> ``"cat"``.'''


def tiny_solution():
    """A solution notebook as an instructor keeps it: prose, setup, a piece run with output, its check, an answer."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    piece = piece_cell("label_from_filename")
    piece.id, piece.execution_count = "piece", 2
    piece.outputs = [nbformat.v4.new_output("stream", text="saved\n")]
    check_ = check_cell("label_from_filename")
    check_.id, check_.execution_count = "check", 3
    check_.metadata.update({"scrolled": True, "execution": {"iopub.status.idle": "2026-11-30T05:00:00Z"}})
    answer_meta = {"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "why",
                                "schema_version": 3, "task": False}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny lesson\n\nWhy *labels* matter.", id="intro"),
        nbformat.v4.new_code_cell("%load_ext catdog_lib", id="setup", execution_count=1),
        piece,
        check_,
        nbformat.v4.new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION", id="answer",
                                      metadata=answer_meta),
    ]
    return nb


@pytest.fixture
def kit(tmp_path, monkeypatch):
    """A course of one lesson (lesson 02 holds label_from_filename) and only that piece in the registry."""
    from catdog_lib.course import registry

    monkeypatch.setattr(registry, "PIECES", tuple(p for p in registry.PIECES if p.name == "label_from_filename"))
    solutions, lessons = tmp_path / "solutions", tmp_path / "lessons"
    solutions.mkdir()
    nbformat.write(tiny_solution(), solutions / "02_tiny.ipynb")
    return solutions, lessons


def read(path):
    return nbformat.read(path, as_version=4)


def test_build_releases_the_lesson_with_nbgrader(kit):
    solutions, lessons = kit
    build(solutions, lessons, report=lambda line: None)
    lesson = read(lessons / "02_tiny.ipynb")
    intro, setup, piece, check_, answer = lesson.cells
    assert [c.id for c in lesson.cells] == ["intro", "setup", "piece", "check", "answer"]
    assert piece.source.startswith(STUB)
    assert piece.source.endswith('"""\n    # YOUR CODE HERE\n    raise NotImplementedError()')
    assert answer.source == "Why?\n\nYOUR ANSWER HERE"
    assert intro.source == "# Tiny lesson\n\nWhy *labels* matter." and setup.source == "%load_ext catdog_lib"
    for cell in (setup, piece, check_):
        assert cell.outputs == [] and cell.execution_count is None
    assert piece.metadata["deletable"] is False and "editable" not in piece.metadata
    assert check_.metadata["deletable"] is False and check_.metadata["editable"] is False
    assert "execution" not in check_.metadata and "widgets" not in lesson.metadata
    nbformat.validate(lesson)


def test_an_edited_markdown_cell_reaches_the_lesson_untouched(kit):
    solutions, lessons = kit
    build(solutions, lessons, report=lambda line: None)
    nb = read(solutions / "02_tiny.ipynb")
    prose = "# Tiny lesson\n\nRevised: *why* labels matter,  with two spaces and a trailing one \n\n    not code"
    nb.cells[0].source = prose
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    assert out_of_step(solutions, lessons) == [f"stale: {lessons / '02_tiny.ipynb'} differs from what the build makes"]
    build(solutions, lessons, report=lambda line: None)
    assert read(lessons / "02_tiny.ipynb").cells[0].source == prose
    assert read(solutions / "02_tiny.ipynb").cells[0].source == prose
    assert out_of_step(solutions, lessons) == []


def test_an_inserted_cell_changes_no_other_id(kit):
    solutions, lessons = kit
    build(solutions, lessons, report=lambda line: None)
    before = [c.id for c in read(lessons / "02_tiny.ipynb").cells]
    nb = read(solutions / "02_tiny.ipynb")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new paragraph."))  # nbformat gives it a fresh id
    new_id = nb.cells[1].id
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    build(solutions, lessons, report=lambda line: None)
    for folder in (solutions, lessons):
        ids = [c.id for c in read(folder / "02_tiny.ipynb").cells]
        assert ids == before[:1] + [new_id] + before[1:]


def test_a_changed_reference_makes_check_fail_on_the_cell_until_build_syncs_it(kit, tmp_path, monkeypatch):
    solutions, lessons = kit
    build(solutions, lessons, report=lambda line: None)
    # A new reference version of the piece, in a real module file, as an edit of catdog_lib/data.py would give.
    module = tmp_path / "newer_data.py"
    module.write_text(textwrap.dedent('''\
        from pathlib import Path


        def label_from_filename(path):
            """Read the label out of a Kaggle file name (revised docstring)."""
            label = Path(path).name.split(".")[0].lower()
            if label not in ("cat", "dog"):
                raise ValueError(f"cannot tell the label of {Path(path).name!r}")
            return label
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import newer_data

    monkeypatch.setattr(catdog_lib.data, "label_from_filename", newer_data.label_from_filename)
    said = out_of_step(solutions, lessons)
    assert "stale: 02_tiny.ipynb cell piece: label_from_filename copied from the library's reference" in said, said

    build(solutions, lessons, report=lambda line: None)
    nb = read(solutions / "02_tiny.ipynb")
    assert nb.cells[2].source == piece_source("label_from_filename")
    assert "(revised docstring)" in nb.cells[2].source
    assert nb.cells[2].outputs[0]["text"] == "saved\n"  # the rest of the cell as the instructor left it
    assert "(revised docstring)" in read(lessons / "02_tiny.ipynb").cells[2].source
    assert out_of_step(solutions, lessons) == []


def test_build_sets_the_nbgrader_metadata_and_check_reports_it(kit):
    solutions, lessons = kit
    nb = read(solutions / "02_tiny.ipynb")
    del nb.cells[2].metadata["nbgrader"]
    nb.cells[3].metadata["nbgrader"]["points"] = 7
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    said = out_of_step(solutions, lessons)
    assert "stale: 02_tiny.ipynb cell piece: nbgrader metadata of label_from_filename set" in said
    assert "stale: 02_tiny.ipynb cell check: nbgrader metadata of label_from_filename set" in said
    build(solutions, lessons, report=lambda line: None)
    fixed = read(solutions / "02_tiny.ipynb")
    assert fixed.cells[2].metadata["nbgrader"]["solution"] is True
    assert fixed.cells[3].metadata["nbgrader"]["points"] == 1


def faults_of(solutions, lessons):
    return plan_build(solutions, lessons).faults


def test_the_lint_names_notebook_and_cell(kit):
    solutions, lessons = kit
    path = solutions / "02_tiny.ipynb"
    assert faults_of(solutions, lessons) == []

    nb = tiny_solution()
    del nb.cells[3]  # the %check cell
    nbformat.write(nb, path)
    assert faults_of(solutions, lessons) == [
        "02_tiny.ipynb cell piece: the label_from_filename cell is not followed by its check: "
        "add a code cell '%check label_from_filename' right after it"]

    nb = tiny_solution()
    nb.cells[1].source = "import os"  # no setup
    nbformat.write(nb, path)
    assert any("cell piece: label_from_filename comes before the lesson's setup cell" in f
               for f in faults_of(solutions, lessons))

    nb = tiny_solution()
    nb.cells[3].source = "%check label_from_filenam"
    nb.cells.append(nbformat.v4.new_code_cell("%%piece pick_devic\ndef pick_devic():\n    pass", id="typo"))
    nbformat.write(nb, path)
    faults = faults_of(solutions, lessons)
    assert any("cell check: %check label_from_filenam: there is no piece called" in f for f in faults)
    assert any("cell typo: %%piece pick_devic: there is no piece called" in f for f in faults)

    nbformat.write(tiny_solution(), solutions / "03_other.ipynb")  # the piece twice, once in the wrong lesson
    faults = faults_of(solutions, lessons)
    assert any("label_from_filename has 2 piece cells" in f for f in faults)
    assert any("03_other.ipynb cell piece: label_from_filename belongs to lesson 02" in f for f in faults)

    nb = tiny_solution()
    nb.cells = nb.cells[:2]  # the piece is gone
    nbformat.write(nb, path)
    (solutions / "03_other.ipynb").unlink()
    assert faults_of(solutions, lessons) == [
        "lesson 02: there is no '%%piece label_from_filename' cell in any solution notebook"]


def test_faults_stop_the_build_and_write_nothing(kit):
    solutions, lessons = kit
    nb = tiny_solution()
    del nb.cells[3]
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    said = []
    with pytest.raises(CatdogError, match="1 fault"):
        build(solutions, lessons, report=said.append)
    assert said[0].startswith("fault: 02_tiny.ipynb cell piece")
    assert not lessons.exists()


def test_the_cli_says_up_to_date_or_fails_in_one_line(kit, capsys):
    solutions, lessons = kit
    args = ["build", "--solutions", str(solutions), "--lessons", str(lessons)]
    assert main(args + ["--check"]) == 1
    captured = capsys.readouterr()
    assert "stale:" in captured.err and captured.err.strip().splitlines()[-1].startswith("catdog build: ")
    assert main(args) == 0
    assert "written" in capsys.readouterr().out
    assert main(args + ["--check"]) == 0
    assert "up to date" in capsys.readouterr().out
    (lessons / "99_old.ipynb").write_text((lessons / "02_tiny.ipynb").read_text())
    assert main(args + ["--check"]) == 1
    assert "99_old.ipynb has no solution notebook" in capsys.readouterr().err


def test_bad_solutions_give_one_clear_error(tmp_path):
    with pytest.raises(CatdogError, match="no solutions folder"):
        build(tmp_path / "nowhere", tmp_path / "lessons")
    with pytest.raises(CatdogError, match="holds no .ipynb"):
        build(tmp_path, tmp_path / "lessons")
    nb = tiny_solution()
    nb.cells[4].source = "Why?\n\n### BEGIN SOLUTION\nBecause."
    with pytest.raises(CatdogError, match="nbgrader cannot clear the solutions"):
        release(nb)
    (tmp_path / "02_bad.ipynb").write_text("{not json")
    with pytest.raises(CatdogError, match="02_bad.ipynb is not a readable notebook"):
        build(tmp_path, tmp_path / "lessons")


def test_building_the_kit_twice_writes_the_same_bytes(tmp_path):
    shutil.copytree(KIT / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    build(tmp_path / "solutions", tmp_path / "lessons", report=lambda line: None)
    for path in sorted((KIT / "lessons").glob("*.ipynb")):
        assert (tmp_path / "lessons" / path.name).read_bytes() == path.read_bytes()
    assert build(tmp_path / "solutions", tmp_path / "lessons", report=lambda line: None) == {}


def test_for_nbgrader_writes_each_solution_as_an_assignment_with_solutions_off(kit, tmp_path):
    from catdog_lib.course.build import SOLUTIONS_OFF, for_nbgrader
    from catdog_lib.course.demo import run_notebook

    solutions, _ = kit
    said = []
    written = for_nbgrader(solutions, tmp_path / "source", report=said.append)
    target = tmp_path / "source" / "02_tiny" / "02_tiny.ipynb"
    assert written == [target] and said[0] == f"written  {target} (1 point)"
    nb = read(target)
    setup = nb.cells[1].source.split("\n")
    assert setup == ["%load_ext catdog_lib", *SOLUTIONS_OFF.split("\n")]
    assert nb.cells[2].source == piece_source("label_from_filename"), "the solution, for nbgrader to clear"
    assert [c.id for c in nb.cells] == [c.id for c in tiny_solution().cells]
    assert not list(solutions.parent.glob("lessons")), "the self-learners' lessons are not written"

    # The setup cell really turns %solution off in that notebook.
    nb.cells.append(nbformat.v4.new_code_cell("%solution label_from_filename"))
    nb.cells = [nb.cells[1], nb.cells[-1]]
    nbformat.write(nb, tmp_path / "run.ipynb")
    _, error = run_notebook(tmp_path / "run.ipynb", tmp_path / "out", html=False, timeout=300)
    assert error is None, error
    shown = read(tmp_path / "out" / "run.ipynb").cells[-1].outputs[0]["data"]["text/plain"]
    assert "Solutions are off for this notebook" in shown and "def label_from_filename" not in shown


def test_for_nbgrader_writes_nothing_when_the_course_has_faults(kit, tmp_path):
    from catdog_lib.course.build import for_nbgrader

    solutions, _ = kit
    nb = tiny_solution()
    del nb.cells[3]  # the %check cell
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    with pytest.raises(CatdogError, match="1 fault"):
        for_nbgrader(solutions, tmp_path / "source", report=lambda line: None)
    assert not (tmp_path / "source").exists()
    assert main(["build", "--solutions", str(solutions), "--for-nbgrader", str(tmp_path / "source")]) == 1
