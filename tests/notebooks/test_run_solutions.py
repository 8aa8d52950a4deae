"""What the solution notebooks show when run in order as the demo runs them: a plot or a line from every
computing cell, the plots each lesson promises, lesson 05 training with the learner's pieces, resuming from
its checkpoint, and its fast path.

That every cell runs and every ``%check`` passes is nbval's job: ``pytest --nbval-lax solutions/``
(see solutions/conftest.py). Here the notebooks run through the demo's runner, which keeps their outputs.
Random starting weights (no network here). Slow: minutes.
"""
import os
from pathlib import Path

import nbformat
import pytest

from catdog_lib.demo import run_notebook

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["01_setup_and_hardware.ipynb", "02_data_and_splits.ipynb", "03_preprocessing.ipynb",
         "04_training.ipynb", "05_train_and_classify.ipynb"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course_run(tmp_path_factory, photos_dir):
    tmp = tmp_path_factory.mktemp("course")
    env = dict(os.environ, CATDOG_DATA=str(photos_dir), CATDOG_WEIGHTS="none", CATDOG_SIZE="48",
               CATDOG_SUBSET="80", CATDOG_EPOCHS="1", CATDOG_BATCH_SIZE="16", CATDOG_WORKERS="0",
               CATDOG_DEVICE="cpu", CATDOG_WORKSPACE=str(tmp / "my_pieces"), CATDOG_DATA_ROOT=str(tmp / "data"),
               CATDOG_RUNS=str(tmp / "runs"), CATDOG_DRIVE="0", TORCH_HOME=str(tmp / "torch"),
               CATDOG_CACHE=str(tmp / "cache"), MPLBACKEND="module://matplotlib_inline.backend_inline")
    results = {}
    for name in NAMES:
        results[name] = run_notebook(ROOT / "solutions" / name, tmp / "out", env=env, timeout=600)
    print("\nheadless times: " + ", ".join(f"{n[:2]} {s:.0f} s" for n, (s, _) in results.items()))
    return tmp, results


def outputs(tmp, name):
    """``{cell id: [output, ...]}`` of an executed notebook."""
    nb = nbformat.read(tmp / "out" / name, as_version=4)
    return {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}, nb


def texts(cell_outputs):
    parts = []
    for o in cell_outputs:
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_every_notebook_ran(course_run):
    tmp, results = course_run
    failed = {name: error for name, (_, error) in results.items() if error}
    assert not failed, f"{failed} (see {tmp / 'out'})"


def test_every_computing_cell_shows_something(course_run):
    tmp, _ = course_run
    quiet = []
    for name in NAMES:
        _, nb = outputs(tmp, name)
        for cell in nb.cells:
            if cell.cell_type == "code" and not cell.source.startswith("%%piece") and not cell.outputs:
                if "def " not in cell.source.split("\n")[0]:
                    quiet.append(f"{name}: {cell.source.splitlines()[0]}")
    # The setup cell alone may stay silent.
    assert all("# Setup" in q for q in quiet), quiet


def test_plots_are_there(course_run):
    tmp, _ = course_run
    images = {}
    for name in NAMES:
        _, nb = outputs(tmp, name)
        images[name[:2]] = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                               for o in c.outputs)
    # 01 speed; 02 balance, sizes, sample, odd ones, split, overlap; 03 eight crops, batch;
    # 04 parameters, schedule, curves, two predictions; 05 curves, confusion, top losses
    assert images == {"01": 1, "02": 6, "03": 2, "04": 5, "05": 3}


def test_lesson05_used_the_learners_pieces_saved_a_bundle_and_classified(course_run):
    tmp, _ = course_run
    cells, nb = outputs(tmp, NAMES[4])
    table = next(c for c in nb.cells if c.cell_type == "code" and "learner_or_reference()" in c.source)
    assert "10 of 10 pieces are yours" in texts(table.outputs)
    assert (tmp / "runs" / "lesson05" / "model.pt").is_file()
    assert list((tmp / "runs" / "lesson05").glob("checkpoint-classic-48px-80.pt"))
    cards = next(c for c in nb.cells if c.cell_type == "code" and "show_uploads(classify_uploads" in c.source)
    assert "data:image/jpeg;base64" in cards.outputs[0]["data"]["text/html"]
    box = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("upload_box("))
    assert "application/vnd.jupyter.widget-view+json" in box.outputs[0]["data"]
    saved = sorted(p.name for p in (tmp / "my_pieces").glob("*.py"))
    assert len(saved) == 10


def run_05_until_training(tmp, photos_dir, folder, **extra):
    """Lesson 05 up to and including its training cell; returns the text of all its outputs."""
    env = dict(os.environ, CATDOG_DATA=str(photos_dir), CATDOG_WEIGHTS="none", CATDOG_SIZE="48",
               CATDOG_SUBSET="80", CATDOG_EPOCHS="1", CATDOG_BATCH_SIZE="16", CATDOG_WORKERS="0",
               CATDOG_DEVICE="cpu", CATDOG_WORKSPACE=str(tmp / "my_pieces"), CATDOG_DATA_ROOT=str(tmp / "data"),
               CATDOG_RUNS=str(tmp / "runs"), CATDOG_DRIVE="0", TORCH_HOME=str(tmp / "torch"),
               CATDOG_CACHE=str(tmp / "cache"), **extra)
    nb = nbformat.read(ROOT / "solutions" / NAMES[4], as_version=4)
    last = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "model, history = fit(" in c.source)
    nb.cells = nb.cells[:last + 1]
    (tmp / folder).mkdir()
    nbformat.write(nb, tmp / folder / "05_until_training.ipynb")
    seconds, error = run_notebook(tmp / folder / "05_until_training.ipynb", tmp / folder / "out", env=env,
                                  timeout=600, html=False)
    assert error is None, error
    nb = nbformat.read(tmp / folder / "out" / "05_until_training.ipynb", as_version=4)
    return "".join(texts(c.outputs) for c in nb.cells if c.cell_type == "code")


def test_lesson05_resumes_from_its_checkpoint(course_run, photos_dir):
    """Run 05 again, as after a disconnect: it finds the checkpoint and trains no epoch again."""
    tmp, _ = course_run
    text = run_05_until_training(tmp, photos_dir, "again")
    assert "(found: resuming)" in text and "nothing to train" in text


def test_lesson05_fast_path(course_run, photos_dir):
    """The GPU's default path (images decoded once, batches augmented on the device), here forced on the CPU."""
    tmp, _ = course_run
    text = run_05_until_training(tmp, photos_dir, "fast", CATDOG_FAST="1")
    assert "checkpoint-fast-48px-80.pt (new run)" in text and "best val accuracy" in text
    assert (tmp / "runs" / "lesson05" / "checkpoint-fast-48px-80.pt").is_file()
