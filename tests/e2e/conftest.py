"""End-to-end fixtures: a temporary copy of the kit, a real JupyterLab on it, a real Chromium.

The kit is copied (its git files, plus the lessons built from the solutions
when the copy has none) into a temporary folder, and JupyterLab is started on
that copy from this Python, on 127.0.0.1, on a free port, with a token. Its
kernels run this Python too (the ``python3`` kernelspec names "python", which
Jupyter replaces with the server's own interpreter), with ``PYTHONPATH`` set
to the copy, so they import the copy's ``catdog_lib``: nothing a test does
touches the checkout. Small ``CATDOG_*`` settings make notebook 05 train in
seconds. The browser is Debian's Chromium driven by Playwright; without it
every browser test is skipped, saying how to install it.

``CATDOG_E2E_BREAK=verdict|hint|progress|upload`` (or several, with commas)
breaks that thing in the copy (never in the checkout), to show that the
tests notice: see README.md.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[2]
PHOTOS_ROOT = KIT.parent / "shared" / "data" / "dogs-vs-cats-200px"
CHROMIUM = Path(os.environ.get("CATDOG_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]

# Small enough that notebook 05 trains in seconds on a shared CPU.
SMALL_SETTINGS = {
    "CATDOG_SIZE": "32", "CATDOG_EPOCHS": "1", "CATDOG_SUBSET": "40", "CATDOG_BATCH_SIZE": "8",
    "CATDOG_WORKERS": "0", "CATDOG_WEIGHTS": "none", "CATDOG_DEVICE": "cpu", "CATDOG_DRIVE": "0",
}

# JupyterLab's settings for the tests: every cell in the page (no windowing), brackets
# typed as typed, and no news or update pop-ups over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        '{"windowingMode": "none", "codeCellConfig": {"autoClosingBrackets": false}}',
    "@jupyterlab/codemirror-extension/plugin.jupyterlab-settings":
        '{"defaultConfig": {"autoClosingBrackets": false}}',
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        '{"fetchNews": "false", "checkForUpdates": false}',
}

# What CATDOG_E2E_BREAK does to the copy: (file, the one line to replace by `pass`).
BREAKS = {
    "verdict": ("catdog_lib/course/magics.py", r"show\(verdict_text\("),
    "hint": ("catdog_lib/course/magics.py", r'show\(text, f"<div><b>Hint '),
    "progress": ("catdog_lib/course/magics.py", r"show\(str\(table\)"),
    "upload": ("catdog_lib/notebook/widgets.py", r"show_uploads\(classify_uploads\(change"),
}


# ----- the kit, copied ------------------------------------------------------------------------

def kit_files(root):
    """The kit's files as git sees them: tracked, plus new files git does not ignore."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in out.decode().split("\0") if name]


def copy_kit(dest):
    """Copy the kit into ``dest`` (no .venv, no data, no learner files); build its lessons when it has none."""
    names = kit_files(KIT)
    if names is None:  # not a git checkout: copy the folder, minus what git would ignore
        shutil.copytree(KIT, dest, ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "my_pieces", "data", "runs", "demo_runs",
            "uploads", "artifacts", ".pytest_cache", ".ipynb_checkpoints"))
    else:
        for name in names:
            source = KIT / name
            if source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    (dest / "lessons").mkdir(exist_ok=True)
    if not list((dest / "lessons").glob("*.ipynb")) and list((dest / "solutions").glob("*.ipynb")):
        env = {**os.environ, "PYTHONPATH": str(dest)}
        subprocess.run([sys.executable, "-m", "catdog_lib", "build"], cwd=dest, env=env, check=True,
                       capture_output=True, timeout=300)
    return dest


def break_copy(copy, what):
    """Break one thing in the copied kit (the line that shows it becomes ``pass``), to prove the tests can fail."""
    if what not in BREAKS:
        raise pytest.UsageError(f"CATDOG_E2E_BREAK={what!r}: choose from {', '.join(BREAKS)}")
    name, line = BREAKS[what]
    path = copy / name
    text, count = re.subn(rf"^(\s*){line}.*$", rf"\1pass  # broken on purpose: CATDOG_E2E_BREAK={what}",
                          path.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1, f"CATDOG_E2E_BREAK={what}: {name} has {count} lines like {line!r}, not one; update BREAKS"
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def photos_root(tmp_path_factory):
    """Real photos as ``CATDOG_DATA`` takes them (``train/cat.N.jpg``...): the shared ones, else the kit's sample.

    ``CATDOG_TEST_PHOTOS=sample`` chooses the sample, as in tests/conftest.py.
    """
    if (PHOTOS_ROOT / "train").is_dir() and os.environ.get("CATDOG_TEST_PHOTOS", "").strip() != "sample":
        return PHOTOS_ROOT
    from catdog_lib.sample import sample_photos

    root = tmp_path_factory.mktemp("sample_photos")
    (root / "train").mkdir()
    for path in sample_photos():
        shutil.copy(path, root / "train" / path.name)
    return root


@pytest.fixture(scope="session")
def kit_copy(tmp_path_factory):
    """A temporary copy of the kit, with built lessons; broken on purpose when ``CATDOG_E2E_BREAK`` says so."""
    copy = copy_kit(tmp_path_factory.mktemp("kit"))
    for what in filter(None, os.environ.get("CATDOG_E2E_BREAK", "").split(",")):
        break_copy(copy, what.strip())
    return copy


@pytest.fixture(scope="session")
def kernel_env(tmp_path_factory, kit_copy, photos_root):
    """The environment the notebooks' kernels get: the copy's catdog_lib, temp folders, small settings."""
    tmp = tmp_path_factory.mktemp("lab_env")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATDOG_")}
    env.update(SMALL_SETTINGS)
    env.update({
        "CATDOG_DATA": str(photos_root),
        "CATDOG_WORKSPACE": str(tmp / "workspace"),
        "CATDOG_DATA_ROOT": str(tmp / "data"),
        "CATDOG_RUNS": str(tmp / "runs"),
        "PYTHONPATH": str(kit_copy),
        "TORCH_HOME": str(tmp / "torch_home"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "MPLCONFIGDIR": str(tmp / "matplotlib"),
        "OMP_NUM_THREADS": "1",  # the CPU is shared
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


# ----- JupyterLab -----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: its address, token, root folder and log."""

    def __init__(self, url, token, root, log, env, pid):
        self.url, self.token, self.root, self.log, self.env, self.pid = url, token, root, log, env, pid

    def kernel_commands(self):
        """The command lines of the kernels this server runs (its child processes)."""
        found = []
        for pid in child_pids(self.pid):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            except OSError:
                continue
            if "ipykernel_launcher" in argv:
                found.append(argv)
        return found


def child_pids(parent):
    """The processes whose parent is ``parent`` (Linux /proc)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(proc.name))
    return pids


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium; skips every browser test when it (or Playwright) is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run `tests/e2e/install_browser.sh` as root "
                    "(Debian's chromium package) to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the Python package playwright is not installed: pip install -e '.[dev]'")
    return CHROMIUM


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory, kit_copy, kernel_env):
    """JupyterLab on the kit's copy, from this Python; stopped (with its kernels) at the end."""
    tmp = tmp_path_factory.mktemp("lab")
    settings_dir = tmp / "user_settings"
    for name, text in LAB_SETTINGS.items():
        (settings_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (settings_dir / name).write_text(text)
    port, token = free_port(), uuid.uuid4().hex
    env = {**kernel_env, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTER_PATH": str(with_course_extension(tmp, kit_copy))}
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={kit_copy}", f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",  # lets a test *find* a cell by its text; all actions go through the UI
    ]
    if os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    log = tmp / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=kit_copy, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    server = Lab(url, token, kit_copy, log, env, process.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited at start (code {process.returncode}):\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {url} within 120 s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        stop_process_group(process)


def with_course_extension(tmp, kit_copy):
    """The copy's course extension, as ``pip install`` puts it: its built labextension in a Jupyter data
    folder (returned, for ``JUPYTER_PATH``) and its server extension switched on in the config folder."""
    data = tmp / "jupyter_data"
    (data / "labextensions").mkdir(parents=True)
    (data / "labextensions" / "catdog-course").symlink_to(kit_copy / "catdog_lib" / "labextension")
    config = tmp / "config" / "jupyter_server_config.d"
    config.mkdir(parents=True)
    shutil.copy(kit_copy / "jupyter-config" / "server-config" / "catdog_lib.json", config)
    return data


def stop_process_group(process, grace=20):
    """Stop the server: SIGTERM to its process group (it shuts its kernels down), SIGKILL if it lingers.

    Kernels run in sessions of their own (jupyter_client starts them so), so
    any kernel still alive after the server is gone is killed by its pid.
    """
    kernels = child_pids(process.pid) if process.poll() is None else []
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        except ProcessLookupError:
            pass
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ----- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts():
    """Where the screenshots go (git ignores it); emptied at the start of a run."""
    if ARTIFACTS.exists():
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def page(browser, lab):
    """A fresh browser tab on JupyterLab (one per test module)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
