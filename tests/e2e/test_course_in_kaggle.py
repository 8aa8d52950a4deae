"""The course in Kaggle Notebooks: the competition's photos attached under /kaggle/input, pieces carried by outputs.

A stand-in ``/kaggle`` (``CATDOG_KAGGLE_ROOT``): ``input/dogs-vs-cats/`` as
Kaggle mounts the competition (``train.zip`` of ``train/cat.N.jpg``...,
``test1.zip``, ``sampleSubmission.csv``), ``working/`` and ``temp/``, and
``KAGGLE_KERNEL_RUN_TYPE`` set, as in a Kaggle kernel. Each notebook runs in
a fresh container: a Python without the kit (this one's packages, as
``test_colab_path`` makes it), a new home, an empty ``working/``. The setup
cell takes its real branch: ``git clone`` (redirected to a local repository)
and ``pip install -e``. Lesson 02 runs with the learner's data pieces; its
``working/`` then becomes an input of lesson 05's notebook, as *Save Version*
and *Add Input → Your Work* make it, and lesson 05 trains with those pieces
on the attached photos and reaches its last cell.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from .conftest import SMALL_SETTINGS
from .test_colab_path import kernel_manager, kit_remote  # noqa: F401 (a fixture)
from .test_course_in_colab import code_cell, errors, learner_piece, table_rows, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

KAGGLE_KIT = "/kaggle/temp/catdog-kit"
KIT_GIT_URL = "https://github.com/catdog-course/catdog-kit.git"
PHOTOS_PER_CLASS = 40


@pytest.fixture(scope="module")
def competition(tmp_path_factory, photos_root):
    """``input/dogs-vs-cats/`` as Kaggle attaches the competition: its zips and its csv."""
    folder = tmp_path_factory.mktemp("competition") / "dogs-vs-cats"
    folder.mkdir()
    with zipfile.ZipFile(folder / "train.zip", "w") as archive:
        for label in ("cat", "dog"):
            for path in sorted((photos_root / "train").glob(f"{label}.*.jpg"))[:PHOTOS_PER_CLASS]:
                archive.write(path, f"train/{path.name}")
    with zipfile.ZipFile(folder / "test1.zip", "w") as archive:
        archive.writestr("test1/1.jpg", (sorted((photos_root / "train").glob("cat.*.jpg"))[-1]).read_bytes())
    (folder / "sampleSubmission.csv").write_text("id,label\n1,0\n")
    return folder


def fresh_python(folder):
    """A Python without the kit: this environment's packages through a plain path line (its .pth files not run)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "kaggle_image.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def new_container(root, competition, earlier=()):
    """A fresh Kaggle container: /kaggle with the competition (and ``earlier`` notebooks' outputs) as inputs."""
    kaggle = root / "kaggle"
    for sub in ("input", "working", "temp"):
        (kaggle / sub).mkdir(parents=True)
    shutil.copytree(competition, kaggle / "input" / "dogs-vs-cats")
    for name, output in earlier:
        shutil.copytree(output, kaggle / "input" / name)
    (root / "home").mkdir()
    return kaggle


def run_notebook(root, python, kit_remote, kaggle, name, piece_log=None):
    from nbclient import NotebookClient

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CATDOG_", "PYTHON", "JUPYTER", "GIT_", "KAGGLE_", "PYTEST_"))}
    env.update(SMALL_SETTINGS)
    env.pop("CATDOG_DRIVE")
    env.update({
        "KAGGLE_KERNEL_RUN_TYPE": "Interactive", "CATDOG_KAGGLE_ROOT": str(kaggle), "HOME": str(root / "home"),
        "TORCH_HOME": str(root / "torch_home"), "MPLCONFIGDIR": str(root / "mpl"), "OMP_NUM_THREADS": "1",
        "PYTHONPATH": "", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{kit_remote.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": KIT_GIT_URL, "CATDOG_PIECE_LOG": str(piece_log or root / "pieces.log"),
    })
    nb = nbformat.read(kit_remote / "lessons" / f"{name}.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert KAGGLE_KIT in setup.source, "the setup cell does not clone into Kaggle's temp folder"
    setup.source = setup.source.replace(KAGGLE_KIT, str(kaggle / "temp" / "catdog-kit"))
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%piece "):
            piece = cell.source.split()[1]
            cell.source = f"%%piece {piece}\n" + learner_piece(piece)
    client = NotebookClient(nb, km=kernel_manager(root, python, env), timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(kaggle / "working")}})
    started = time.perf_counter()
    try:
        client.execute(env=env)  # exactly this environment (a kernelspec's env adds to ours)
    finally:
        if client.km.has_kernel:
            client.km.shutdown_kernel(now=True)
    nbformat.write(nb, root / f"{name}.ipynb")
    return nb, time.perf_counter() - started


def test_lessons_02_then_05_in_kaggle_notebooks(tmp_path, competition, kit_remote):
    # Lesson 02 in its own notebook: the attached photos, the learner's data pieces kept in /kaggle/working.
    first = tmp_path / "notebook02"
    kaggle = new_container(first, competition)
    nb02, seconds02 = run_notebook(first, fresh_python(first / "python"), kit_remote, kaggle, "02_data_and_splits")
    assert not errors(nb02), errors(nb02)
    setup = text_of(code_cell(nb02, "# Setup"))
    attached = kaggle / "input" / "dogs-vs-cats" / "train.zip"
    assert f"the Dogs vs. Cats photos attached at {attached} are used" in setup, setup
    assert "Save Version" in setup and "Add Input" in setup
    assert (kaggle / "temp" / "catdog-kit" / ".git").is_dir(), "the setup cell did not clone the kit"
    saved = sorted(p.stem for p in (kaggle / "working" / "catdog" / "my_pieces").glob("*.py"))
    assert saved == ["arrange_imagefolder", "label_from_filename", "split_items"]

    # Lesson 05 in a new container, lesson 02's notebook added as an input (its saved version's output).
    second = tmp_path / "notebook05"
    kaggle5 = new_container(second, competition, earlier=[("catdog-lesson-02", kaggle / "working")])
    log = second / "pieces.log"
    nb05, seconds05 = run_notebook(second, fresh_python(second / "python"), kit_remote, kaggle5, "05_train_and_classify",
                                   log)
    print(f"\nKaggle stand-in: lesson 02 {seconds02:.0f} s, lesson 05 {seconds05:.0f} s")
    assert not errors(nb05), errors(nb05)
    setup = text_of(code_cell(nb05, "# Setup"))
    print("lesson 05's setup cell said:\n" + setup)
    assert "came from the notebook added as input: arrange_imagefolder.py, label_from_filename.py, split_items.py" in setup
    versions, footer = table_rows(code_cell(nb05, "pieces = learner_pieces("))
    print("lesson 05's pieces:\n" + "\n".join(versions.values()) + "\n" + footer)
    assert footer == "3 of 10 pieces are yours"
    assert all(" yours " in versions[p] for p in ("label_from_filename", "split_items", "arrange_imagefolder"))
    ran = {line.split()[0] for line in log.read_text().splitlines() if line.endswith(" lesson")}
    assert {"split_items", "arrange_imagefolder"} <= ran
    photos = text_of(code_cell(nb05, "photos = get_photos("))
    print("lesson 05's photos:\n" + photos[:600])
    assert str(kaggle5 / "input" / "dogs-vs-cats" / "train.zip") in photos or "attached" in setup
    # Run All reached the end: the upload box (JupyterLab's widget: Kaggle's front end is Jupyter's) did not wait.
    lesson = [c for c in nb05.cells if c.cell_type == "code"]
    assert lesson[-1].source.startswith("%progress") and lesson[-1].outputs
    box = code_cell(nb05, "upload_box(")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in box.outputs)
    training = next(c for c in lesson if "run = train_on_folder(" in c.source)
    print("lesson 05's training said, at its end:\n" + text_of(training)[-300:])
    assert "best val accuracy" in text_of(training)
    assert (kaggle5 / "working" / "catdog" / "runs" / "lesson05" / "model.pt").is_file()
