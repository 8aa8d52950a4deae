"""The kit's Jupyter Server extension (catdog_lib/course/lab.py) in a real Jupyter server.

The server starts with the extension switched on by the kit's own config file
(as ``pip install`` puts it); ``GET /catdog/course`` answers the Course panel's
state in the language asked for, for the workspace the server's kernels use;
the judge's socket is there while the server runs and gone after it stops.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    config = tmp / "config" / "jupyter_server_config.d"
    config.mkdir(parents=True)
    shutil.copy(ROOT / "jupyter-config" / "server-config" / "catdog_lib.json", config)
    root = tmp / "root"
    (root / "lessons" / "zh").mkdir(parents=True)
    for path in ("lessons/02_data_and_splits.ipynb", "lessons/zh/02_data_and_splits.ipynb"):
        (root / path).write_text("{}")
    workspace = tmp / "workspace"
    workspace.mkdir()
    (workspace / "split_items.py").write_text("def split_items(items): ...\n")
    (workspace / ".verdicts.json").write_text(json.dumps({"split_items": {
        "status": "failed", "passed": 3, "total": 5, "message": "the split is not stratified", "judged_mtime": 0}}))
    (workspace / ".hints_seen.json").write_text(json.dumps({"split_items": 2}))
    port, token = free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CATDOG_"))}
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_DATA_DIR=str(tmp / "data"), CATDOG_WORKSPACE=str(workspace), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
    yield {"url": url, "token": token, "tmp": tmp, "workspace": workspace, "process": process, "log": log}
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def get(server, query):
    with urllib.request.urlopen(f"{server['url']}/catdog/course?{query}&token={server['token']}", timeout=30) as r:
        return json.loads(r.read().decode())


def test_the_panel_state_reads_the_workspace_and_the_last_verdicts(server):
    state = get(server, "lang=en")
    assert state["workspace"] == str(server["workspace"])
    lesson = next(x for x in state["lessons"] if x["lesson"] == "02")
    assert lesson["files"] == {"en": "lessons/02_data_and_splits.ipynb", "zh": "lessons/zh/02_data_and_splits.ipynb"}
    pieces = {p["name"]: p for p in lesson["pieces"]}
    assert pieces["split_items"]["state"] == "failed"
    assert pieces["split_items"]["message"] == "the split is not stratified"
    assert pieces["split_items"]["hints_seen"] == 2 and pieces["split_items"]["changed"]  # saved after that verdict
    assert pieces["label_from_filename"]["state"] == "not_started"
    assert state["words"]["checks"] == "{passed} of {total} checks pass"


def test_the_panel_speaks_chinese_when_asked(server):
    state = get(server, "lang=zh")
    assert state["lang"] == "zh" and state["words"]["title"] == "课程"
    assert state["lessons"][1]["heading"] == "第 02 课"


def test_the_handler_needs_the_token(server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{server['url']}/catdog/course?lang=en", timeout=30)
    assert error.value.code == 403


def test_the_judge_socket_lives_as_long_as_the_server(server):
    sockets = list((server["tmp"] / "runtime").glob("catdog-judge-*.sock"))
    assert len(sockets) == 1, server["log"].read_text()[-2000:]
    os.killpg(server["process"].pid, signal.SIGTERM)
    server["process"].wait(30)
    assert not sockets[0].exists()
