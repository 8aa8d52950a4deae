"""The JupyterLab extension ships built in the wheel, and its source builds what is committed.

- The wheel (``pip wheel --no-deps``), installed into a new virtual
  environment with no Node.js involved, gives JupyterLab the ``catdog-course``
  labextension, enabled, and Jupyter Server the kit's server extension.
- ``labextension/`` (the TypeScript source), installed from the npm registry
  (``npm ci``, the lock file) and built with JupyterLab's builder, gives
  exactly ``catdog_lib/labextension/``, the build a learner installs from git
  without Node.js; its jest tests pass. Without npm this test is skipped,
  saying how to install Node.js (``labextension/install_node.sh``; CI does).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "labextension"
BUILT = ROOT / "catdog_lib" / "labextension"
NAME = json.loads((SOURCE / "package.json").read_text())["name"]


def plain(run):
    """What a command printed, without its colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)


def files(folder):
    """``{name: text}`` of a built extension, the one thing that depends on where it was built made neutral:
    webpack numbers the container's entry module from its absolute path, and the entry's file name hashes it."""
    found = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
             if p.is_file()}
    entry = next(name for name in found if name.startswith("static/remoteEntry."))
    number = re.search(r"let o=r\((\d+)\)", found[entry]).group(1)
    found["static/remoteEntry.js"] = re.sub(rf"\b{number}\b", "ENTRY", found.pop(entry))
    found["package.json"] = found["package.json"].replace(entry, "static/remoteEntry.js")
    return found


def test_the_built_extension_is_committed_and_names_its_source():
    built = json.loads((BUILT / "package.json").read_text())
    assert built["name"] == NAME and built["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")
    assert (BUILT / built["jupyterlab"]["_build"]["load"]).is_file()
    assert (BUILT / "schemas" / NAME / "plugin.json").is_file()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    return next(out.glob("catdog_lib-*.whl"))


def test_a_plain_pip_install_enables_the_extension(wheel, tmp_path):
    """A new venv (this Python's packages visible through a .pth, so nothing is downloaded), then
    ``pip install --no-deps`` the wheel: ``jupyter labextension list`` shows catdog-course enabled."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # This environment's packages (jupyterlab...) behind the new venv's own: the wheel's catdog_lib comes first.
    (site / "zz_outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHONPATH"))}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300, env=env)
    assert (venv / "share" / "jupyter" / "labextensions" / NAME / "package.json").is_file()
    listing = subprocess.run([str(python), "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True,
                             timeout=120, env=env, cwd=tmp_path)
    text = plain(listing)
    line = next((line for line in text.splitlines() if NAME in line), "")
    assert "enabled" in line and "OK" in line and "catdog_lib" in line, text
    servers = subprocess.run([str(python), "-m", "jupyter_server.extension.serverextension", "list"],
                             capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    text = plain(servers)
    assert "catdog_lib.course.lab enabled" in text and "OK" in text.split("catdog_lib.course.lab", 1)[1], text
    where = subprocess.run([str(python), "-c", "import catdog_lib; print(catdog_lib.__file__)"], capture_output=True,
                           text=True, env=env, cwd=tmp_path).stdout
    assert where.startswith(str(venv)), f"the new venv imports catdog_lib from {where}"


@pytest.mark.slow
def test_the_source_builds_what_is_committed(tmp_path):
    """``npm ci`` from the registry, the template's build and its jest tests, in a copy of ``labextension/``:
    every built file is the committed one (the source's chunk, the schema, the styles), byte for byte."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: run `labextension/install_node.sh` as root (Debian's nodejs and npm) "
                    "to build the JupyterLab extension from its source")
    copy = tmp_path / "labextension"  # the same folder name: webpack's module ids come from the paths
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("node_modules", "lib", "*.tsbuildinfo", "junit.xml",
                                                                "coverage"))
    env = dict(os.environ, PYTHON=sys.executable, CI="1")

    def npm_run(*args, timeout=900):
        run = subprocess.run([npm, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
        assert run.returncode == 0, f"npm {' '.join(args)} failed:\n{(run.stdout + run.stderr)[-3000:]}"
        return run.stdout + run.stderr

    npm_run("ci", "--no-audit", "--no-fund")
    npm_run("run", "build")
    rebuilt = files(tmp_path / "catdog_lib" / "labextension")
    committed = files(BUILT)
    assert sorted(rebuilt) == sorted(committed), (
        "catdog_lib/labextension/ is not what labextension/ builds: run `cd labextension && npm ci && npm run build` "
        f"and commit catdog_lib/labextension/\nbuilt: {sorted(rebuilt)}\ncommitted: {sorted(committed)}")
    different = [name for name in rebuilt if rebuilt[name] != committed[name]]
    assert not different, f"these built files differ from the committed ones: {different}"
    output = npm_run("test", "--", "--ci")
    assert "failed" not in output.split("Tests:", 1)[-1].split("\n", 1)[0], output[-2000:]
