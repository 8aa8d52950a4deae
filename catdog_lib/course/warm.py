"""The warm judge: ``%check`` without paying torch's import every time.

A fresh ``python -m pytest checks`` per judgement is safe (pytest-dev/pytest#3143,
and a piece that loops, exits or patches torch cannot touch the kernel) but
spends most of its time importing torch and torchvision. The warm judge keeps
that safety and drops the wait:

- one *warm process* (``python -m catdog_lib.course.warm``, started by the
  kernel in the background) imports torch, torchvision, numpy, PIL, pytest,
  the plugin, the reference pieces and, by collecting ``checks/`` once, the
  check modules; then it waits;
- for each judgement it forks a *child*, which takes the caller's working
  folder, environment and ``sys.argv``, reseeds Python's, numpy's and torch's
  random generators (a fresh process seeds them anew), then runs the very
  ``pytest`` arguments the cold path would run, loads the learner's file anew,
  writes the same JSON and exits. Whatever the piece did dies with the child.

Fork safety. A fork copies only the calling thread: a thread pool alive in the
parent (torch's OpenMP pool, OpenBLAS's workers, tqdm's monitor) would be
missing, or hold a lock forever, in the child. So the warm process imports
numpy with ``OPENBLAS_NUM_THREADS=1`` (numpy's import alone otherwise starts
an OpenBLAS worker), runs no tensor operation big enough to start torch's
pool, never initialises CUDA, and before every fork counts its threads in
``/proc/self/task``: more than one, or CUDA initialised, and it refuses to
fork and exits; the judgement then runs the cold way. (torch's threads are set
by the plugin in each session, so the checks see the same setting on both
paths.)

The warm process restarts by itself when what it imported may have changed:
any file under ``checks/`` or ``catdog_lib/`` (a kit being edited), Python,
or an environment variable read at import (``PYTHON*``, ``OMP_*``, ``MKL_*``,
``CUDA_*``...). Other variables, such as ``CATDOG_WORKSPACE`` or
``PYTEST_ADDOPTS``, reach each child as they are at that judgement.

When it cannot be warm (not Linux: Windows has no fork and macOS's system
libraries are not fork-safe; a sandbox that forbids fork; the process died or
would not start; ``CATDOG_WARM_JUDGE=0``) ``judge`` runs the fresh process as
before, and the verdict is the same. ``pytest checks`` from a terminal never
comes here.

Why not ``multiprocessing``'s forkserver: it is one per kernel, shared with
the learner's own DataLoader workers (and the default start method on Linux
from Python 3.14), its children take its environment rather than the
caller's, and it cannot check its threads before it forks.

The protocol: JSON lines on the warm process's stdin and stdout.
``{"ready": true}`` (or ``false`` and ``"why"``) once warm; then for each
request ``{"args", "cwd", "env"}`` the answer ``{"started": pid}`` and
``{"returncode", "output"}``; ``{"stop": true}`` kills the running child.
"""
import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

READY_TIMEOUT = 300  # seconds the first judgement waits for the warm process to import everything
OUTPUT_TAIL = 64_000  # bytes of a child's output kept
START_ATTEMPTS = 3  # warm processes started in a kernel before judging stays cold
# Environment variables read while importing (Python, torch, numpy, CUDA): a change restarts the warm process.
STARTUP_VARIABLES = ("PYTHON", "LD_", "OMP_", "KMP_", "MKL_", "OPENBLAS_", "GOTO_", "CUDA_", "NVIDIA_",
                     "PYTORCH_", "TORCH_", "CATDOG_WARM")
PER_SESSION_VARIABLES = ("TORCH_HOME",)  # set by the plugin in every session


# ----- the warm process -------------------------------------------------------------------

def fork_is_safe():
    """Whether this platform forks a process holding torch safely: Linux only."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def threads():
    """The threads of this process (Linux)."""
    return len(os.listdir("/proc/self/task"))


def fork_hazard():
    """Why forking this process now is not safe, or None: a second thread, or CUDA initialised."""
    count = threads()
    if count != 1:
        return f"{count} threads are running"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        return "CUDA is initialised"
    return None


def _warm_up(checks):
    """Import everything a judgement needs, the check modules through pytest's own collection."""
    import numpy  # noqa: F401
    import PIL.Image  # noqa: F401
    import pytest
    import torch  # noqa: F401
    import torchvision  # noqa: F401

    # First the collection: pytest imports the plugin (rewriting its asserts, as a fresh process does) and the checks.
    code = pytest.main([str(checks), "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:nbval"])
    if int(code) != 0:
        raise RuntimeError(f"collecting {checks} ended with pytest exit code {int(code)}")
    from .guard import watched_classes, watched_modules
    from .prelude import prelude

    prelude()  # the reference pieces and the lessons' imports
    watched_modules()  # what the plugin's guard reads first
    watched_classes()


class _Channel:
    """JSON lines over two file descriptors."""

    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.buffer = b""

    def send(self, message):
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.write_fd, data):]

    def has_line(self):
        return b"\n" in self.buffer

    def receive(self, deadline=None):
        """The next message; None at end of file; TimeoutError after ``deadline`` (a monotonic time)."""
        while b"\n" not in self.buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self.read_fd], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def fill(self):
        """Read what is there now; False at end of file."""
        chunk = os.read(self.read_fd, 65536)
        self.buffer += chunk
        return bool(chunk)


def serve(checks):
    """The warm process: warm up, then fork one child per request until stdin closes."""
    # The protocol keeps the original stdin and stdout; fd 0 and 1 become /dev/null and the log
    # (stderr), so that nothing printed while importing can garble it.
    channel = _Channel(os.dup(0), os.dup(1))
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    parent = os.getppid()
    try:
        _warm_up(Path(checks))
    except BaseException as error:  # noqa: B902 (a failed warm-up of any kind means: judge cold)
        channel.send({"ready": False, "why": f"{type(error).__name__}: {error}"})
        return 1
    import gc

    gc.collect()
    gc.freeze()  # the children's garbage collections then skip everything imported here
    hazard = fork_hazard()
    if hazard:
        channel.send({"ready": False, "why": f"not safe to fork: {hazard}"})
        return 1
    channel.send({"ready": True, "pid": os.getpid(), "threads": threads()})
    while True:
        try:
            request = _next_request(channel, parent)
        except TimeoutError:
            return 0  # the kernel that started us is gone
        if request is None:
            return 0
        if "args" not in request:
            continue  # a stop for a child that has ended already
        hazard = fork_hazard()
        if hazard:
            channel.send({"refused": f"not safe to fork: {hazard}"})
            return 1
        sys.stdout.flush()
        sys.stderr.flush()
        output_read, output_write = os.pipe()
        try:
            pid = os.fork()
        except OSError as error:
            channel.send({"refused": f"cannot fork: {error}"})
            return 1
        if pid == 0:
            _child(request, output_write, close=(channel.read_fd, channel.write_fd, output_read))
        os.close(output_write)
        channel.send({"started": pid})
        returncode, output, gone = _wait(pid, output_read, channel)
        if gone:
            return 0
        channel.send({"returncode": returncode, "output": output})


def _next_request(channel, parent):
    """Wait for a request; TimeoutError when our parent has gone (checked every second)."""
    while True:
        try:
            return channel.receive(deadline=time.monotonic() + 1.0)
        except TimeoutError:
            if os.getppid() != parent:
                raise


def _wait(pid, output_read, channel):
    """Drain the child's output until it exits; kill it on a stop, or when the kernel goes.

    Returns ``(returncode, output tail, kernel gone)``."""
    try:
        exit_fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        exit_fd = None  # then poll every 20 ms
    tail = bytearray()
    output_open, gone, status = True, False, None
    while status is None:
        watch = ([] if gone else [channel.read_fd]) + ([output_read] if output_open else []) + \
            ([exit_fd] if exit_fd is not None else [])
        ready = select.select(watch, [], [], None if exit_fd is not None else 0.02)[0]
        if output_read in ready:
            output_open = _drain(output_read, tail)
        if channel.read_fd in ready:
            gone = not channel.fill()
            if gone or channel.has_line():  # the kernel went, or sent {"stop": true}
                channel.buffer = b""
                _kill_group(pid)
        done, status_now = os.waitpid(pid, os.WNOHANG)
        if done:
            status = status_now
    while output_open and select.select([output_read], [], [], 0)[0]:  # what is left in the pipe
        output_open = _drain(output_read, tail)
    os.close(output_read)
    if exit_fd is not None:
        os.close(exit_fd)
    _kill_group(pid)  # what the child left behind (DataLoader workers...)
    return os.waitstatus_to_exitcode(status), tail.decode("utf-8", "replace"), gone


def _drain(fd, tail):
    """Read what the child printed into ``tail`` (its end only); False at end of file."""
    chunk = os.read(fd, 65536)
    tail += chunk
    del tail[:-OUTPUT_TAIL]
    return bool(chunk)


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _child(request, output_write, close):
    """One judgement, in the forked child: the caller's folder, environment and argv, then pytest."""
    code = 70
    try:
        server = os.getppid()
        os.setsid()  # its own process group: a stop kills its DataLoader workers too
        _die_with(server)
        for fd in close:
            os.close(fd)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(output_write, 1)
        os.dup2(output_write, 2)
        os.close(output_write)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random
        import tempfile

        import numpy
        import pytest
        import torch

        tempfile.tempdir = None  # found again from this environment's TMPDIR
        random.seed()  # new seeds, as a fresh process has (torch too seeds itself anew in each process)
        numpy.random.seed()
        torch.seed()
        sys.argv = [str(Path(pytest.__file__).with_name("__main__.py")), *request["args"]]
        code = int(pytest.main(request["args"]))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: B902 (say what broke, then leave as a failed run)
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _die_with(server):
    """Ask Linux to kill this child when the warm process dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != server:  # it died before the request took effect
        os._exit(70)


# ----- the kernel's side -------------------------------------------------------------------

def enabled():
    """Whether judgements may be warm here: Linux, and not switched off with ``CATDOG_WARM_JUDGE=0``."""
    from .grading import switch

    return fork_is_safe() and switch("CATDOG_WARM_JUDGE", True)


def fingerprint(checks):
    """What the warm process imported, as files and settings: when it changes, start a new one."""
    package = Path(__file__).resolve().parents[1]
    files = []
    for root in (Path(checks), package):
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".toml", ".ini", ".cfg")):
                    try:
                        stat = os.stat(os.path.join(folder, name))
                    except OSError:
                        continue
                    files.append((os.path.join(folder, name), stat.st_mtime_ns, stat.st_size))
    settings = sorted((key, value) for key, value in os.environ.items()
                      if key.startswith(STARTUP_VARIABLES) and key not in PER_SESSION_VARIABLES)
    return (sys.executable, str(Path(checks).resolve()), tuple(settings), tuple(files))


class WarmJudge:
    """The kernel's handle on a warm process: starts it, sends it judgements, restarts or gives up.

    ``run(args, cwd, timeout)`` returns ``(returncode, output)`` of one
    ``pytest`` run in a fresh child, or None when it could not judge warm
    (the caller then runs the fresh process). ``why_not`` says why the last
    judgement was not warm; ``warm_runs`` counts the warm ones.
    """

    def __init__(self, checks, python=None, env=None):
        self.checks = Path(checks).resolve()
        self.python = python or sys.executable
        self.env = env  # the warm process's environment (a kernel's, when a Jupyter server judges for it); None: ours
        self.process = None
        self.channel = None
        self.ready = False
        self.started = 0  # warm processes started
        self.failures = 0  # ... that would not start, or died
        self.warm_runs = 0
        self.why_not = None
        self.child = None  # the pid of the child judging now
        self._fingerprint = None
        self._log = None
        self._lock = threading.Lock()

    # -- starting and stopping

    def start(self):
        """Start the warm process in the background (it imports for a few seconds); False if it cannot start."""
        if self.process is not None and self.process.poll() is None:
            return True
        self._close()
        if not enabled():
            self.why_not = "warm judging is off here (not Linux, or CATDOG_WARM_JUDGE=0)"
            return False
        if self.failures >= START_ATTEMPTS:
            self.why_not = f"the warm process failed {self.failures} times: judging stays cold"
            return False
        self.started += 1
        self._fingerprint = fingerprint(self.checks)
        env = dict(os.environ if self.env is None else self.env, OPENBLAS_NUM_THREADS="1")  # numpy's import starts no BLAS threads
        self._log = tempfile.NamedTemporaryFile(prefix="catdog_warm_", suffix=".log", delete=False)
        try:
            self.process = subprocess.Popen(
                [self.python, "-m", "catdog_lib.course.warm", str(self.checks)], cwd=self.checks.parent, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, start_new_session=True)
        except OSError as error:
            self._give_up(f"the warm process did not start: {error}")
            return False
        self.channel = _Channel(self.process.stdout.fileno(), self.process.stdin.fileno())
        self.ready = False
        return True

    def stop(self):
        """End the warm process (closing its stdin is enough; it is killed if it lingers)."""
        with self._lock:
            self._close()

    def _close(self):
        process, ready = self.process, self.ready
        self.process, self.channel, self.ready = None, None, False
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            if not ready:
                process.kill()  # still importing: it would notice its closed stdin only afterwards
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            try:
                os.unlink(self._log.name)
            except OSError:
                pass
            self._log = None

    def _give_up(self, why):
        """This warm process failed: say why, count it, end it (the next judgement starts another)."""
        self.why_not = why
        self.failures += 1
        self._close()

    def _log_tail(self):
        try:
            return " | ".join(Path(self._log.name).read_text(errors="replace").strip().splitlines()[-3:])
        except (OSError, AttributeError):
            return ""

    def _wait_ready(self):
        if self.ready:
            return True
        try:
            message = self.channel.receive(deadline=time.monotonic() + READY_TIMEOUT)
        except (TimeoutError, OSError, ValueError):
            message = None
        if not message or not message.get("ready"):
            why = (message or {}).get("why") or self._log_tail() or "it ended while starting"
            self._give_up(f"the warm process could not warm up: {why}")
            return False
        self.ready = True
        return True

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    # -- judging

    def run(self, args, cwd, timeout, env=None):
        """One ``pytest args`` run in a fresh child: ``(returncode, output)``, or None (judge cold instead).

        The child takes ``env`` (a kernel's, when the server judges for it), by default this process's.
        Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds (the child is killed)."""
        with self._lock:
            if self.process is not None and self.process.poll() is not None:
                self._give_up(f"the warm process had ended (exit status {self.process.returncode})")
            if self.process is not None and fingerprint(self.checks) != self._fingerprint:
                self._close()  # the checks, the kit or a setting changed: a new warm process
            if not self.start() or not self._wait_ready():
                return None
            try:
                return self._judge(args, cwd, timeout, env)
            except (OSError, ValueError, TimeoutError) as error:  # a broken pipe, a garbled line, no answer
                self._give_up(f"the warm process stopped answering ({type(error).__name__}: {error})")
                return None

    def _judge(self, args, cwd, timeout, env=None):
        self.channel.send({"args": [str(a) for a in args], "cwd": str(cwd),
                           "env": dict(os.environ if env is None else env)})
        started = self.channel.receive(deadline=time.monotonic() + 60)
        if not started or "started" not in started:
            self._give_up(f"the warm process did not judge: {(started or {}).get('refused') or 'it ended'}")
            return None
        self.child = started["started"]
        deadline = time.monotonic() + timeout
        try:
            try:
                done = self.channel.receive(deadline=deadline)
            except TimeoutError:
                self._stop_child()
                raise subprocess.TimeoutExpired(args, timeout) from None
            except KeyboardInterrupt:  # the learner interrupted the kernel: stop the judging too
                self._stop_child()
                raise
        finally:
            self.child = None
        if done is None:
            self._give_up(f"the warm process ended during a judgement: {self._log_tail() or 'no message'}")
            return None
        self.warm_runs += 1
        self.why_not = None
        return done["returncode"], done["output"]

    def _stop_child(self):
        """Kill the running child and read the warm process's answer about it (or give the process up)."""
        try:
            self.channel.send({"stop": True})
            if self.channel.receive(deadline=time.monotonic() + 10) is not None:
                return
        except (OSError, ValueError, TimeoutError):
            pass
        self._close()


_shared = {}  # checks folder -> the WarmJudge of this process


def shared(checks, start=True):
    """This process's warm judge for ``checks``, or None; a new one is started when ``start`` is True,
    or is None and this process judges warm already (another checks folder, say)."""
    key = str(Path(checks).resolve())
    from .served import server_judge  # a Jupyter server with the kit's extension judges for all its kernels

    served = server_judge(key)
    if served is not None:
        if start:
            served.start()  # the server's warm process (if not warm yet) starts importing now
        return served
    judge = _shared.get(key)
    if judge is None and (start or (start is None and _shared)):
        judge = _shared[key] = WarmJudge(key)
        judge.start()
    return judge


def start_in_background(checks=None):
    """Start this kernel's warm judge now, so the first ``%check`` finds it warm. Never raises."""
    try:
        if checks is None:
            from ..paths import checks_dir

            checks = checks_dir()
        if enabled():
            shared(checks)
    except Exception:  # noqa: B902 (no checks folder, no fork...: the first %check judges cold)
        pass


@atexit.register
def _stop_all():
    for judge in list(_shared.values()):
        judge.stop()


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
