"""The notebook magics, run for real in an IPython shell; %check judges with the real checks."""
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from catdog_lib.course.pieces import HINTS, PIECE_NAMES, PRELUDE_IMPORTS

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


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """An IPython shell with the course magics, saving pieces into a fresh workspace."""
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "ws"))
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext catdog_lib\n" + PRELUDE_IMPORTS, store_history=False)  # a lesson's setup cell
    return shell


def run(shell, source):
    """Run a cell; return (succeeded, everything it showed as text)."""
    with capture_output() as out:
        result = shell.run_cell(source, store_history=False)
    shown = [o.data.get("text/plain", "") for o in out.outputs]
    return result.success, "\n".join([out.stdout, out.stderr] + shown)


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


def test_hint_gives_the_next_hint_each_time_and_remembers(shell, tmp_path):
    hints = HINTS["split_items"]
    shown = [run(shell, "%hint split_items")[1] for _ in range(len(hints) + 1)]
    assert f"Hint 1 of {len(hints)} for split_items: {hints[0]}" in shown[0]
    assert f"Hint 2 of {len(hints)} for split_items: {hints[1]}" in shown[1]
    assert shown[0] != shown[1]
    assert f"No more hints for split_items: you have seen all {len(hints)}." in shown[-1]
    assert (tmp_path / "ws" / ".hints_seen.json").is_file()  # a restarted kernel goes on from here
    assert f"Hint 1 of {len(HINTS['run_epoch'])} for run_epoch" in run(shell, "%hint run_epoch")[1]


def test_check_judges_the_edited_piece_in_the_same_kernel(shell):
    """pytest-dev/pytest#3143: an in-process pytest would judge the first version twice."""
    assert run(shell, "%%piece label_from_filename\n" + RIGHT)[0]
    ok, shown = run(shell, "%check label_from_filename")
    assert ok, shown
    assert "label_from_filename: " in shown
    passed = shown.split("label_from_filename: ")[1].split(" checks pass")[0]
    n, total = passed.split(" of ")
    assert n == total and int(total) > 1

    run(shell, "%%piece label_from_filename\n" + WRONG)
    ok, shown = run(shell, "%check label_from_filename")
    assert not ok
    assert f"label_from_filename: {total} of {total} checks pass" not in shown
    assert "Hint:" in shown
    assert "CheckFailed: label_from_filename does not pass its checks yet" in shown
    assert "Traceback" not in shown

    ok, shown = run(shell, "%progress")
    assert ok
    for name in PIECE_NAMES:
        assert name in shown
    assert "failing" in shown and "not started" in shown
    assert "Lesson 01" in shown and "Lesson 04" in shown


def test_check_says_not_started(shell):
    ok, shown = run(shell, "%check pick_device")
    assert not ok
    assert "pick_device: not started" in shown
    assert "CheckFailed: pick_device is not started yet" in shown
