"""Run All on every fresh lesson (``lessons/*.ipynb`` as released), as a learner who has written nothing yet.

A learner's notebook reaches its last cell: every piece cell says in one line that the reference runs
in its place, every ``%check`` shows its red verdict, every cell after them runs, no cell raises. Under
``NBGRADER_EXECUTION=validate`` (what nbgrader sets while it validates) the same notebook stops at its
first failing check. Tiny settings and random weights, as the browser tests use (one run of each
lesson each way; minutes in all).
"""
import os
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.cells import split_check_cell, split_piece_cell
from catdog_lib.course.demo import run_notebook

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))

pytestmark = pytest.mark.slow


def small_env(tmp, photos_dir, **more):
    env = dict(os.environ, CATDOG_DATA=str(photos_dir), CATDOG_WEIGHTS="none", CATDOG_SIZE="32",
               CATDOG_SUBSET="40", CATDOG_EPOCHS="1", CATDOG_BATCH_SIZE="8", CATDOG_WORKERS="0",
               CATDOG_DEVICE="cpu", CATDOG_WORKSPACE=str(tmp / "my_pieces"), CATDOG_DATA_ROOT=str(tmp / "data"),
               CATDOG_RUNS=str(tmp / "runs"), CATDOG_DRIVE="0", TORCH_HOME=str(tmp / "torch"),
               CATDOG_CACHE=str(tmp / "cache"), MPLBACKEND="module://matplotlib_inline.backend_inline", **more)
    for name in ("NBGRADER_EXECUTION", "CATDOG_STRICT_CHECKS", "CATDOG_SOLUTIONS"):
        if name not in more:
            env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory, photos_dir):
    """Each lesson run top to bottom twice, in course order: as a learner would, and as nbgrader validates."""
    tmp = tmp_path_factory.mktemp("fresh")
    results = {}
    for way, more in (("learner", {}), ("validate", {"NBGRADER_EXECUTION": "validate"})):
        env = small_env(tmp / way, photos_dir, **more)
        for lesson in LESSONS:
            if way == "validate" and not any(split_check_cell(c.source) for c in read(lesson).cells):
                continue  # 05 checks nothing: nothing for nbgrader to stop at
            seconds, error = run_notebook(lesson, tmp / way / "out", env=env, timeout=600, html=False)
            results[way, lesson.name] = (read(tmp / way / "out" / lesson.name), error, seconds)
    print("\nfresh lessons: " + ", ".join(f"{way} {name[:2]} {s:.0f} s" for (way, name), (_, _, s) in results.items()))
    return tmp, results


def read(path):
    return nbformat.read(path, as_version=4)


def text(cell):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_run_all_of_a_fresh_lesson_reaches_its_last_cell_with_red_verdicts(runs, lesson):
    tmp, results = runs
    nb, error, _ = results["learner", lesson]
    assert error is None, f"{lesson}: {error} (see {tmp / 'learner' / 'out'})"
    cells = code_cells(nb)
    assert all(cell.execution_count for cell in cells), "every cell ran"
    assert not [cell.source[:60] for cell in cells if any(o.output_type == "error" for o in cell.outputs)]
    for cell in cells:
        piece = split_piece_cell(cell.source)
        if piece:
            assert f"{piece[0]} is still the lesson's stub: the reference {piece[0]} runs in its place" in text(cell)
        checked = split_check_cell(cell.source)
        if checked:
            html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
            assert f"{checked}: not written yet" in text(cell) and "Hint:" in text(cell), text(cell)
            assert "#cf222e" in html, "the verdict is red"
    assert not list((tmp / "learner" / "my_pieces").glob("*.py")), "no stub was saved as a piece"


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS if p.name[:2] != "05"])
def test_under_nbgrader_validate_the_lesson_stops_at_its_first_failing_check(runs, lesson):
    _, results = runs
    nb, error, _ = results["validate", lesson]
    cells = code_cells(nb)
    first = next(i for i, cell in enumerate(cells) if split_check_cell(cell.source))
    name = split_check_cell(cells[first].source)
    assert error == f"PieceNotPassing: {name} is not written yet", error
    assert [o.output_type for o in cells[first].outputs][-1] == "error"
    assert all(cell.execution_count for cell in cells[:first + 1])
    assert not any(cell.execution_count for cell in cells[first + 1:]), "nothing ran after the failing check"
