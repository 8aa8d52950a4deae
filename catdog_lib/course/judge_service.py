"""The server's side of the one warm judge (``served.py`` is the kernels'): a socket, its warm judges, the verdicts kept.

A Jupyter server with the kit's extension (``lab.py``) starts one
``JudgeService``: a thread listening on a Unix socket in the server's runtime
folder, named to the kernels started afterwards by ``CATDOG_JUDGE_SOCKET``.
Each request is one ``pytest`` run a kernel would have sent its own warm
process; the service forks it from its warm process (``warm.WarmJudge``, one
per kernel Python, checks folder and start-up settings: in practice one), in
the kernel's folder and environment, and answers ``(returncode, output)``. A
kernel that hangs up (interrupted) has its running child killed. After each
run the verdicts go into the workspace's ``.verdicts.json``, which the Course
panel reads (``panel.py``).
"""
import atexit
import json
import os
import select
import signal
import socket
import socketserver
import subprocess
import threading
import time
from pathlib import Path

from .panel import record
from .served import SERVING, SOCKET_VARIABLE, read_line
from .warm import PER_SESSION_VARIABLES, STARTUP_VARIABLES, WarmJudge


class JudgeService:
    """The server's warm judges (one per kernel Python and checks folder, in practice one) behind a socket."""

    def __init__(self, path):
        self.path = str(path)
        self.judges = {}
        self.workspaces = {}  # a notebook's path (its kernel's JPY_SESSION_NAME) -> the workspace it was last judged in
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        """Listen on the socket (a thread of its own) and name it to the kernels started from now on."""
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
        SERVING.append(self)
        atexit.register(self.stop)  # the socket file and the warm process go with the server
        return self

    def stop(self):
        """Stop listening and end every warm process."""
        if self in SERVING:
            SERVING.remove(self)
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
            message = read_line(connection, time.monotonic() + 30)
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
        workspace = record_verdicts(message["args"])
        notebook = message["env"].get("JPY_SESSION_NAME")
        if workspace is not None and notebook:
            self.workspaces[os.path.realpath(notebook)] = workspace
        return {"returncode": result[0], "output": result[1]}


def record_verdicts(args):
    """Keep the verdicts of a run in its workspace's ``.verdicts.json`` (the reference's runs are not kept);
    returns that workspace, or None."""
    args = list(args)
    if "--reference" in args or "--workspace" not in args or "--catdog-json" not in args:
        return None
    workspace = Path(args[args.index("--workspace") + 1])
    out = Path(args[args.index("--catdog-json") + 1])
    try:
        summary = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    record(workspace, summary.get("pieces") or {})
    return workspace
