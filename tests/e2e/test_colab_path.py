"""The Colab path, at the lowest layer that runs here: the lessons' own cells in a kernel that looks like Colab.

Colab is a Python without the kit, where ``google.colab`` exists. We make one:
a fresh virtual environment that sees this one's packages (torch, ipykernel,
pip...) but not ``catdog_lib``, with a stand-in ``google.colab`` package
(``fake_colab/``, which does what colabtools does). The setup
cell then takes its Colab branch for real: ``git clone`` of the kit's
address (redirected by git's own ``url.<base>.insteadOf`` to a local
repository holding the kit), ``pip install -e`` (offline: everything else is
already there), ``%load_ext catdog_lib``. Then notebook 05's upload cell shows
its box and ends; a next cell plays Colab's front end, sending two photos as
the box's script does (``invokeFunction``), and shows the cards it gets back.

The one edit to the cells: the clone's folder, ``/content/catdog-kit`` in
Colab, goes to a temporary folder (the test checks the cell still names it).
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from .conftest import SMALL_SETTINGS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

FAKE_COLAB = Path(__file__).resolve().parent / "fake_colab"
PHOTOS = ("cat.1988.jpg", "dog.1985.jpg")  # in the shared photos and in the kit's sample


def kit_constants():
    """The kit's address and Colab's clone folder, as the settings module (the one place they live) has them."""
    from catdog_lib.course.colab import COLAB_DIR, KIT_GIT_URL

    return KIT_GIT_URL, COLAB_DIR


@pytest.fixture(scope="module")
def kit_remote(tmp_path_factory, kit_copy):
    """The kit as a git repository on this machine (what GitHub holds, for the clone)."""
    repo = tmp_path_factory.mktemp("remote") / "catdog-kit"
    shutil.copytree(kit_copy, repo, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info"))
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@localhost"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "the kit"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return repo


@pytest.fixture
def colab_python(tmp_path):
    """A fresh Python like Colab's: this environment's packages, but no catdog_lib (until the setup cell installs it)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A plain path line: this environment's packages become importable, but its .pth files
    # (the one that installs catdog_lib's editable finder) are not run.
    Path(site, "kit_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(u.find_spec('catdog_lib'), "
                            "u.find_spec('torch') is not None, u.find_spec('ipykernel') is not None)"],
                           capture_output=True, text=True, cwd=tmp_path,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})  # a worktree's is no install
    assert probe.stdout.split() == ["None", "True", "True"], f"the Colab-like Python is not right: {probe}"
    return python


def kernel_manager(tmp_path, python, env):
    """A kernel on ``python`` with exactly ``env`` (a kernelspec of our own, in a temp folder)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder = tmp_path / "kernels" / "colab"
    folder.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "fake Colab", "language": "python", "env": env}
    (folder / "kernel.json").write_text(__import__("json").dumps(spec))
    km = KernelManager(kernel_name="colab")
    km.kernel_spec_manager = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    return km


def colab_env(tmp_path, photos_root, with_colab=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CATDOG_", "PYTHON", "JUPYTER", "GIT_"))}
    env.update(SMALL_SETTINGS)
    env.update({
        "CATDOG_DATA": str(photos_root), "CATDOG_WORKSPACE": str(tmp_path / "workspace"),
        "CATDOG_DATA_ROOT": str(tmp_path / "data"), "CATDOG_RUNS": str(tmp_path / "runs"),
        "TORCH_HOME": str(tmp_path / "torch_home"), "MPLCONFIGDIR": str(tmp_path / "mpl"),
        "IPYTHONDIR": str(tmp_path / "ipython"), "OMP_NUM_THREADS": "1",
        # pip, offline: the dependencies are all here. (PIP_NO_BUILD_ISOLATION=0 *disables* isolation: pip#5735)
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "CATDOG_FAKE_UPLOADS": os.pathsep.join(str(photos_root / "train" / n) for n in PHOTOS),
        "CATDOG_FAKE_UPLOADS_LOG": str(tmp_path / "uploads.log"),
    })
    # The kernel's environment is this one's plus these: PYTHONPATH must be set either way (a worktree's is no install).
    env["PYTHONPATH"] = str(FAKE_COLAB) if with_colab else ""
    return env


def lesson_cells(kit_copy, notebook, prefixes):
    """The lesson's cells whose source starts with each of ``prefixes``, in that order."""
    nb = nbformat.read(kit_copy / "lessons" / notebook, as_version=4)
    picked = []
    for prefix in prefixes:
        found = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(prefix)]
        assert found, f"{notebook} has no code cell starting with {prefix!r}"
        picked.append(found[0])
    return nb, picked


def redirect_clone(cell, kit_dir):
    """The setup cell, cloning into ``kit_dir`` instead of Colab's /content folder."""
    url, colab_dir = kit_constants()
    assert url in cell.source, f"the setup cell does not clone {url} (settings.KIT_GIT_URL)"
    assert colab_dir in cell.source, f"the setup cell does not clone into {colab_dir} (settings.COLAB_DIR)"
    cell.source = cell.source.replace(colab_dir, str(kit_dir))
    return cell


def outputs_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def run_cells(tmp_path, python, env, cells, cwd):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(nb, km=kernel_manager(tmp_path, python, env), timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(cleanup_kc=True)  # a kernel manager of our own: nbclient shuts its kernel down only when asked
    return nb


# Colab's front end for the box's script: each photo in chunks, one invokeFunction call each.
CHOOSE_IN_BOX = """import base64, json, os, re
from google.colab import output
from IPython.display import HTML
s = json.loads(re.search(r"const s = (\\{.*?\\});", _.data).group(1))
cards = []
for path in PATHS:
    data = open(path, "rb").read()
    count = max(1, -(-len(data) // s["chunk"]))
    for i in range(count):
        part = base64.b64encode(data[i * s["chunk"]:(i + 1) * s["chunk"]]).decode()
        reply = output.invoke(s["callback"], [s["box"], os.path.basename(path), i, count, part, len(data)])
    cards.append(reply["data"]["application/json"]["html"])
HTML("".join(cards))"""


def test_setup_cell_and_upload_in_fake_colab(tmp_path, kit_copy, kit_remote, colab_python, photos_root):
    url, _ = kit_constants()
    content = tmp_path / "content"
    content.mkdir()
    kit_dir = content / "catdog-kit"
    env = colab_env(tmp_path, photos_root)
    env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{kit_remote.as_uri()}.insteadOf",
                "GIT_CONFIG_VALUE_0": url})
    _, (setup, imports, settings, pieces, device, choose, run_dir, upload) = lesson_cells(
        kit_copy, "05_train_and_classify.ipynb",
        ["# Setup", "# The names every piece may use", "settings = load_settings(", "pieces = learner_pieces(",
         "device = pieces.pick_device(", "use_fast = ", "run_dir = ", "upload_box("])
    # Training is notebook 05's business (the JupyterLab test runs it all); here a small untrained model will do.
    model = nbformat.v4.new_code_cell("model = build_model(num_classes=2, weights=None)\nclass_names = ['cat', 'dog']")
    probe = nbformat.v4.new_code_cell(
        "import catdog_lib\nprint('KIT', catdog_lib.__file__)\nprint('CWD', os.getcwd())\n"
        "print('MAGICS', sorted(m for m in get_ipython().magics_manager.magics['line'] if m in ('check', 'hint', 'progress')))")
    nb = run_cells(tmp_path, colab_python, env,
                   [redirect_clone(setup, kit_dir), probe, imports, settings, pieces, device, choose, run_dir, model, upload,
                    nbformat.v4.new_code_cell(CHOOSE_IN_BOX.replace("PATHS", repr(
                        [str(photos_root / "train" / n) for n in PHOTOS])))],
                   cwd=content)
    setup, probe, *_, box, upload = nb.cells
    errors = [(i, outputs_text(c)) for i, c in enumerate(nb.cells) if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"cells raised in the fake Colab: {errors}"

    # The setup cell cloned the kit, installed it, and the kernel uses that copy.
    assert (kit_dir / ".git").is_dir() and (kit_dir / "lessons").is_dir(), "the setup cell did not clone the kit"
    assert subprocess.run(["git", "-C", str(kit_dir), "log", "-1", "--format=%s"], capture_output=True,
                          text=True).stdout.strip() == "the kit"
    lines = dict(line.split(" ", 1) for line in outputs_text(probe).splitlines() if " " in line)
    assert Path(lines["KIT"]).resolve().is_relative_to(kit_dir.resolve()), f"catdog_lib comes from {lines['KIT']}"
    assert Path(lines["CWD"]).resolve() == kit_dir.resolve(), "the setup cell did not move into the kit"
    assert lines["MAGICS"] == "['check', 'hint', 'progress']", f"%load_ext catdog_lib did not register: {lines}"
    said = outputs_text(setup)  # CATDOG_DRIVE=0: one line on what will not outlive this runtime
    assert "No Google Drive (CATDOG_DRIVE=0)" in said and "lost when it ends" in said and "unset CATDOG_DRIVE" in said
    installed = subprocess.run([str(colab_python), "-c", "import catdog_lib; print(catdog_lib.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert Path(installed.stdout.strip()).resolve().is_relative_to(kit_dir.resolve()), \
        f"pip install -e did not install the clone: {installed}"

    # The upload cell showed Colab's own kind of box and did not wait (no files.upload(), no widget)...
    assert not (tmp_path / "uploads.log").exists(), "the upload cell opened files.upload(), which waits for a person"
    assert "Choose one or more photos" in outputs_text(box) and '<input type="file"' in outputs_text(box)
    assert "FileUpload" not in outputs_text(box) and "application/vnd.jupyter.widget-view+json" not in str(box.outputs)
    # ...and the photos chosen in it came back as a card each.
    page = outputs_text(upload)
    assert page.count("data:image/jpeg;base64,") == len(PHOTOS), f"not one photo per upload:\n{page[:2000]}"
    for name in PHOTOS:
        assert name in page
    assert page.count("%</span>") == 2 * len(PHOTOS), "not one percentage per class and photo"
    from catdog_lib.notebook.widgets import safe_name

    saved = sorted(p.name for p in (tmp_path / "runs" / "lesson05" / "uploads").iterdir())
    assert saved == sorted(safe_name(n, ".jpg") for n in PHOTOS), f"the uploads were not saved where the notebook says: {saved}"


def test_setup_cell_without_kit_outside_colab_says_what_to_do(tmp_path, kit_copy, colab_python, photos_root):
    _, (setup,) = lesson_cells(kit_copy, "02_data_and_splits.ipynb", ["# Setup"])
    nb = run_cells(tmp_path, colab_python, colab_env(tmp_path, photos_root, with_colab=False), [setup], cwd=tmp_path)
    [error] = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "RuntimeError" and "catdog_lib is not installed here" in error.evalue and "make lab" in error.evalue
    assert not (tmp_path / "content").exists()
