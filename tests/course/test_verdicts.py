"""The words of a verdict, from what the checks report (no judge run: these are only the formatters)."""
from catdog_lib.course.judge import not_written
from catdog_lib.course.registry import HINTS, PIECES, get_piece
from catdog_lib.course.verdicts import GRAY, GREEN, RED, progress_table, verdict_html, verdict_text

FAILED = {"status": "failed", "passed": 3, "total": 7, "message": "val holds 40 cats and 0 dogs: not stratified",
          "hint": "Split each label on its own.", "traceback": "  File \"split_items.py\", line 3\nZeroDivisionError: x"}
PASSED = {"status": "passed", "passed": 7, "total": 7}


def test_verdict_words():
    assert verdict_text("split_items", FAILED).splitlines() == [
        "split_items: 3 of 7 checks pass", "  val holds 40 cats and 0 dogs: not stratified",
        "  Hint: Split each label on its own.", "", '  File "split_items.py", line 3', "ZeroDivisionError: x"]
    assert verdict_text("split_items", {"status": "not_started"}).startswith("split_items: not started.")
    html = verdict_html("split_items", dict(FAILED, message="a < b"))
    assert "a &lt; b" in html and "<pre" in html and "Hint:" in html and RED in html


def test_a_pass_says_in_one_line_why_the_piece_matters():
    why = get_piece("split_items").why
    assert verdict_text("split_items", PASSED).splitlines() == ["split_items: 7 of 7 checks pass",
                                                                f"  Why it matters: {why}"]
    html = verdict_html("split_items", PASSED)
    assert "7 of 7 checks pass" in html and GREEN in html and "Why it matters:" in html
    for piece in PIECES:  # one sentence each, and each its own
        assert piece.why.endswith(".") and piece.why.count(". ") == 0 and len(piece.why) < 220, piece.name
    assert len({piece.why for piece in PIECES}) == len(PIECES)


def test_a_stub_cell_is_not_written_yet_in_red():
    result = not_written("split_items")
    text = verdict_text("split_items", result)
    assert text.splitlines()[0] == "split_items: not written yet"
    assert "still holds the lesson's stub" in text and f"Hint: {HINTS['split_items'][0]}" in text
    html = verdict_html("split_items", result)
    assert RED in html and GRAY not in html
    assert result["status"] == "not_started" and result["partial_points"] == 0


def test_progress_counts_points_all_or_nothing():
    table = progress_table({"split_items": PASSED, "pick_device": FAILED})
    text = str(table)
    assert "passing (7/7 checks)" in text and "failing (3/7 checks)" in text
    worth = get_piece("split_items").points
    assert text.splitlines()[-1] == f"Total: {worth} of {sum(p.points for p in PIECES)} points"
    lesson_02 = next(line for line in text.splitlines() if line.startswith("Lesson 02"))
    assert "1 of 3 passing" in lesson_02 and lesson_02.endswith(f"{worth} / {sum(p.points for p in PIECES if p.lesson == '02')}")
