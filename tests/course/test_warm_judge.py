"""The warm judge (catdog_lib/course/warm.py): fresh verdicts from a forked child, and the cold path when it cannot.

Pieces here are *probes*: their top level writes what they see (a leaked
patch, an environment variable, their process id) to a JSON file the test
reads, so a test can tell which process judged and what it inherited.
"""
import inspect
import json
import os
import shutil
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from catdog_lib.course import warm
from catdog_lib.course.judge import checks_dir, judge
from catdog_lib.course.pieces import PRELUDE_IMPORTS, reference

pytestmark = pytest.mark.skipif(not warm.fork_is_safe(), reason="the warm judge forks: Linux only")

RIGHT = textwrap.dedent(inspect.getsource(reference("label_from_filename")))
WRONG = '''def label_from_filename(path):
    return "cat" if "cat" in str(path).lower() else "dog"
'''


def probe(report):
    """A right label_from_filename whose file, when loaded, writes what its process sees to ``report``."""
    return (f"import json as _json\nimport sys as _sys\n"
            f"_seen = {{'pid': os.getpid(), 'probe': os.environ.get('CATDOG_PROBE'),\n"
            f"         'leak_tensor': hasattr(torch.Tensor, '_catdog_leak'),\n"
            f"         'leak_module': hasattr(_sys.modules['catdog_lib'], '_catdog_leak')}}\n"
            f"open({str(report)!r}, 'w').write(_json.dumps(_seen))\n\n" + RIGHT)


def write(workspace, name, text):
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / f"{name}.py").write_text(text)
    return workspace


@pytest.fixture(scope="module")
def warm_judge():
    """One warm judge for this module's tests (its own, not the kernel's shared one)."""
    judge_ = warm.WarmJudge(checks_dir())
    assert judge_.start()
    yield judge_
    judge_.stop()


def judged(warm_judge, workspace, name="label_from_filename"):
    """The verdict on ``name``, and whether it came from the warm judge."""
    before = warm_judge.warm_runs
    result = judge([name], workspace=workspace, warm=warm_judge)[name]
    return result, warm_judge.warm_runs == before + 1


def test_an_edited_piece_is_judged_as_it_is_now(warm_judge, tmp_path):
    workspace = write(tmp_path / "ws", "label_from_filename", RIGHT)
    result, was_warm = judged(warm_judge, workspace)
    assert was_warm, warm_judge.why_not
    assert result["status"] == "passed" and result["passed"] == result["total"] > 1

    write(workspace, "label_from_filename", WRONG)
    result, was_warm = judged(warm_judge, workspace)
    assert was_warm, warm_judge.why_not
    assert result["status"] == "failed" and result["hint"]
    assert result == judge(["label_from_filename"], workspace=workspace, warm=False)["label_from_filename"]


def test_what_a_piece_does_dies_with_its_child(warm_judge, tmp_path):
    """Patches the plugin's guard leaves alone (underscore names), a guarded and a real os._exit:
    none reaches the next judgement, which the same warm process serves."""
    report = tmp_path / "seen.json"
    server = warm_judge.pid
    patcher = write(tmp_path / "patcher", "label_from_filename",
                    "torch.Tensor._catdog_leak = True\nimport catdog_lib as _kit\n_kit._catdog_leak = True\n"
                    "def label_from_filename(path):\n    os._exit(3)\n")
    result, was_warm = judged(warm_judge, patcher)
    assert was_warm and result["status"] == "failed" and "called os._exit()" in result["message"]

    clean = write(tmp_path / "clean", "label_from_filename", probe(report))
    result, was_warm = judged(warm_judge, clean)
    assert was_warm and result["status"] == "passed", result
    seen = json.loads(report.read_text())
    assert seen["leak_tensor"] is False and seen["leak_module"] is False
    assert seen["pid"] not in (os.getpid(), server)  # a child, neither this process nor the warm one

    # posix._exit is not the os._exit the guard replaces: the child really ends, without verdicts.
    # Both paths then say the checks did not run; the warm process lives on.
    hard = write(tmp_path / "hard", "label_from_filename", "import posix\nposix._exit(3)\n")
    with pytest.raises(Exception) as warm_error:
        judge(["label_from_filename"], workspace=hard, warm=warm_judge)
    with pytest.raises(Exception) as cold_error:
        judge(["label_from_filename"], workspace=hard, warm=False)
    assert str(warm_error.value) == str(cold_error.value)
    assert "the checks did not run (pytest exit code 3)" in str(cold_error.value)

    result, was_warm = judged(warm_judge, clean)
    assert was_warm and result["status"] == "passed"
    assert warm_judge.pid == server


def test_each_child_sees_the_environment_of_its_judgement(warm_judge, tmp_path, monkeypatch):
    report = tmp_path / "seen.json"
    workspace = write(tmp_path / "ws", "label_from_filename", probe(report))
    for value in ("first", "second"):
        monkeypatch.setenv("CATDOG_PROBE", value)
        result, was_warm = judged(warm_judge, workspace)
        assert was_warm and result["status"] == "passed"
        assert json.loads(report.read_text())["probe"] == value


def test_the_warm_process_has_one_thread_when_it_forks(warm_judge, tmp_path):
    """It checks that itself before each fork (fork_hazard); here we look from outside, idle and mid-judgement."""
    workspace = write(tmp_path / "ws", "label_from_filename", RIGHT)
    assert judged(warm_judge, workspace)[1]
    assert len(os.listdir(f"/proc/{warm_judge.pid}/task")) == 1

    started = tmp_path / "started"
    slow = write(tmp_path / "slow", "label_from_filename",
                 f"open({str(started)!r}, 'w').close()\ntime.sleep(1)\n\n" + RIGHT)
    counts = []
    watcher = threading.Thread(target=lambda: counts.append(_threads_once(started, warm_judge.pid)))
    watcher.start()
    assert judged(warm_judge, slow)[1]
    watcher.join()
    assert counts == [1]


def _threads_once(marker, pid, wait=120):
    deadline = time.monotonic() + wait
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return len(os.listdir(f"/proc/{pid}/task"))


def test_fork_hazard_sees_a_second_thread():
    assert warm.fork_hazard() is None or "threads" in warm.fork_hazard()  # pytest may run a thread of its own
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert "threads are running" in warm.fork_hazard()
    finally:
        stop.set()
        thread.join()


def test_a_piece_that_swallows_the_stop_ends_its_child_and_the_others_are_judged(warm_judge, tmp_path, monkeypatch):
    """The plugin ends such a run itself (STOPPED_EXIT); judge() then judges the rest in another child."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "--catdog-timeout 1")
    workspace = write(tmp_path / "ws", "label_from_filename",
                      "def label_from_filename(path):\n    while True:\n        try:\n"
                      "            time.sleep(0.01)\n        except BaseException:\n            pass\n")
    write(workspace, "split_items", textwrap.dedent(inspect.getsource(reference("split_items"))))
    before = warm_judge.warm_runs
    results = judge(["label_from_filename", "split_items"], workspace=workspace, warm=warm_judge)
    assert "would not stop" in results["label_from_filename"]["message"]
    assert results["split_items"]["status"] == "passed"
    assert warm_judge.warm_runs == before + 2


def test_an_interrupted_judgement_stops_its_child(warm_judge, tmp_path):
    """The learner interrupts the kernel (SIGINT) during %check: the child is killed, the warm process stays."""
    started = tmp_path / "started"
    workspace = write(tmp_path / "ws", "label_from_filename",
                      f"open({str(started)!r}, 'w').close()\ntime.sleep(600)\n\n" + RIGHT)
    server = warm_judge.pid
    children = []

    def interrupt_when_judging():
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        children.append(warm_judge.child)
        os.kill(os.getpid(), signal.SIGINT)

    interrupter = threading.Thread(target=interrupt_when_judging)
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        judge(["label_from_filename"], workspace=workspace, warm=warm_judge)
    interrupter.join()
    assert _gone(children[0])
    write(workspace, "label_from_filename", RIGHT)
    result, was_warm = judged(warm_judge, workspace)
    assert was_warm and result["status"] == "passed" and warm_judge.pid == server


# ----- the cold path when there is no warm judge --------------------------------------------

def test_judging_is_cold_where_fork_is_not_safe(tmp_path, monkeypatch):
    workspace = write(tmp_path / "ws", "label_from_filename", RIGHT)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not warm.enabled()
    judge_ = warm.WarmJudge(checks_dir())
    result = judge(["label_from_filename"], workspace=workspace, warm=judge_)["label_from_filename"]
    assert result["status"] == "passed"
    assert judge_.process is None and judge_.started == 0 and "off here" in judge_.why_not

    monkeypatch.undo()
    monkeypatch.setenv("CATDOG_WARM_JUDGE", "0")
    assert not warm.enabled()


@pytest.fixture(scope="module")
def wrong_workspace(tmp_path_factory):
    """A wrong piece, and its verdict from a fresh process."""
    workspace = write(tmp_path_factory.mktemp("wrong"), "label_from_filename", WRONG)
    return workspace, judge(["label_from_filename"], workspace=workspace, warm=False)["label_from_filename"]


@pytest.mark.parametrize("how", ["missing", "garbled", "dies"])
def test_a_warm_process_that_cannot_start_falls_back_to_the_same_verdict(tmp_path, wrong_workspace, how):
    workspace, cold = wrong_workspace
    python = tmp_path / "python"
    if how != "missing":
        python.write_text("#!/bin/sh\n" + ("echo 'not a message'\n" if how == "garbled" else "") + "exit 1\n")
        python.chmod(0o755)
    judge_ = warm.WarmJudge(checks_dir(), python=str(python))
    result = judge(["label_from_filename"], workspace=workspace, warm=judge_)["label_from_filename"]
    assert result == cold and result["status"] == "failed"
    assert judge_.warm_runs == 0 and judge_.failures == 1 and judge_.why_not
    assert "Traceback" not in judge_.why_not

    for _ in range(warm.START_ATTEMPTS):  # after a few failures it stops trying
        assert judge_.run(["--version"], tmp_path, 60) is None
    assert judge_.failures == warm.START_ATTEMPTS and "stays cold" in judge_.why_not


def test_a_changed_check_file_starts_a_new_warm_process(tmp_path):
    checks = tmp_path / "kit" / "checks"
    shutil.copytree(checks_dir(), checks, ignore=shutil.ignore_patterns("__pycache__"))
    workspace = write(tmp_path / "ws", "label_from_filename", RIGHT)
    judge_ = warm.WarmJudge(checks)
    try:
        args = ["-k", "label_from_filename", "--workspace", str(workspace), "-p", "no:cacheprovider"]
        code, output = judge_.run([str(checks), *args], checks.parent, 300)
        assert code == 0 and "failed" not in output, output
        first = judge_.pid

        with open(checks / "test_02_data.py", "a") as f:
            f.write("\n\ndef test_an_added_check(label_from_filename):\n"
                    "    expect(False, 'the added check runs')\n")
        code, output = judge_.run([str(checks), *args], checks.parent, 300)
        assert judge_.pid != first and judge_.warm_runs == 2
        assert code == 1 and "the added check runs" in output
    finally:
        judge_.stop()


# ----- %check as a learner runs it, with the warm process killed mid-judgement ---------------

@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("CATDOG_WORKSPACE", str(tmp_path / "ws"))
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext catdog_lib\n" + PRELUDE_IMPORTS, store_history=False)
    return shell


def run(shell, source):
    with capture_output() as out:
        result = shell.run_cell(source, store_history=False)
    return result.success, "\n".join([out.stdout, out.stderr] + [o.data.get("text/plain", "") for o in out.outputs])


def test_check_answers_when_the_warm_process_is_killed_mid_judgement(shell, tmp_path):
    kernels_judge = warm.shared(checks_dir(), start=False)
    assert kernels_judge is not None, "%load_ext catdog_lib starts the warm judge"
    started = tmp_path / "started"
    piece = f"open({str(started)!r}, 'w').close()\ntime.sleep(1)\n\n" + RIGHT
    assert run(shell, "%%piece label_from_filename\n" + piece)[0]
    ok, shown = run(shell, "%check label_from_filename")  # warms up; the first may wait for the imports
    assert ok, shown
    assert kernels_judge.why_not is None and kernels_judge.warm_runs >= 1
    killed, children = kernels_judge.pid, []
    started.unlink()

    def kill_when_judging():
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        children.append(kernels_judge.child)
        os.kill(killed, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_judging)
    killer.start()
    ok, shown = run(shell, "%check label_from_filename")
    killer.join()
    assert ok, shown
    assert "label_from_filename: " in shown and " checks pass" in shown
    assert "warm" not in shown.lower() and "Traceback" not in shown  # nothing alarming for the learner
    assert "ended during a judgement" in kernels_judge.why_not
    assert _gone(children[0]), "the child of the killed warm process lives on"

    runs = kernels_judge.warm_runs
    ok, shown = run(shell, "%check label_from_filename")
    assert ok, shown
    assert kernels_judge.warm_runs == runs + 1 and kernels_judge.pid not in (None, killed)


def _gone(pid, wait=10):
    """Whether ``pid`` has ended (a zombie no one reaps counts as ended)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False
