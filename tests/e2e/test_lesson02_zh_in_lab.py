"""The Chinese lesson 02 in JupyterLab, as a learner: a wrong label_from_filename gets a red verdict with its
hint in Chinese, the fixed one a green verdict.

One notebook in one browser tab, the steps in order; a screenshot of each
(``artifacts/zh_*.png``). The verdict's words come from the zh catalogue:
this test fails when a line a learner reads there is still English.
"""
import re

import pytest

from . import lab_ui as ui
from .test_lesson02_in_lab import is_green, is_red

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

LESSON = "lessons/zh/02_data_and_splits.ipynb"
PIECE = "label_from_filename"

# The classic slip: the whole stem ("cat.1") rather than the part before the first dot.
WHOLE_STEM = '''%%piece label_from_filename
def label_from_filename(path):
    return os.path.splitext(os.path.basename(os.fspath(path)))[0].lower()
'''

# A correct one, written otherwise than the reference: a regular expression on the base name.
RIGHT = '''%%piece label_from_filename
def label_from_filename(path):
    import re
    name = os.path.basename(os.fspath(path))
    found = re.fullmatch(r"(cat|dog)\\.[^.]+\\..+", name, flags=re.IGNORECASE)
    if not found:
        raise ValueError(f"cannot tell the label of {name!r}: expected a name like 'cat.123.jpg'")
    return found.group(1).lower()
'''

CJK = re.compile(r"[\u4e00-\u9fff]")
# An English sentence: three words of letters in a row (names in code, such as label_from_filename, are one word).
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")


@pytest.fixture(scope="module")
def lesson(page, lab, artifacts):
    """The Chinese lesson 02 open from the file browser (lessons, then zh), its setup cell and imports run."""
    return ui.open_lesson(page, lab, "lesson02zh", LESSON, artifacts, "zh_00_lesson02_opened")


def verdict_line(a_cell):
    """The verdict's first line: the coloured block that names the piece in bold."""
    return a_cell.locator(".jp-OutputArea-output div[style*='color']", has=a_cell.page.locator("b", has_text=PIECE)).first


def check_piece(page, code, artifacts, shot_name):
    piece = ui.cell(page, f"%%piece {PIECE}")
    typed = ui.type_into(page, piece, code)
    assert typed.strip() == code.strip(), f"the cell holds something else than what was typed:\n{typed}"
    ui.run_cell(page, piece)
    check = ui.cell(page, f"%check {PIECE}")
    ui.run_cell(page, check)
    ui.shot(page, artifacts, shot_name, check)
    return check, ui.output_text(check)


def test_the_lesson_is_in_chinese(lesson):
    heading = lesson.locator(".jp-MarkdownOutput h1").first
    assert "数据" in heading.inner_text(), heading.inner_text()


def test_a_wrong_piece_gets_a_red_verdict_with_a_chinese_hint(lesson, artifacts):
    check, text = check_piece(lesson, WHOLE_STEM, artifacts, "zh_01_lesson02_check_red")
    assert verdict_line(check).count() == 1, f"no verdict under %check {PIECE}; the output was:\n{text}"
    assert is_red(ui.colour_of(verdict_line(check))), f"the failing verdict is not red: {ui.colour_of(verdict_line(check))}"
    assert "cat.1" in text or "stem" in text, f"the verdict does not say what is wrong:\n{text}"
    assert len(CJK.findall(text)) >= 20, f"the verdict is not in Chinese:\n{text}"
    assert "Hint" not in text and "提示" in text, f"the verdict shows no Chinese hint:\n{text}"
    english = [m.group(0) for m in ENGLISH_SENTENCE.finditer(text)]
    assert not english, f"English sentences in the Chinese verdict: {english}\n{text}"


def test_the_fixed_piece_gets_a_green_verdict(lesson, artifacts):
    check, text = check_piece(lesson, RIGHT, artifacts, "zh_02_lesson02_check_green")
    assert verdict_line(check).count() == 1, f"no verdict under %check {PIECE}; the output was:\n{text}"
    assert is_green(ui.colour_of(verdict_line(check))), f"the passing verdict is not green: {ui.colour_of(verdict_line(check))}"
    counts = [int(n) for n in re.findall(r"\d+", verdict_line(check).inner_text())]
    assert len(counts) >= 2 and counts[0] == counts[1], f"a correct {PIECE} does not pass every check: {text}"
    assert len(CJK.findall(text)) >= 4, f"the green verdict is not in Chinese:\n{text}"
