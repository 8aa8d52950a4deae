"""Lesson 02 in JupyterLab, as a learner: write split_items, check it, get it wrong, get hints, see progress.

The tests run in order on one notebook in one browser tab (each step needs
the one before it), and save a screenshot of what the learner sees at each.
"""
import re

import pytest

from . import lab_ui as ui

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

LESSON = "lessons/02_data_and_splits.ipynb"

# A correct split_items written differently from the reference: one pass per label, with a comprehension.
RIGHT = '''%%piece split_items
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    rng = random.Random(seed)
    train, val = [], []
    for label in sorted({label for _, label in items}):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        cut = round(len(group) * val_fraction)
        val += group[:cut]
        train += group[cut:]
    return train, val
'''

# The classic mistake: shuffle everything and cut once, so the shares of cats and dogs drift.
NOT_STRATIFIED = '''%%piece split_items
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction}")
    items = list(items)
    random.Random(seed).shuffle(items)
    cut = round(len(items) * val_fraction)
    return items[cut:], items[:cut]
'''


def is_green(rgb):
    r, g, b = rgb
    return g > r + 40 and g > b


def is_red(rgb):
    r, g, b = rgb
    return r > g + 60 and r > b + 40


@pytest.fixture(scope="module")
def lesson(page, lab, artifacts):
    """Lesson 02 open from the file browser, its setup cell and the shared imports run."""
    return ui.open_lesson(page, lab, "lesson02", LESSON, artifacts, "00_lesson02_opened")


def test_kernel_runs_this_python(lesson, lab):
    """The notebook's kernel is the kit's Python (the python3 kernelspec names "python": Jupyter puts its own)."""
    import sys

    commands = lab.kernel_commands()
    assert commands, "JupyterLab started no kernel"
    assert all(argv[0] == sys.executable for argv in commands), f"kernels run {[a[0] for a in commands]}, not {sys.executable}"


def write_piece(page, code):
    piece = ui.cell(page, "%%piece split_items")
    typed = ui.type_into(page, piece, code)
    assert typed.strip() == code.strip(), f"the cell holds something else than what was typed:\n{typed}"
    ui.run_cell(page, piece)
    assert "split_items is saved, but running its cell raised" not in ui.output_text(piece)


def check_cell(page):
    return ui.cell(page, "%check split_items")


def verdict_line(a_cell):
    """The verdict's first line: the element whose text says 'N of M checks pass'."""
    line = a_cell.locator(".jp-OutputArea-output div", has_text=re.compile(r"split_items: \d+ of \d+ checks pass")).last
    return line


def test_correct_piece_gets_the_green_verdict(lesson, artifacts):
    page = lesson
    write_piece(page, RIGHT)
    check = check_cell(page)
    ui.run_cell(page, check)
    ui.shot(page, artifacts, "01_lesson02_check_green", check)
    text = ui.output_text(check)
    counts = re.search(r"split_items: (\d+) of (\d+) checks pass", text)
    assert counts, f"no verdict under %check split_items; the output was:\n{text}"
    assert counts.group(1) == counts.group(2), f"a correct split_items does not pass every check: {text}"
    assert is_green(ui.colour_of(verdict_line(check))), f"the passing verdict is not green: {ui.colour_of(verdict_line(check))}"
    assert "Error" not in text


def test_wrong_piece_gets_the_red_verdict_and_a_hint(lesson, artifacts):
    page = lesson
    write_piece(page, NOT_STRATIFIED)
    check = check_cell(page)
    ui.run_cell(page, check)
    ui.shot(page, artifacts, "02_lesson02_check_red", check)
    text = ui.output_text(check)
    counts = re.search(r"split_items: (\d+) of (\d+) checks pass", text)
    assert counts, f"no verdict under %check split_items; the output was:\n{text}"
    assert counts.group(1) != counts.group(2), f"a split that is not stratified passes: {text}"
    assert is_red(ui.colour_of(verdict_line(check))), f"the failing verdict is not red: {ui.colour_of(verdict_line(check))}"
    assert "not stratified" in text, f"the verdict does not say what is wrong:\n{text}"
    assert re.search(r"Hint:\s*\S", text), f"the verdict shows no hint:\n{text}"


def test_hint_magic_shows_the_next_hint(lesson, artifacts):
    from catdog_lib.course.pieces import HINTS

    page = lesson
    hints = HINTS["split_items"]
    first = ui.add_cell_below(page, check_cell(page), "%hint split_items")
    ui.run_typed(page, first)
    second = ui.add_cell_below(page, first, "%hint split_items")
    ui.run_typed(page, second)
    one, two = ui.output_text(first), ui.output_text(second)
    ui.shot(page, artifacts, "03_lesson02_hint_1", first)
    ui.shot(page, artifacts, "04_lesson02_hint_2", second)
    assert f"Hint 1 of {len(hints)}" in one and hints[0] in one, f"the first %hint shows:\n{one}"
    assert f"Hint 2 of {len(hints)}" in two and hints[1] in two, f"the second %hint shows:\n{two}"


def test_progress_shows_the_table(lesson, artifacts):
    page = lesson
    progress = ui.cell(page, "%progress")
    ui.run_cell(page, progress)
    ui.shot(page, artifacts, "05_lesson02_progress", progress)
    table = progress.locator(".jp-OutputArea-output table")
    assert table.count() == 1, f"no table under %progress; the output was:\n{ui.output_text(progress)}"
    rows = [r.inner_text() for r in table.locator("tr").all()]
    split_row = [r for r in rows if "split_items" in r]
    assert split_row and "failing" in split_row[0], f"split_items is not shown as failing: {rows}"
    for name in ("pick_device", "label_from_filename", "arrange_imagefolder", "predict_image"):
        assert any(name in r and "not started" in r for r in rows), f"{name} is not shown as not started: {rows}"
    assert re.search(r"Total: \d+ of \d+ points", ui.output_text(progress))
