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

This module is the kernel's side and the protocol; ``judge_service.py`` is
the server's.

The protocol: one JSON line each way per connection. ``{"python", "checks",
"args", "cwd", "env", "timeout"}`` is answered ``{"returncode", "output"}``, or
``{"cold": why}`` when it could not judge warm (the kernel then runs the fresh
process); ``{"warm": ...}`` (the same keys but args) starts the warm process
and is answered ``{"ok": true}``. A kernel that closes its end (interrupted)
stops the running child.
"""
import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

SOCKET_VARIABLE = "CATDOG_JUDGE_SOCKET"
CONNECT_TIMEOUT = 2.0  # seconds to reach the server's socket before judging here instead
SERVING = []  # not empty in the process that runs the service (judge_service.py): it judges with its own judges


# ----- the kernel's side -------------------------------------------------------------------

def server_judge(checks):
    """A ``ServedJudge`` when this process runs beside a server that judges for it, else None."""
    path = os.environ.get(SOCKET_VARIABLE)
    if not path or SERVING or not Path(path).exists():
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
            return read_line(sock, time.monotonic() + timeout)

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


def read_line(sock, deadline):
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
