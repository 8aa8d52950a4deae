"""The words of a verdict, from what the checks report (no judge run: these are only the formatters)."""
from catdog_lib.course.judge import progress_table, verdict_html, verdict_text
from catdog_lib.course.pieces import PIECES, get_piece

FAILED = {"status": "failed", "passed": 3, "total": 7, "message": "val holds 40 cats and 0 dogs: not stratified",
          "hint": "Split each label on its own.", "traceback": "  File \"split_items.py\", line 3\nZeroDivisionError: x"}


def test_verdict_words():
    assert verdict_text("split_items", {"status": "passed", "passed": 7, "total": 7}) == "split_items: 7 of 7 checks pass"
    assert verdict_text("split_items", FAILED).splitlines() == [
        "split_items: 3 of 7 checks pass", "  val holds 40 cats and 0 dogs: not stratified",
        "  Hint: Split each label on its own.", "", '  File "split_items.py", line 3', "ZeroDivisionError: x"]
    assert verdict_text("split_items", {"status": "not_started"}).startswith("split_items: not started.")
    html = verdict_html("split_items", dict(FAILED, message="a < b"))
    assert "a &lt; b" in html and "<pre" in html and "Hint:" in html
    assert "7 of 7 checks pass" in verdict_html("split_items", {"status": "passed", "passed": 7, "total": 7})


def test_progress_counts_points_all_or_nothing():
    table = progress_table({"split_items": {"status": "passed", "passed": 7, "total": 7}, "pick_device": FAILED})
    text = str(table)
    assert "passing (7/7 checks)" in text and "failing (3/7 checks)" in text
    worth = get_piece("split_items").points
    assert text.splitlines()[-1] == f"Total: {worth} of {sum(p.points for p in PIECES)} points"
    lesson_02 = next(line for line in text.splitlines() if line.startswith("Lesson 02"))
    assert "1 of 3 passing" in lesson_02 and lesson_02.endswith(f"{worth} / {sum(p.points for p in PIECES if p.lesson == '02')}")
