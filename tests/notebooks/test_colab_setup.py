"""The Colab route of the setup cell, as far as this machine allows.

In Colab there is no checkout: the first cell of each lesson finds no
``catdog_lib``, clones the kit, installs it editable, puts it on
``sys.path`` and loads the course magics. Here we run lesson 01's own cells
in a Python that has the kit's dependencies but not the kit (a new venv that
sees .venv's packages through a plain path entry), with a stand-in
``google.colab`` module as in Colab, the clone taken from this repository
instead of GitHub and ``/content`` moved into a temp folder. Then a piece is
written and checked, which runs the judge in a fresh process of that Python.
"""
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from catdog_lib.course.colab import COLAB_DIR, KIT_GIT_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

DRIVER = r'''
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
results = []
for source in json.load(open(sys.argv[1])):
    result = shell.run_cell(source)
    results.append(result.success)
import catdog_lib, catdog_lib.paths
print(json.dumps({"ok": results, "kit": catdog_lib.__file__, "root": str(catdog_lib.paths.kit_root()),
                  "magics": sorted(shell.magics_manager.magics["line"])}))
'''


def test_setup_cell_clones_installs_and_loads_the_kit(tmp_path):
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout: nothing to clone")
    # A Python without the kit, with everything else: .venv's site-packages as a plain path (its .pth files,
    # among them the kit's editable hook, are not run from there).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    new_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    Path(new_site, "parent_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    import os

    without_kit = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # a worktree's PYTHONPATH is no install
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(u.find_spec('catdog_lib'))"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=without_kit)
    assert probe.stdout.strip() == "None"

    stub = tmp_path / "stub"  # google.colab, as Colab has it; `google` stays a namespace package
    (stub / "google" / "colab").mkdir(parents=True)
    (stub / "google" / "colab" / "__init__.py").write_text("")

    kit = tmp_path / "content" / "catdog-kit"
    lesson = nbformat.read(ROOT / "lessons" / "01_setup_and_hardware.ipynb", as_version=4)
    code = [c.source for c in lesson.cells if c.cell_type == "code"]
    setup = code[0].replace(COLAB_DIR, str(kit)).replace(KIT_GIT_URL, (ROOT.as_uri()))
    assert setup != code[0]
    solution = nbformat.read(ROOT / "solutions" / "01_setup_and_hardware.ipynb", as_version=4)
    piece = next(c.source for c in solution.cells if c.source.startswith("%%piece pick_device"))
    cells = [setup, code[1], code[2], piece, "%check pick_device", "device = pick_device(settings.device)\nprint(device)"]
    (tmp_path / "cells.json").write_text(__import__("json").dumps(cells))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(stub),
           "CATDOG_DEVICE": "cpu", "PIP_FIND_LINKS": "/opt/wheels"}
    for key in ("PIP_INDEX_URL", "PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "TORCH_HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    run = subprocess.run([str(python), "-c", DRIVER, str(tmp_path / "cells.json")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = __import__("json").loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"] == [True] * len(cells), run.stdout[-3000:] + run.stderr[-3000:]
    assert report["kit"] == str(kit / "catdog_lib" / "__init__.py")
    assert report["root"] == str(kit)
    assert {"check", "hint", "progress"} <= set(report["magics"])
    assert re.search(r"pick_device: (\d+) of \1 checks pass", run.stdout) and "cpu" in run.stdout
    # The stand-in google.colab has no drive module: Drive is not mounted, and the cell says what that means.
    assert "No Google Drive (it was not mounted" in run.stdout and "lost when it ends" in run.stdout
    assert (kit / "my_pieces" / "pick_device.py").is_file()
