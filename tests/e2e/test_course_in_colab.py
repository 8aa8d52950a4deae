"""The whole course as a learner takes it in Colab, in Colab's own versions: lessons 01 to 05, each in a runtime of its own.

The kernels run a Python with Colab's versions (``colab_env.py``: Python 3.13,
IPython 7.34, ipykernel 6.17.1, ipywidgets 7.7.1, traitlets 5.7.1, kaggle
2.0.2, pytest 8.4.2, notebook 6.5.7, nbclient 0.10; torch as the registry
serves it), with the stand-in ``google.colab`` of ``fake_colab/`` installed
beside them. Each lesson gets a new runtime: a new home, a new working folder
(``/content``), a new environment over Colab's packages. There the setup
cell takes its real branch: ``git clone`` of the kit's address (redirected by
git's own ``url.<base>.insteadOf`` to a local repository holding the kit),
``pip install -e`` of the clone, ``%load_ext``; no ``PYTHONPATH``. All the
runtimes share one folder that the stand-in's ``drive.mount`` maps to
``MyDrive``: what the course keeps there is all that carries from one lesson
to the next. After each install the test checks that pip added only the kit
and pytest-timeout, and replaced nothing of Colab's.

The lessons run as released (``lessons/``): in 01 to 04 each ``%%piece`` cell
gets a learner's version, correct but written differently from the reference
(``tests/checks/good/``, and the tutorial's own loop for ``train_model``), and
each of them writes a line to a log when it runs. Lesson 05 trains with them;
Run All reaches its last cell with no photo uploaded, and only then does the
test choose two photos in the upload box, as Colab's front end sends them
(``google.colab.kernel.invokeFunction``, played by the stand-in's
``output.invoke``). Lesson 05 runs twice more: on the fast loaders, and after
a "disconnect", to resume.
"""
import ast
import base64
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from .colab_env import MAY_ADD, added_packages, base_freeze, colab_base, new_runtime
from .conftest import KIT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

GOOD = KIT / "tests" / "checks" / "good"
COLAB_KIT = "/content/catdog-kit"
KIT_GIT_URL = "https://github.com/catdog-course/catdog-kit.git"
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


@pytest.fixture(scope="module")
def colab(tmp_path_factory, kit_copy):
    """Colab's image (built once per machine) and the kit's repository that the setup cell clones."""
    started = time.perf_counter()
    base_python, built = colab_base()
    ready = time.perf_counter() - started
    repo = tmp_path_factory.mktemp("github") / "catdog-kit"
    shutil.copytree(kit_copy, repo, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info"))
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@localhost"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "the kit"]):
        subprocess.run(git + args, check=True, capture_output=True)
    print(f"\nColab environment {base_python.parent.parent}: " +
          (f"built in {built:.0f} s" if built else f"already built (checked in {ready:.1f} s)"))
    return base_python, repo, base_freeze(base_python)


def runtime_env(runtime, drive, repo, **extra):
    """A new Colab runtime's environment: its own home, the stand-in's Drive, the kit's address pointing at ``repo``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CATDOG_", "PYTHON", "JUPYTER", "PYTEST_", "KAGGLE_", "TORCH_HOME", "XDG_",
                                "VIRTUAL_ENV", "GIT_", "MPL"))}
    env.update(SMALL)
    home = runtime / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "CATDOG_FAKE_DRIVE": str(drive), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{repo.as_uri()}.insteadOf", "GIT_CONFIG_VALUE_0": KIT_GIT_URL,
    })
    env.update(extra)
    return env


def prepared_lesson(kit_copy, kit, name, extra_cells=(), stop_after=None):
    """Lesson ``name`` as a learner fills it: piece cells written, the clone going to this runtime's /content."""
    nb = nbformat.read(kit_copy / "lessons" / f"{name}.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert COLAB_KIT in setup.source and KIT_GIT_URL in setup.source, "the setup cell does not clone the kit into /content"
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


def run_in_new_runtime(root, number, colab, kit_copy, drive, name, then=None, **options):
    """Lesson ``name`` in a new runtime; ``then(client, nb)`` acts after Run All, in the same kernel.

    Returns ``(executed notebook, runtime, seconds, what pip added to the runtime)``.
    """
    from nbclient import NotebookClient

    from .test_colab_path import kernel_manager

    base_python, repo, _ = colab
    runtime = root / f"runtime{number}"
    content = runtime / "content"
    content.mkdir(parents=True)
    python = new_runtime(runtime / "python", base_python)
    env = runtime_env(runtime, drive, repo, **options.pop("env", {}))
    for before in options.pop("before", ()):
        before(runtime)
    nb = prepared_lesson(kit_copy, content / "catdog-kit", name, **options)
    client = NotebookClient(nb, km=kernel_manager(runtime, python, env), timeout=900, allow_errors=True,
                            resources={"metadata": {"path": str(content)}})
    started = time.perf_counter()
    try:
        with client.setup_kernel(env=env):  # exactly this environment (a kernelspec's env adds to ours)
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            if then is not None:
                then(client, nb)
    finally:
        if client.km.has_kernel:  # nbclient leaves a kernel manager it was handed running
            client.km.shutdown_kernel(now=True)
    seconds = time.perf_counter() - started
    nbformat.write(nb, runtime / f"{name}.ipynb")
    return nb, runtime, seconds, added_packages(python)


def fake_kaggle_token(runtime):
    folder = runtime / "home" / ".kaggle"
    folder.mkdir(parents=True)
    (folder / "kaggle.json").write_text(json.dumps({"username": "learner", "key": "0123456789abcdef"}))


def upload_box_settings(cell):
    """The settings the upload box's script was given (its id, callback, chunk size), from the cell's HTML."""
    page = text_of(cell)
    return json.loads(re.search(r"const s = (\{.*?\});", page).group(1))


def choose_photos(paths):
    """The learner picks ``paths`` in lesson 05's upload box: the calls Colab's front end makes for its script."""
    def then(client, nb):
        box = upload_box_settings(code_cell(nb, "upload_box("))
        calls = []
        for path in paths:
            data = Path(path).read_bytes()
            count = max(1, -(-len(data) // box["chunk"]))
            for i in range(count):
                part = base64.b64encode(data[i * box["chunk"]:(i + 1) * box["chunk"]]).decode()
                calls.append([box["box"], Path(path).name, i, count, part, len(data)])
        cell = nbformat.v4.new_code_cell(
            "from google.colab import output\nimport json\n"
            f"replies = [output.invoke({box['callback']!r}, args) for args in json.loads({json.dumps(json.dumps(calls))})]\n"
            "from IPython.display import HTML\nHTML(replies[-1]['data']['application/json']['html'])  # what the page shows")
        cell.metadata["frontend"] = True
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
    return then


@pytest.fixture(scope="module")
def course(tmp_path_factory, colab, kit_copy, photos_root):
    root = tmp_path_factory.mktemp("colab")
    drive = root / "MyDrive"
    drive.mkdir()
    log = root / "pieces.log"
    (root / "uploads").mkdir()
    for name, label in zip(UPLOADS, ("cat", "dog")):
        shutil.copyfile(sorted((photos_root / "train").glob(f"{label}.*.jpg"))[0], root / "uploads" / name)
    data = {"CATDOG_DATA": str(photos_root / "train")}
    runs, times = {}, {}
    plan = [
        (LESSONS[0], dict(before=[fake_kaggle_token])),
        (LESSONS[1], dict(extra_cells=["%hint split_items"])),
        (LESSONS[2], dict(extra_cells=["%hint split_items"])),
        (LESSONS[3], {}),
        (LESSONS[4], dict(env={"CATDOG_PIECE_LOG": str(log), "CATDOG_FAKE_UPLOADS_LOG": str(root / "pickers.log")},
                          then=choose_photos([root / "uploads" / n for n in UPLOADS]))),
    ]
    for number, (name, options) in enumerate(plan, start=1):
        options.setdefault("env", {}).update(data)
        runs[name] = run_in_new_runtime(root, number, colab, kit_copy, drive, name, **options)
        times[name[:2]] = runs[name][2]
    print("\ncourse in Colab's versions, seconds per lesson (setup cell's clone and install included): "
          + ", ".join(f"{k} {v:.0f}" for k, v in times.items()) + f"; total {sum(times.values()):.0f}")
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
    failed = {name: errors(nb) for name, (nb, *_) in runs.items() if errors(nb)}
    assert not failed, failed


def test_every_runtime_kept_its_work_on_drive_and_found_the_last_ones(course):
    root, drive, _, runs = course
    for name, (nb, runtime, *_) in runs.items():
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
    quiet = [f"{name}: {c.source.splitlines()[0]}" for name, (nb, *_) in runs.items() for c in nb.cells
             if c.cell_type == "code" and not c.outputs and not c.source.startswith("%%piece")
             and not c.source.startswith("# The names every piece may use")]
    assert quiet == [], quiet


def test_the_plots_each_lesson_promises(course):
    _, _, _, runs = course
    images = {name[:2]: sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                            for o in c.outputs) for name, (nb, *_) in runs.items()}
    # 01 speed; 02 balance, sizes, sample, odd ones, split, overlap; 03 eight crops, batch;
    # 04 parameters, schedule, the overfit batch, curves, the prediction grid, two predictions;
    # 05 the two loader-against-device plots, curves, confusion, top losses, two heat-map grids
    assert images == {"01": 1, "02": 6, "03": 2, "04": 7, "05": 7}


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


def test_lesson05_run_all_reached_its_last_cell_with_no_upload_then_classified_the_photos_chosen(course):
    root, drive, _, runs = course
    nb = runs[LESSONS[4]][0]
    cards = text_of(code_cell(nb, "examples = "))
    assert cards.count("data:image/jpeg;base64") == 2
    # Run All went past the box: every cell of the lesson ran, the last one (%progress) included,
    # before anyone chose a photo; Colab's blocking picker (files.upload) was never opened.
    lesson = [c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("frontend")]
    assert lesson[-1].source.startswith("%progress") and lesson[-1].outputs
    assert all(c.get("execution_count") for c in lesson), "a cell of lesson 05 did not run"
    assert not (root / "pickers.log").exists(), "the lesson opened files.upload(), which waits for a person"
    box = text_of(code_cell(nb, "upload_box("))
    assert '<input type="file" accept="image/*" multiple>' in box and "google.colab.kernel.invokeFunction" in box
    assert "data:image/jpeg;base64" not in box
    # Then the learner chose two photos in the box: the cards its script shows under it.
    chosen = text_of(nb.cells[-1])
    assert nb.cells[-1].metadata.get("frontend") and not errors(nb)
    assert chosen.count("data:image/jpeg;base64") == 1 and UPLOADS[-1] in chosen  # the reply to the last photo
    assert len(list((drive / "catdog" / "runs" / "lesson05" / "uploads").iterdir())) == 2 + len(UPLOADS)


def test_each_runtime_cloned_and_installed_the_kit_and_replaced_nothing_of_colabs(course, colab):
    base_python, _, freeze_before = colab
    root, _, _, runs = course
    for name, (nb, runtime, _, added) in runs.items():
        assert (runtime / "content" / "catdog-kit" / ".git").is_dir(), f"{name}: the setup cell did not clone the kit"
        assert "catdog_lib" in added, f"{name}: the setup cell did not pip install -e the kit: {added}"
        assert set(added) <= MAY_ADD, f"{name}: the kit's install added or replaced {set(added) - MAY_ADD}"
    assert base_freeze(base_python) == freeze_before, "Colab's own packages changed"


def test_lesson05_runs_the_experiment_and_says_what_it_shows(course):
    _, _, _, runs = course
    shown = text_of(code_cell(runs[LESSONS[4]][0], "comparison = compare_starts("))
    assert "random weights" in shown and "the lesson's run above" in shown
    assert shown.count("not run: it needs ImageNet's weights (resnet18-") == 2  # offline, none cached: one line each
    assert "From random weights the model reached" in shown


def test_lesson05_on_the_fast_loaders(course, colab, kit_copy, photos_root):
    """The fast loaders (photos decoded once, batches augmented on the device), chosen with CATDOG_FAST=1."""
    root, drive, _, _ = course
    nb, *_ = run_in_new_runtime(root, 6, colab, kit_copy, drive, LESSONS[4], stop_after="pieces.table(",
                                  env={"CATDOG_FAST": "1", "CATDOG_DATA": str(photos_root / "train")})
    assert not errors(nb), errors(nb)
    rows, _ = table_rows(next(c for c in nb.cells if c.source.startswith("pieces.table(")))
    assert "not in training: the fast loaders do its work on the device" in rows["build_transforms"]
    assert "not in training: the fast loaders made the batches" in rows["make_loaders"]  # measured, not trained with
    assert "ran (" in rows["train_model"] and "ran (" in rows["build_model"]
    assert (drive / "catdog" / "runs" / "lesson05" / "checkpoint-fast-32px-40.pt").is_file()


def test_lesson05_after_a_disconnect_resumes_from_its_checkpoint_on_drive(course, colab, kit_copy, photos_root):
    root, drive, _, _ = course
    nb, *_ = run_in_new_runtime(root, 7, colab, kit_copy, drive, LESSONS[4], stop_after="run = train_on_folder(",
                                  env={"CATDOG_DATA": str(photos_root / "train")})
    assert not errors(nb), errors(nb)
    text = "".join(text_of(c) for c in nb.cells if c.cell_type == "code")
    assert "(found: resuming)" in text and "nothing to train" in text
