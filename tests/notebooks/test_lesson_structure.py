"""The lessons' shape: what `catdog build` makes, stubs where the pieces go, a check after each piece,
the Colab badge, the setup and settings cells first."""
import ast
import re
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.build import out_of_step
from catdog_lib.course.cells import reference_source, solution_text, split_piece_cell
from catdog_lib.course.pieces import PIECES, PRELUDE_IMPORTS
from catdog_lib.course.colab import kaggle_url
from catdog_lib.settings import COLAB_DIR, KIT_GIT_URL, colab_url

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["01_setup_and_hardware.ipynb", "02_data_and_splits.ipynb", "03_preprocessing.ipynb",
         "04_training.ipynb", "05_train_and_classify.ipynb"]


def read(folder, name):
    return nbformat.read(ROOT / folder / name, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_all_five_exist_and_lessons_are_what_build_makes():
    assert sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")) == NAMES
    assert out_of_step(ROOT / "solutions", ROOT / "lessons") == []


@pytest.mark.parametrize("name", NAMES)
def test_each_piece_cell_is_a_stub_followed_by_its_check(name):
    nb = read("lessons", name)
    cells = nb.cells
    lesson = name[:2]
    expected = [p.name for p in PIECES if p.lesson == lesson]
    found = []
    for i, cell in enumerate(cells):
        parsed = split_piece_cell(cell.source) if cell.cell_type == "code" else None
        if not parsed:
            continue
        piece, body = parsed
        found.append(piece)
        func = ast.parse(body).body[0]
        assert isinstance(func, ast.FunctionDef) and func.name == piece
        statements = func.body[1:]  # after the docstring
        assert len(statements) == 1 and isinstance(statements[0], ast.Raise), f"{piece} is not a stub in {name}"
        assert "# YOUR CODE HERE" in body and cell.outputs == []
        after = cells[i + 1]
        assert after.cell_type == "code" and after.source.strip() == f"%check {piece}"
        assert after.metadata["nbgrader"]["grade"] and after.metadata["editable"] is False
        before = cells[i - 1]
        assert before.cell_type == "markdown" and f"`{piece}`" in before.source, f"no prose before {piece}"
    assert found == expected


@pytest.mark.parametrize("name", NAMES)
def test_solution_pieces_are_the_reference(name):
    for cell in code_cells(read("solutions", name)):
        parsed = split_piece_cell(cell.source)
        if parsed:
            assert solution_text(cell.source) == reference_source(parsed[0])


@pytest.mark.parametrize("name", NAMES)
def test_badge_goals_setup_settings_summary(name):
    nb = read("lessons", name)
    first = nb.cells[0].source
    assert f"({colab_url(name)})" in first and "**You will:**" in first and "**Time:**" in first
    assert f"({kaggle_url(name)})" in first, "no Open in Kaggle badge beside Colab's"
    assert f"({kaggle_url(name, 'lessons/zh')})" in read("lessons/zh", name).cells[0].source
    setup, imports, settings = code_cells(nb)[:3]
    assert "%load_ext catdog_lib" in setup.source and "start_lesson(KIT)" in setup.source
    assert COLAB_DIR in setup.source and KIT_GIT_URL in setup.source
    assert len(setup.source.splitlines()) <= 12, "the setup cell grew: put what it does into catdog_lib.notebook"
    assert imports.source.startswith("# The names every piece may use")
    assert PRELUDE_IMPORTS in imports.source  # the names every piece may use, as the learner reads them
    assert re.match(r"settings = load_settings\(.*\)\nsettings$", settings.source, re.S)
    assert any(c.cell_type == "markdown" and c.source.startswith("## Summary") for c in nb.cells)
    assert code_cells(nb)[-1].source == "%progress"


def test_no_prose_became_a_code_block_and_every_code_cell_parses():
    from IPython.core.inputtransformer2 import TransformerManager

    for name in NAMES:
        for cell in read("solutions", name).cells:
            if cell.cell_type == "code":
                ast.parse(TransformerManager().transform_cell(cell.source))
            else:
                lines = cell.source.split("\n")
                for before, line in zip([""] + lines, lines):
                    assert not (line.startswith("    ") and not before.strip() and not line.lstrip().startswith("- ")), \
                        f"{name}: {line!r} would show as code"
