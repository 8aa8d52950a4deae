"""One warm judge for a Jupyter server (catdog_lib/course/served.py), shared by its kernels.

The service runs in a process of its own here, as in a Jupyter server; this
test process plays the kernels: with ``CATDOG_JUDGE_SOCKET`` set, ``judge``
sends its run to the service, which forks it from the one warm process it
holds, with this process's environment. Probe pieces (see
test_warm_judge.py) tell which process judged and what it saw.
"""
import inspect
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from catdog_lib.course import served, warm
from catdog_lib.course.judge import judge
from catdog_lib.course.panel import course_state, last_verdicts
from catdog_lib.course.pieces import reference

pytestmark = pytest.mark.skipif(not warm.fork_is_safe(), reason="the warm judge forks: Linux only")

RIGHT = textwrap.dedent(inspect.getsource(reference("label_from_filename")))
WRONG = '''def label_from_filename(path):
    return "cat" if "cat" in str(path).lower() else "dog"
'''


def probe(report):
    """A right label_from_filename whose file, when loaded, writes its process id and CATDOG_PROBE to ``report``."""
    return (f"import json as _json\n"
            f"open({str(report)!r}, 'w').write(_json.dumps({{'pid': os.getpid(), 'probe': os.environ.get('CATDOG_PROBE')}}))\n\n"
            + RIGHT)


def write(workspace, name, text):
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / f"{name}.py").write_text(text)
    return workspace


SERVICE = textwrap.dedent("""
    import sys, time
    from catdog_lib.course.judge_service import JudgeService
    service = JudgeService(sys.argv[1]).start()
    print("listening", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    service.stop()
""")


def children(pid):
    """``[(pid, argv)]`` of the processes whose parent is ``pid``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (proc / "cmdline").read_bytes().decode().split("\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append((int(proc.name), argv))
    return found


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """The judge service in a process of its own (a Jupyter server's stand-in), stopped afterwards."""
    path = tmp_path_factory.mktemp("server") / "judge.sock"
    process = subprocess.Popen([sys.executable, "-c", SERVICE, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "listening"
    yield process, path
    process.stdin.close()
    process.wait(30)
    assert not path.exists(), "the service left its socket behind"


@pytest.fixture
def kernel(service, monkeypatch):
    """This process as a kernel the server started: it knows the socket, and has no warm judge of its own."""
    monkeypatch.setenv(served.SOCKET_VARIABLE, str(service[1]))
    monkeypatch.setattr(warm, "_shared", {})
    return service[0]


def test_loading_the_magics_warms_the_servers_judge_not_one_of_its_own(kernel):
    """What %load_ext does (start_in_background): the server's warm process starts importing, the kernel has none."""
    assert not [argv for _, argv in children(kernel.pid) if "catdog_lib.course.warm" in argv]
    warm.start_in_background()
    deadline = time.monotonic() + 20
    while not [argv for _, argv in children(kernel.pid) if "catdog_lib.course.warm" in argv]:
        assert time.monotonic() < deadline, "the server's warm process did not start"
        time.sleep(0.1)
    assert warm._shared == {}


def test_a_kernel_judges_with_the_servers_warm_process(kernel, tmp_path):
    # Warm judges an earlier test of this process started are theirs: only a new one would be this kernel's.
    before = {pid for pid, argv in children(os.getpid()) if "catdog_lib.course.warm" in argv}
    report = tmp_path / "seen.json"
    workspace = write(tmp_path / "ws", "label_from_filename", probe(report))
    assert judge(["label_from_filename"], workspace=workspace)["label_from_filename"]["status"] == "passed"
    warm_processes = [pid for pid, argv in children(kernel.pid) if "catdog_lib.course.warm" in argv]
    assert len(warm_processes) == 1, f"the service holds {children(kernel.pid)}"
    seen = json.loads(report.read_text())
    assert seen["pid"] not in (os.getpid(), kernel.pid, warm_processes[0])  # a child forked for this verdict
    assert warm._shared == {}, "the kernel started a warm judge of its own"
    assert not [argv for pid, argv in children(os.getpid()) if "catdog_lib.course.warm" in argv and pid not in before]


def test_two_kernels_share_one_warm_process_and_get_the_verdicts_a_fresh_process_gives(kernel, tmp_path):
    right = write(tmp_path / "a", "label_from_filename", RIGHT)
    wrong = write(tmp_path / "b", "label_from_filename", WRONG)
    before = [pid for pid, argv in children(kernel.pid) if "catdog_lib.course.warm" in argv]
    served_right = judge(["label_from_filename"], workspace=right)["label_from_filename"]
    served_wrong = judge(["label_from_filename"], workspace=wrong)["label_from_filename"]
    after = [pid for pid, argv in children(kernel.pid) if "catdog_lib.course.warm" in argv]
    assert after == before and len(after) == 1
    cold_wrong = judge(["label_from_filename"], workspace=wrong, warm=False)["label_from_filename"]
    assert served_right["status"] == "passed"
    assert (served_wrong["status"], served_wrong["passed"], served_wrong["message"]) == \
        (cold_wrong["status"], cold_wrong["passed"], cold_wrong["message"])


def test_each_judgement_takes_the_kernels_environment(kernel, tmp_path, monkeypatch):
    """The kernel's language and its own variables reach the child (a Chinese lesson's kernel gets Chinese)."""
    report = tmp_path / "seen.json"
    workspace = write(tmp_path / "ws", "label_from_filename", probe(report))
    monkeypatch.setenv("CATDOG_PROBE", "kernel-two")
    judge(["label_from_filename"], workspace=workspace)
    assert json.loads(report.read_text())["probe"] == "kernel-two"
    wrong = write(tmp_path / "wrong", "label_from_filename", WRONG)
    monkeypatch.setenv("CATDOG_LANG", "zh")
    message = judge(["label_from_filename"], workspace=wrong)["label_from_filename"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_the_server_keeps_the_last_verdicts_for_the_panel(kernel, tmp_path):
    workspace = write(tmp_path / "ws", "label_from_filename", WRONG)
    judge(["label_from_filename"], workspace=workspace)
    kept = last_verdicts(workspace)["label_from_filename"]
    assert kept["status"] == "failed" and kept["message"]
    state = course_state(workspace, "en")
    piece = next(p for lesson in state["lessons"] for p in lesson["pieces"] if p["name"] == "label_from_filename")
    assert (piece["state"], piece["message"], piece["changed"]) == ("failed", kept["message"], False)
    time.sleep(0.01)
    write(workspace, "label_from_filename", RIGHT)  # saved again after its verdict
    os.utime(workspace / "label_from_filename.py", (time.time() + 5, time.time() + 5))
    piece = next(p for lesson in course_state(workspace, "en")["lessons"] for p in lesson["pieces"]
                 if p["name"] == "label_from_filename")
    assert piece["changed"]
    judge(["label_from_filename"], workspace=workspace)
    assert last_verdicts(workspace)["label_from_filename"]["status"] == "passed"


def test_no_server_no_socket_means_the_kernels_own_judge(tmp_path, monkeypatch):
    monkeypatch.setenv(served.SOCKET_VARIABLE, str(tmp_path / "gone.sock"))
    assert served.server_judge("checks") is None
    monkeypatch.delenv(served.SOCKET_VARIABLE)
    assert served.server_judge("checks") is None


def test_a_server_that_stopped_answering_gives_the_same_verdict_cold(tmp_path, monkeypatch):
    """A socket file with nobody listening (a server killed): the run is judged the fresh way."""
    import socket

    path = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound, never listening: connect is refused
        monkeypatch.setenv(served.SOCKET_VARIABLE, str(path))
        judge_ = served.server_judge("checks")
        assert judge_ is not None and judge_.run(["x"], tmp_path, 10) is None and judge_.why_not
