"""The notebook magics, run for real in an IPython shell; %check judges with the real checks."""
import inspect

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import catdog_lib.data
from catdog_lib import paths
from catdog_lib.course import magics
from catdog_lib.course.prelude import PRELUDE_IMPORTS
from catdog_lib.course.registry import HINTS, PIECE_NAMES, get_piece

RIGHT = '''def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    first = name.split(".", 1)[0].lower()
    if first not in ("cat", "dog") or name.count(".") < 2:
        raise ValueError(f"no label in {name!r}")
    return first
'''
WRONG = '''def label_from_filename(path):
    return "cat" if "cat" in str(path).lower() else "dog"
'''
STUB = '''def label_from_filename(path):
    """Read the label out of a Kaggle file name."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """An IPython shell with the course magics, saving pieces into a fresh workspace; a learner's settings."""
    for name in ("NBGRADER_EXECUTION", "CATDOG_STRICT_CHECKS", "CATDOG_SOLUTIONS", "CATDOG_PARTIAL_CREDIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setattr(magics, "_STUBS_RUN", set())
    monkeypatch.setattr(paths, "_graded", [])  # under NBGRADER_EXECUTION: a workspace of this test's own
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext catdog_lib\n" + PRELUDE_IMPORTS, store_history=False)  # a lesson's setup cell
    return shell


def run(shell, source):
    """Run a cell; return (succeeded, everything it showed as text)."""
    with capture_output() as out:
        result = shell.run_cell(source, store_history=False)
    shown = [o.data.get("text/plain", "") for o in out.outputs]
    return result.success, "\n".join([out.stdout, out.stderr] + shown)


def shown_html(shell, source):
    with capture_output() as out:
        shell.run_cell(source, store_history=False)
    return "\n".join(o.data.get("text/html", "") for o in out.outputs)


def test_piece_saves_and_runs_and_unknown_names_get_one_line(shell, tmp_path):
    ok, _ = run(shell, "%%piece label_from_filename\n" + RIGHT)
    assert ok
    assert (tmp_path / "ws" / "label_from_filename.py").read_text() == RIGHT
    assert shell.user_ns["label_from_filename"]("Dog.7.JPG") == "dog"

    ok, shown = run(shell, "%%piece label_from_filename\nlabel_from_filename('bird.1.jpg')\n")
    assert not ok
    assert "ValueError" in shown and "no label in 'bird.1.jpg'" in shown
    assert "PieceRaised: label_from_filename is saved, but running its cell raised an error (see above)" in shown

    ok, shown = run(shell, "%%piece label_from_file\nx = 1\n")
    assert not ok
    assert shown.strip().splitlines()[-1].endswith(
        "there is no piece called 'label_from_file': the pieces are " + ", ".join(PIECE_NAMES) + "\x1b[0m")
    assert "Traceback" not in shown


def test_a_stub_cell_leaves_the_reference_in_place_and_never_overwrites_a_saved_piece(shell, tmp_path):
    ok, shown = run(shell, "%%piece label_from_filename\n" + STUB)
    assert ok, shown
    assert "label_from_filename is still the lesson's stub: the reference label_from_filename runs in its place" in shown
    assert shell.user_ns["label_from_filename"] is catdog_lib.data.label_from_filename
    assert not (tmp_path / "ws" / "label_from_filename.py").exists(), "a stub is not saved"
    assert run(shell, "label_from_filename('dog.3.jpg')")[0]  # the demo cell after it runs

    ok, shown = run(shell, "%check label_from_filename")
    assert ok and "label_from_filename: not written yet" in shown and "still holds the lesson's stub" in shown
    assert f"Hint: {HINTS['label_from_filename'][0]}" in shown

    # A fresh runtime with the learner's piece saved before (the lesson opened again, Colab's Drive):
    run(shell, "%%piece label_from_filename\n" + RIGHT)
    shell.user_ns["label_from_filename"] = None
    ok, shown = run(shell, "%%piece label_from_filename\n" + STUB)
    assert ok and f"Your label_from_filename saved earlier ({tmp_path / 'ws' / 'label_from_filename.py'}) is kept" in shown
    assert (tmp_path / "ws" / "label_from_filename.py").read_text() == RIGHT
    assert shell.user_ns["label_from_filename"] is catdog_lib.data.label_from_filename
    ok, shown = run(shell, "%check label_from_filename")
    assert ok and "checks pass" in shown and "Why it matters" in shown  # the saved piece is judged


def test_hint_gives_the_next_hint_each_time_then_offers_the_solution(shell, tmp_path, monkeypatch):
    hints = HINTS["split_items"]
    shown = [run(shell, "%hint split_items")[1] for _ in range(len(hints) + 1)]
    assert f"Hint 1 of {len(hints)} for split_items: {hints[0]}" in shown[0]
    assert f"Hint 2 of {len(hints)} for split_items: {hints[1]}" in shown[1]
    assert shown[0] != shown[1]
    assert (f"No more hints for split_items: you have seen all {len(hints)}. "
            "To see the kit's own version: %solution split_items") in shown[-1]
    assert (tmp_path / "ws" / ".hints_seen.json").is_file()  # a restarted kernel goes on from here
    assert not list((tmp_path / "ws").glob(".*.tmp"))
    assert f"Hint 1 of {len(HINTS['run_epoch'])} for run_epoch" in run(shell, "%hint run_epoch")[1]

    monkeypatch.setenv("CATDOG_SOLUTIONS", "0")
    last = run(shell, "%hint split_items")[1]
    assert "No more hints for split_items" in last and "%solution" not in last
    assert "Solutions are off for this notebook" in last


def test_solution_shows_the_reference_highlighted_unless_turned_off(shell, monkeypatch):
    source = inspect.getsource(catdog_lib.data.split_items)
    ok, shown = run(shell, "%solution split_items")
    assert ok and "The reference split_items, as catdog_lib/data.py holds it." in shown
    assert shown.rstrip().endswith(source.rstrip())
    html = shown_html(shell, "%solution split_items")
    assert "<span" in html and "style=" in html and "split_items" in html  # pygments' colours, inline
    assert not run(shell, "%solution split_itemz")[0]

    for name, value, words in (("CATDOG_SOLUTIONS", "0", "your instructor turned them off"),
                               ("CATDOG_SOLUTIONS", "off", "your instructor turned them off"),
                               ("NBGRADER_EXECUTION", "autograde", "while nbgrader runs this notebook")):
        monkeypatch.setenv(name, value)
        ok, shown = run(shell, "%solution split_items")
        assert ok and words in shown and "def split_items" not in shown, (name, value, shown)
        monkeypatch.delenv(name)


def test_check_judges_the_edited_piece_in_the_same_kernel_and_a_failure_lets_the_notebook_go_on(shell):
    """pytest-dev/pytest#3143: an in-process pytest would judge the first version twice."""
    assert run(shell, "%%piece label_from_filename\n" + RIGHT)[0]
    ok, shown = run(shell, "%check label_from_filename")
    assert ok, shown
    passed = shown.split("label_from_filename: ")[1].split(" checks pass")[0]
    n, total = passed.split(" of ")
    assert n == total and int(total) > 1
    assert f"Why it matters: {get_piece('label_from_filename').why}" in shown

    run(shell, "%%piece label_from_filename\n" + WRONG)
    ok, shown = run(shell, "%check label_from_filename")
    assert ok, "outside grading a failing check shows its verdict and Run All goes on"
    assert f"label_from_filename: {total} of {total} checks pass" not in shown
    assert "Hint:" in shown and "Why it matters" not in shown
    assert "Traceback" not in shown and "PieceNotPassing" not in shown

    ok, shown = run(shell, "%progress")
    assert ok
    for name in PIECE_NAMES:
        assert name in shown
    assert "failing" in shown and "not started" in shown
    assert "Lesson 01" in shown and "Lesson 04" in shown


@pytest.mark.parametrize("name,value", [("CATDOG_STRICT_CHECKS", "1"), ("NBGRADER_EXECUTION", "validate"),
                                        ("NBGRADER_EXECUTION", "autograde")])
def test_a_failing_check_fails_its_cell_under_nbgrader_and_when_strict(shell, monkeypatch, name, value):
    if value == "autograde":
        monkeypatch.setenv("CATDOG_PARTIAL_CREDIT", "0")  # all or nothing
    monkeypatch.setenv(name, value)
    ok, shown = run(shell, "%check pick_device")
    assert not ok
    assert "pick_device: not started" in shown
    assert "PieceNotPassing: pick_device is not started yet" in shown and "Traceback" not in shown


def test_autograde_gives_the_points_earned_as_the_cells_result(shell, monkeypatch):
    """nbgrader reads a number as the cell's result as partial credit (nbgrader.utils.get_partial_grade)."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    run(shell, "%%piece label_from_filename\n" + WRONG)
    with capture_output() as out:
        result = shell.run_cell("%check label_from_filename", store_history=False)
    assert result.success and result.result is not None
    verdict = next(o.data["text/plain"] for o in out.outputs if "checks pass" in o.data.get("text/plain", ""))
    passed, total = map(int, verdict.split(": ")[1].split(" checks pass")[0].split(" of "))
    assert 0 < passed < total
    worth = get_piece("label_from_filename").points
    assert float(repr(result.result)) == round(worth * passed / total, 2)
    assert f"of {worth} points" in result.result._repr_html_()

    run(shell, "%%piece label_from_filename\n" + RIGHT)
    result = shell.run_cell("%check label_from_filename", store_history=False)
    assert result.success and result.result is None  # a pass: nbgrader gives the cell's full points
    assert repr(shell.run_cell("%check pick_device", store_history=False).result) == "0"


def test_progress_speaks_chinese_with_catdog_lang_zh_and_english_without(shell, monkeypatch):
    from catdog_lib.i18n import tr

    monkeypatch.setenv("CATDOG_LANG", "zh")
    ok, shown = run(shell, "%progress")
    assert ok, shown
    assert "正在评判所有部件……" in shown  # what shows while the checks run
    title = tr("Your progress", lang="zh")
    assert title in shown and (title == "Your progress" or "Your progress" not in shown)
    for name in PIECE_NAMES:
        assert name in shown  # the pieces' names are Python names: they stay

    ok, shown = run(shell, "%hint two names")
    assert not ok and "请指定一个部件：%hint NAME" in shown

    monkeypatch.delenv("CATDOG_LANG")
    ok, shown = run(shell, "%progress")
    assert ok and "judging every piece ..." in shown and "Your progress" in shown
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in shown)
