"""`catdog demo`: notebooks run in order, executed copies and HTML in a dated folder, failures in one line."""
import re

import nbformat
import pytest

from catdog_lib.course.demo import SMALL_ON_CPU, demo_environment, run_course, run_demo
from catdog_lib.errors import CatdogError


def write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "solutions"
    folder.mkdir()
    write_notebook(folder / "01_first.ipynb", "import os\nprint('size', os.environ['CATDOG_SIZE'])",
                   "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()")
    write_notebook(folder / "02_second.ipynb", "print('two')")
    return folder


def test_environment_is_small_on_a_cpu_and_keeps_what_is_set(tmp_path):
    env = demo_environment(tmp_path, base={"CATDOG_EPOCHS": "7", "TORCH_HOME": str(tmp_path / "none")}, on_cpu=True)
    assert env["CATDOG_EPOCHS"] == "7" and env["CATDOG_SIZE"] == SMALL_ON_CPU["CATDOG_SIZE"]
    assert "CATDOG_WEIGHTS" not in env and "CATDOG_LR" not in env  # start_weights decides, with the network
    assert env["CATDOG_WORKSPACE"] == str(tmp_path / "my_pieces")
    assert demo_environment(tmp_path, base={}, on_cpu=True, weights="none")["CATDOG_WEIGHTS"] == "none"
    assert "CATDOG_SIZE" not in demo_environment(tmp_path, base={}, on_cpu=False)


def test_demo_runs_each_notebook_into_a_dated_folder(course, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CATDOG_SIZE", "40")
    monkeypatch.setenv("CATDOG_WEIGHTS", "none")
    out = tmp_path / "demo_runs" / "2026-01-01_000000"
    run_demo(out_dir=out, solutions_dir=course)
    said = capsys.readouterr().out
    assert f"are in {out}" in said and re.search(r"01_first.html\s+\d+ s\s+ok", said)
    for stem in ("01_first", "02_second"):
        assert (out / f"{stem}.ipynb").is_file() and (out / f"{stem}.html").is_file()
    executed = nbformat.read(out / "01_first.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "size 40\n"
    assert "image/png" in executed.cells[1].outputs[0]["data"]
    assert "<img" in (out / "01_first.html").read_text()


def test_a_failing_notebook_is_named_in_one_line_and_the_others_still_run(course, tmp_path, monkeypatch):
    write_notebook(course / "01_first.ipynb", "raise ValueError('the photos are missing')")
    monkeypatch.setenv("CATDOG_WEIGHTS", "none")
    results = run_course(sorted(course.glob("*.ipynb")), tmp_path / "out", report=lambda line: None)
    assert results["01_first.ipynb"][1] == "ValueError: the photos are missing"
    assert results["02_second.ipynb"][1] is None
    with pytest.raises(CatdogError, match=r"1 notebook\(s\) failed \(01_first.ipynb\)"):
        run_demo(out_dir=tmp_path / "again", solutions_dir=course)


def test_relative_paths_are_made_absolute_for_the_kernels(tmp_path, monkeypatch):
    """`CATDOG_DATA=../photos make demo`: the kernels run elsewhere, so the path must not stay relative."""
    (tmp_path / "photos").mkdir()
    monkeypatch.chdir(tmp_path / "photos")
    env = demo_environment(tmp_path / "run", base={"CATDOG_DATA": "../photos", "CATDOG_CACHE": "cache"}, on_cpu=False)
    assert env["CATDOG_DATA"] == str(tmp_path / "photos")
    assert env["CATDOG_CACHE"] == str(tmp_path / "photos" / "cache")


def test_settings_find_a_data_path_given_from_the_kit_root(tmp_path, monkeypatch):
    """`CATDOG_DATA=photos make lab`: the kernel's folder is lessons/, the path is from the kit's root."""
    from catdog_lib.paths import kit_root
    from catdog_lib.notebook.settings import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CATDOG_DATA", "solutions")  # a folder that exists under the kit's root only
    assert load_settings().data == kit_root() / "solutions"
    monkeypatch.setenv("CATDOG_DATA", "no-such-folder")
    with pytest.raises(CatdogError, match="is not a folder"):
        load_settings()


def test_the_kernels_say_nothing_about_their_transport(tmp_path):
    """ipykernel 7.4 warns, once a notebook, that it runs over TCP without encryption: noise in an instructor's demo."""
    import subprocess
    import sys

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    code = ("from catdog_lib.course.demo import run_notebook; "
            f"print(run_notebook({str(tmp_path / 'tiny.ipynb')!r}, {str(tmp_path / 'out')!r}, html=False)[1])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "None", done.stderr
    assert nbformat.read(tmp_path / "out" / "tiny.ipynb", as_version=4).cells[0].outputs[0]["text"] == "42\n"
    assert "without encryption" not in done.stderr, done.stderr


def test_a_notebooks_kernel_and_warm_judge_are_gone_before_the_next_notebook_runs(tmp_path):
    """make demo runs the course one notebook after another: only one notebook's kernel (about 0.9 GB, and
    as much for its warm judge) may be alive at a time."""
    import json

    import psutil

    from catdog_lib.course.demo import run_notebook

    first = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, os, time\n"
        "from catdog_lib.course import warm\n"
        "from catdog_lib.paths import checks_dir\n"
        "judge = warm.shared(checks_dir())\n"
        "print(json.dumps({'kernel': os.getpid(), 'judge': judge.process.pid if judge and judge.process else None}))")])
    nbformat.write(first, tmp_path / "first.ipynb")
    _, error = run_notebook(tmp_path / "first.ipynb", tmp_path / "out", html=False, timeout=120)
    assert error is None, error
    pids = json.loads(nbformat.read(tmp_path / "out" / "first.ipynb", as_version=4).cells[0].outputs[0]["text"])
    assert pids["judge"], "the first notebook started no warm judge: nothing to test"

    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import psutil\n"
        f"pids = {[pids['kernel'], pids['judge']]!r}\n"
        "print([p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE])")])
    nbformat.write(second, tmp_path / "second.ipynb")
    _, error = run_notebook(tmp_path / "second.ipynb", tmp_path / "out", html=False, timeout=120)
    assert error is None, error
    assert nbformat.read(tmp_path / "out" / "second.ipynb", as_version=4).cells[0].outputs[0]["text"] == "[]\n"
    assert not [p for p in pids.values() if psutil.pid_exists(p)]


# --- The demo's ImageNet weights, from a stand-in for download.pytorch.org on 127.0.0.1 -------------------------

@pytest.fixture
def weights_server(tmp_path, monkeypatch):
    """A ResNet18 state dict served as ``/models/resnet18-<its sha256 prefix>.pth``; ``CATDOG_WEIGHTS_URL`` names it.

    Every float weight is 0.5, so a notebook can tell these weights were loaded.
    """
    import hashlib
    import io
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import torch
    from torchvision import models

    state = {k: torch.full_like(v, 0.5) if v.is_floating_point() else v for k, v in models.resnet18().state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    name = f"resnet18-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    served = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            served.append(self.path)
            ok = self.path == f"/models/{name}"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Length", str(len(data) if ok else 0))
            self.end_headers()
            if ok:
                self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("CATDOG_WEIGHTS_URL", f"http://127.0.0.1:{httpd.server_address[1]}/models/{name}")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("CATDOG_WEIGHTS", raising=False)
    yield served
    httpd.shutdown()
    httpd.server_close()


def test_online_the_demo_fine_tunes_imagenet_weights_it_downloads_and_says_so(weights_server, tmp_path, capfd):
    folder = tmp_path / "solutions"
    folder.mkdir()
    write_notebook(folder / "01_weights.ipynb", "import os\nfrom torchvision import models\n"
                   "model = models.resnet18(weights=os.environ.get('CATDOG_WEIGHTS', 'DEFAULT'))\n"
                   "print('first weight', float(model.conv1.weight.flatten()[0]))")
    said = []
    run_demo(out_dir=tmp_path / "run", solutions_dir=folder, report=said.append)
    assert len(weights_server) == 1  # downloaded once, by torch.hub
    cached = tmp_path / "torch" / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    assert cached.is_file()
    assert said[0].startswith("Downloading ImageNet's ResNet18 weights with torchvision's download")
    assert f"Fine-tuning from ImageNet's weights ({cached}), as the course teaches." in said
    assert "%" in capfd.readouterr().err  # torch.hub's progress bar
    executed = nbformat.read(tmp_path / "run" / "01_weights.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "first weight 0.5\n"  # the kernel loaded the served weights

    from catdog_lib.course.demo import start_weights

    said = []  # again: found in the cache, nothing downloaded
    assert start_weights(demo_environment(tmp_path, on_cpu=True), said.append) == cached
    assert len(weights_server) == 1 and len(said) == 1 and said[0].startswith("Fine-tuning from ImageNet's weights")


def test_offline_or_with_weights_none_one_line_says_random_weights_and_why(weights_server, tmp_path, monkeypatch):
    from catdog_lib.course.demo import start_weights

    env = demo_environment(tmp_path, base=dict(__import__("os").environ), on_cpu=True, weights="none")
    said = []
    assert start_weights(env, said.append) is None and not weights_server
    assert len(said) == 1 and said[0].startswith("The model starts from random weights (CATDOG_WEIGHTS=none, or "
                                                 "--weights none): on the demo's few photos")
    assert "near chance (about 50 %)" in said[0]

    monkeypatch.setenv("CATDOG_WEIGHTS_URL", "http://127.0.0.1:9/models/resnet18-f37072fd.pth")  # no server
    env = demo_environment(tmp_path, base=dict(__import__("os").environ), on_cpu=True)
    said = []
    assert start_weights(env, said.append) is None
    assert env["CATDOG_WEIGHTS"] == "none"
    assert said[-1].startswith("No ImageNet weights (could not download the ImageNet weights")
    assert "so the model starts from random weights: on the demo's few photos" in said[-1] and "\n" not in said[-1]
