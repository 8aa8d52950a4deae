"""The whole course as a learner takes it in Colab: lessons 01 to 05 in order, each in a runtime of its own.

Each lesson runs in a fresh copy of the kit, with a fresh home folder and
working folder (a new Colab runtime: nothing of the last one is left), in a
kernel where ``google.colab`` is the stand-in of ``fake_colab/``. All of them
share one folder that the stand-in's ``drive.mount`` maps to ``MyDrive``:
what the course keeps there is all that carries from one lesson to the next.
The lessons run as released (``lessons/``): in 01 to 04 each ``%%piece`` cell
gets a learner's version, correct but written differently from the reference
(``tests/checks/good/``, and the tutorial's own loop for ``train_model``), and
each of them writes a line to a log when it runs. Lesson 05 trains with them.

The test also holds what the course run showed before (every computing cell
shows something, the plots each lesson promises, the bundle, the upload
cards), so the suite runs the course once, plus lesson 05 twice more: on
the fast loaders, and again after a "disconnect" to resume.
"""
import ast
import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from .conftest import KIT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

FAKE_COLAB = Path(__file__).resolve().parent / "fake_colab"
GOOD = KIT / "tests" / "checks" / "good"
COLAB_KIT = "/content/catdog-kit"
LESSONS = ["01_setup_and_hardware", "02_data_and_splits", "03_preprocessing", "04_training", "05_train_and_classify"]
SMALL = {"CATDOG_SIZE": "32", "CATDOG_EPOCHS": "1", "CATDOG_SUBSET": "40", "CATDOG_BATCH_SIZE": "8",
         "CATDOG_WORKERS": "0", "CATDOG_WEIGHTS": "none", "CATDOG_DEVICE": "cpu"}
UPLOADS = ("my_cat.jpg", "my_dog.jpg")  # copies of the first cat and dog photo (names of neither split)

# The learners' versions: correct, and not the reference's code.
LEARNER_FILES = {
    "pick_device": "pick_device/table.py", "label_from_filename": "label_from_filename/regex.py",
    "split_items": "split_items/numpy_rng.py", "arrange_imagefolder": "arrange_imagefolder/pathlib_links.py",
    "build_transforms": "build_transforms/v2.py", "make_loaders": "make_loaders/explicit_samplers.py",
    "build_model": "build_model/freeze_by_name.py", "run_epoch": "run_epoch/two_branches.py",
    "predict_image": "predict_image/functional.py",
}
RECORDER = '''def _ran(piece):  # the test's record: this piece ran, in the lesson's kernel or in the checks
    log = os.environ.get("CATDOG_PIECE_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{piece} {'check' if 'PYTEST_CURRENT_TEST' in os.environ else 'lesson'}\\n")

'''


def learner_piece(name):
    """The learner's text of piece ``name``, with a first line in its body that records the call."""
    if name == "train_model":
        from helpers import TUTORIAL_TRAIN_MODEL as text
    else:
        text = (GOOD / LEARNER_FILES[name]).read_text()
    function = next(node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name == name)
    first = function.body[0]
    lines = text.splitlines()
    indent = " " * first.col_offset
    lines.insert(first.lineno - 1, f'{indent}_ran("{name}")')
    return RECORDER + "\n".join(lines) + "\n"


def runtime_env(runtime, drive, **extra):
    """A new Colab runtime's environment: its own home, the copy's kit, the stand-in google.colab, one Drive."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CATDOG_", "PYTHON", "JUPYTER", "PYTEST_", "KAGGLE_", "TORCH_HOME", "XDG_"))}
    env.update(SMALL)
    home = runtime / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "PYTHONPATH": os.pathsep.join([str(runtime / "content" / "catdog-kit"), str(FAKE_COLAB)]),
        "CATDOG_FAKE_DRIVE": str(drive), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra)
    return env


def prepared_lesson(kit, name, extra_cells=(), stop_after=None):
    """Lesson ``name`` of the copy as a learner fills it: piece cells written, the clone folder this runtime's."""
    nb = nbformat.read(kit / "lessons" / f"{name}.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert COLAB_KIT in setup.source, "the setup cell does not name Colab's kit folder"
    setup.source = setup.source.replace(COLAB_KIT, str(kit))
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%piece "):
            piece = cell.source.split()[1]
            cell.source = f"%%piece {piece}\n" + learner_piece(piece)
    if stop_after is not None:
        last = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and stop_after in c.source)
        nb.cells = nb.cells[:last + 1]
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    return nb


def run_in_new_runtime(root, number, kit_copy, drive, name, **options):
    """Copy the kit into a new runtime, run lesson ``name`` there; ``(executed notebook, runtime, seconds)``."""
    from nbclient import NotebookClient

    runtime = root / f"runtime{number}"
    kit = runtime / "content" / "catdog-kit"
    shutil.copytree(kit_copy, kit, ignore=shutil.ignore_patterns("__pycache__", "my_pieces", "data", "runs"))
    env = runtime_env(runtime, drive, **options.pop("env", {}))
    for before in options.pop("before", ()):
        before(runtime)
    nb = prepared_lesson(kit, name, **options)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(runtime / "content")}})
    started = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - started
    nbformat.write(nb, runtime / f"{name}.ipynb")
    return nb, runtime, seconds


def fake_kaggle_token(runtime):
    folder = runtime / "home" / ".kaggle"
    folder.mkdir(parents=True)
    (folder / "kaggle.json").write_text(json.dumps({"username": "learner", "key": "0123456789abcdef"}))


@pytest.fixture(scope="module")
def course(tmp_path_factory, kit_copy, photos_root):
    root = tmp_path_factory.mktemp("colab")
    drive = root / "MyDrive"
    drive.mkdir()
    log = root / "pieces.log"
    (root / "uploads").mkdir()
    for name, label in zip(UPLOADS, ("cat", "dog")):
        shutil.copyfile(sorted((photos_root / "train").glob(f"{label}.*.jpg"))[0], root / "uploads" / name)
    uploads = os.pathsep.join(str(root / "uploads" / n) for n in UPLOADS)
    data = {"CATDOG_DATA": str(photos_root / "train")}
    runs, times = {}, {}
    plan = [
        (LESSONS[0], dict(before=[fake_kaggle_token])),
        (LESSONS[1], dict(extra_cells=["%hint split_items"])),
        (LESSONS[2], dict(extra_cells=["%hint split_items"])),
        (LESSONS[3], {}),
        (LESSONS[4], dict(env={"CATDOG_PIECE_LOG": str(log), "CATDOG_FAKE_UPLOADS": uploads})),
    ]
    for number, (name, options) in enumerate(plan, start=1):
        options.setdefault("env", {}).update(data)
        runs[name] = run_in_new_runtime(root, number, kit_copy, drive, name, **options)
        times[name[:2]] = runs[name][2]
    print("\ncourse as in Colab, seconds per lesson: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items())
          + f"; total {sum(times.values()):.0f}")
    return root, drive, log, runs


def errors(nb):
    return [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


def text_of(cell):
    parts = []
    for o in cell.outputs:
        parts.append(o.get("text", ""))
        parts.extend(str(v) for k, v in o.get("data", {}).items() if k in ("text/plain", "text/html"))
    return "\n".join(parts)


def code_cell(nb, start):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(start))


def test_every_lesson_ran_without_an_error(course):
    _, _, _, runs = course
    failed = {name: errors(nb) for name, (nb, _, _) in runs.items() if errors(nb)}
    assert not failed, failed


def test_every_runtime_kept_its_work_on_drive_and_found_the_last_ones(course):
    root, drive, _, runs = course
    for name, (nb, runtime, _) in runs.items():
        setup = text_of(code_cell(nb, "# Setup"))
        assert "Google Drive is mounted" in setup and "MyDrive/catdog/" in setup, (name, setup)
    pieces = sorted(p.stem for p in (drive / "catdog" / "my_pieces").glob("*.py"))
    assert pieces == sorted([*LEARNER_FILES, "train_model"])
    assert not list((root / "runtime5" / "content" / "catdog-kit").glob("my_pieces/*.py"))  # none on the VM
    # The Kaggle token of runtime 1 went to Drive, and came back in runtime 2, whose home had none.
    assert (drive / "catdog" / "kaggle.json").is_file()
    assert (root / "runtime2" / "home" / ".kaggle" / "kaggle.json").is_file()
    assert "Your Kaggle token came from Drive" in text_of(code_cell(runs[LESSONS[1]][0], "# Setup"))
    # The hints seen carried too: runtime 3's %hint is the second one.
    assert "Hint 1 of 3" in text_of(runs[LESSONS[1]][0].cells[-1])
    assert "Hint 2 of 3" in text_of(runs[LESSONS[2]][0].cells[-1])


def test_every_computing_cell_shows_something(course):
    _, _, _, runs = course
    quiet = [f"{name}: {c.source.splitlines()[0]}" for name, (nb, _, _) in runs.items() for c in nb.cells
             if c.cell_type == "code" and not c.outputs and not c.source.startswith("%%piece")
             and not c.source.startswith("# The names every piece may use")]
    assert quiet == [], quiet


def test_the_plots_each_lesson_promises(course):
    _, _, _, runs = course
    images = {name[:2]: sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                            for o in c.outputs) for name, (nb, _, _) in runs.items()}
    # 01 speed; 02 balance, sizes, sample, odd ones, split, overlap; 03 eight crops, batch;
    # 04 parameters, schedule, curves, two predictions; 05 curves, confusion, top losses
    assert images == {"01": 1, "02": 6, "03": 2, "04": 5, "05": 3}


def table_rows(cell):
    """``{piece: line}`` of a pieces table's text."""
    text = next(o["data"]["text/plain"] for o in cell.outputs if "data" in o)
    return {line.split()[0]: line for line in text.splitlines()[2:-1]}, text.splitlines()[-1]


def test_lesson05_trained_with_every_piece_of_the_learner_and_its_table_says_so(course):
    _, drive, log, runs = course
    nb = runs[LESSONS[4]][0]
    versions, footer = table_rows(code_cell(nb, "pieces = learner_pieces("))
    assert footer == "10 of 10 pieces are yours" and all(" yours " in row for row in versions.values())
    tables = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("pieces.table(")]
    after_training, at_the_end = (table_rows(c) for c in tables)
    assert after_training[0]["predict_image"].endswith("not called yet: it classifies the photos further down")
    rows, footer = at_the_end
    assert footer == "10 of 10 pieces are yours; 10 of 10 ran here, 10 of them yours"
    assert "from make_loaders" in rows["build_transforms"] and "from predict_image" in rows["build_transforms"]
    assert rows["run_epoch"].endswith("never from your train_model, which makes its own passes over the data")
    assert rows["make_loaders"].endswith("its loaders trained the model")  # the learner's, by default
    # Their train_model ran once, with all the epochs, and what it prints is in the notebook.
    trained = text_of(code_cell(nb, "curves = live_curves()"))
    assert "Epoch 0/0" in trained and trained.count("val Loss: ") == 1  # CATDOG_EPOCHS=1: its lines, once
    # The record the pieces wrote themselves: each ran in the lesson's kernel, not only in the checks.
    ran = {line.split()[0] for line in log.read_text().splitlines() if line.endswith(" lesson")}
    assert ran == {*LEARNER_FILES, "train_model"}
    # What lesson 05 keeps went to Drive.
    assert (drive / "catdog" / "runs" / "lesson05" / "model.pt").is_file()
    assert list((drive / "catdog" / "runs" / "lesson05").glob("checkpoint-classic-32px-40.pt"))


def test_lesson05_classified_the_examples_and_the_uploads(course):
    _, drive, _, runs = course
    nb = runs[LESSONS[4]][0]
    cards = text_of(code_cell(nb, "examples = "))
    assert cards.count("data:image/jpeg;base64") == 2
    uploaded = text_of(code_cell(nb, "upload_box("))
    assert uploaded.count("data:image/jpeg;base64") == len(UPLOADS) and all(n in uploaded for n in UPLOADS)
    assert len(list((drive / "catdog" / "runs" / "lesson05" / "uploads").iterdir())) == 2 + len(UPLOADS)


def test_lesson05_runs_the_experiment_and_says_what_it_shows(course):
    _, _, _, runs = course
    shown = text_of(code_cell(runs[LESSONS[4]][0], "comparison = compare_starts("))
    assert "random weights" in shown and "the lesson's run above" in shown
    assert shown.count("not run: it needs ImageNet's weights (resnet18-") == 2  # offline, none cached: one line each
    assert "From random weights the model reached" in shown


def test_lesson05_on_the_fast_loaders(course, kit_copy, photos_root):
    """The fast loaders (photos decoded once, batches augmented on the device), chosen with CATDOG_FAST=1."""
    root, drive, _, _ = course
    nb, _, _ = run_in_new_runtime(root, 6, kit_copy, drive, LESSONS[4], stop_after="pieces.table(",
                                  env={"CATDOG_FAST": "1", "CATDOG_DATA": str(photos_root / "train")})
    assert not errors(nb), errors(nb)
    rows, _ = table_rows(next(c for c in nb.cells if c.source.startswith("pieces.table(")))
    assert "not in training: the fast loaders do its work on the device" in rows["build_transforms"]
    assert "not in training: the fast loaders made the batches" in rows["make_loaders"]  # measured, not trained with
    assert "ran (" in rows["train_model"] and "ran (" in rows["build_model"]
    assert (drive / "catdog" / "runs" / "lesson05" / "checkpoint-fast-32px-40.pt").is_file()


def test_lesson05_after_a_disconnect_resumes_from_its_checkpoint_on_drive(course, kit_copy, photos_root):
    root, drive, _, _ = course
    nb, _, _ = run_in_new_runtime(root, 7, kit_copy, drive, LESSONS[4], stop_after="run = train_on_folder(",
                                  env={"CATDOG_DATA": str(photos_root / "train")})
    assert not errors(nb), errors(nb)
    text = "".join(text_of(c) for c in nb.cells if c.cell_type == "code")
    assert "(found: resuming)" in text and "nothing to train" in text
