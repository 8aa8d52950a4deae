"""One warm judge for a whole Jupyter server, shared by every notebook's kernel.

Each kernel that loads the course magics starts a warm judge of its own
(``warm.py``): a process that holds torch and the checks, about 450 MiB PSS.
Five lessons open would hold five. When the kit's Jupyter Server extension
(``course/lab.py``) runs, the server starts this service instead: a Unix
socket in the server's runtime folder, named to the kernels it starts by
``CATDOG_JUDGE_SOCKET``. A kernel's ``warm.shared`` then returns a
``ServedJudge``, which sends the server the very ``pytest`` run it would have
sent its own warm process, with its own Python, working folder and
environment (its workspace, its language, ``NBGRADER_EXECUTION``); the server
forks the child from its one warm process and answers with the same
``(returncode, output)``. The verdicts are the same: the same child, the same
arguments, the same environment.

A kernel with no such server beside it (Colab, plain nbclient, nbgrader's own
runs, the socket gone) has no ``CATDOG_JUDGE_SOCKET`` or cannot connect, and
keeps its own warm judge, as before.

The server also keeps the last verdict on each piece in the workspace
(``.verdicts.json``): what the Course panel shows (``course/panel.py``).

The protocol: one JSON line each way per connection. ``{"python", "checks",
"args", "cwd", "env", "timeout"}`` is answered ``{"returncode", "output"}``, or
``{"cold": why}`` when it could not judge warm (the kernel then runs the fresh
process); ``{"warm": ...}`` (the same keys but args) starts the warm process
and is answered ``{"ok": true}``. A kernel that closes its end (interrupted)
stops the running child.
"""
import atexit
import json
import os
import select
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

SOCKET_VARIABLE = "CATDOG_JUDGE_SOCKET"
CONNECT_TIMEOUT = 2.0  # seconds to reach the server's socket before judging here instead


# ----- the kernel's side -------------------------------------------------------------------

def server_judge(checks):
    """A ``ServedJudge`` when this process runs beside a server that judges for it, else None."""
    path = os.environ.get(SOCKET_VARIABLE)
    if not path or _SERVING or not Path(path).exists():
        return None
    return ServedJudge(checks, path)


class ServedJudge:
    """What ``warm.WarmJudge`` offers a kernel (``start``, ``run``, ``stop``), done by the server's judge."""

    def __init__(self, checks, path):
        self.checks, self.path = str(checks), path
        self.why_not = None
        self.warm_runs = 0

    def _request(self, message, timeout):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(self.path)
            sock.settimeout(None)
            sock.sendall((json.dumps(message) + "\n").encode())
            return _read_line(sock, time.monotonic() + timeout)

    def _message(self, **more):
        return {"python": sys.executable, "checks": self.checks, "env": dict(os.environ), **more}

    def start(self):
        """Ask the server to warm its judge up now (the first ``%check`` then finds it warm)."""
        try:
            return bool((self._request(self._message(warm=True), 10) or {}).get("ok"))
        except (OSError, ValueError, TimeoutError):
            return False

    def run(self, args, cwd, timeout):
        """``(returncode, output)`` of one ``pytest args`` run forked by the server's warm process, or None."""
        message = self._message(args=[str(a) for a in args], cwd=str(cwd), timeout=timeout)
        try:
            answer = self._request(message, timeout + 30)
        except TimeoutError:
            raise subprocess.TimeoutExpired(args, timeout) from None
        except (OSError, ValueError) as error:
            self.why_not = f"the server's judge did not answer ({type(error).__name__}: {error})"
            return None
        if not answer or "returncode" not in answer:
            self.why_not = (answer or {}).get("cold") or "the server's judge ended"
            return None
        self.warm_runs += 1
        self.why_not = None
        return answer["returncode"], answer["output"]

    def stop(self):
        """Nothing to stop here: the judge is the server's."""


def _read_line(sock, deadline):
    """One JSON line from ``sock``; None when it closes first; TimeoutError after ``deadline``."""
    buffer = b""
    while b"\n" not in buffer:
        wait = max(0.0, deadline - time.monotonic())
        if not select.select([sock], [], [], wait)[0]:
            raise TimeoutError
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    return json.loads(buffer.split(b"\n", 1)[0])


# ----- the server's side -------------------------------------------------------------------

_SERVING = False  # True in the process that runs the service: its own judgements use its judges directly


class JudgeService:
    """The server's warm judges (one per kernel Python and checks folder, in practice one) behind a socket."""

    def __init__(self, path):
        self.path = str(path)
        self.judges = {}
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        """Listen on the socket (a thread of its own) and name it to the kernels started from now on."""
        global _SERVING
        Path(self.path).unlink(missing_ok=True)
        service = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                service.handle(self.connection)

        self.server = socketserver.ThreadingUnixStreamServer(self.path, Handler)
        self.server.daemon_threads = True
        os.chmod(self.path, 0o600)  # only this user's kernels
        threading.Thread(target=self.server.serve_forever, name="catdog-judge", daemon=True).start()
        os.environ[SOCKET_VARIABLE] = self.path
        _SERVING = True
        atexit.register(self.stop)  # the socket file and the warm process go with the server
        return self

    def stop(self):
        """Stop listening and end every warm process."""
        if os.environ.get(SOCKET_VARIABLE) == self.path:
            del os.environ[SOCKET_VARIABLE]
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        Path(self.path).unlink(missing_ok=True)
        with self.lock:
            judges, self.judges = list(self.judges.values()), {}
        for judge in judges:
            judge.stop()

    def judge_for(self, message):
        """The warm judge for this kernel's Python, checks and start-up settings (made when first asked)."""
        from .warm import STARTUP_VARIABLES, PER_SESSION_VARIABLES, WarmJudge

        env = message["env"]
        settings = tuple(sorted((k, v) for k, v in env.items()
                                if k.startswith(STARTUP_VARIABLES) and k not in PER_SESSION_VARIABLES))
        key = (message["python"], str(Path(message["checks"]).resolve()), settings)
        with self.lock:
            if key not in self.judges:
                self.judges[key] = WarmJudge(message["checks"], python=message["python"], env=env)
            return self.judges[key]

    def handle(self, connection):
        try:
            message = _read_line(connection, time.monotonic() + 30)
        except (OSError, ValueError, TimeoutError):
            return
        if not message:
            return
        judge = self.judge_for(message)
        if message.get("warm"):
            answer = {"ok": judge.start()}
        else:
            answer = self.run(judge, message, connection)
        try:
            connection.sendall((json.dumps(answer) + "\n").encode())
        except OSError:
            pass

    def run(self, judge, message, connection):
        """One judgement; the child is killed if the kernel hangs up (an interrupt) before it ends."""
        done = threading.Event()

        def watch():
            while not done.wait(0.2):
                if select.select([connection], [], [], 0)[0]:
                    try:
                        gone = not connection.recv(1, socket.MSG_PEEK)
                    except OSError:
                        gone = True
                    if gone and judge.child:
                        try:
                            os.killpg(judge.child, signal.SIGKILL)
                        except OSError:
                            pass
                        return

        threading.Thread(target=watch, daemon=True).start()
        try:
            result = judge.run(message["args"], message["cwd"], message["timeout"], env=message["env"])
        except subprocess.TimeoutExpired:
            result = None
        finally:
            done.set()
        if result is None:
            return {"cold": judge.why_not or "the warm judge could not judge"}
        record_verdicts(message["args"])
        return {"returncode": result[0], "output": result[1]}


def record_verdicts(args):
    """Keep the verdicts of a run in its workspace's ``.verdicts.json`` (the reference's runs are not kept)."""
    from .panel import record

    args = list(args)
    if "--reference" in args or "--workspace" not in args or "--catdog-json" not in args:
        return
    workspace = Path(args[args.index("--workspace") + 1])
    out = Path(args[args.index("--catdog-json") + 1])
    try:
        summary = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    record(workspace, summary.get("pieces") or {})
