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
    assert env["CATDOG_WEIGHTS"] == "none"  # nothing cached, no network needed
    assert "CATDOG_LR" not in env  # random weights: the lessons take the from-scratch recipe's
    assert env["CATDOG_WORKSPACE"] == str(tmp_path / "my_pieces")
    cached = tmp_path / "th" / "hub" / "checkpoints" / "resnet18-f37072fd.pth"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x")
    assert "CATDOG_WEIGHTS" not in demo_environment(tmp_path, base={"TORCH_HOME": str(tmp_path / "th")}, on_cpu=True)
    assert "CATDOG_SIZE" not in demo_environment(tmp_path, base={}, on_cpu=False)


def test_demo_runs_each_notebook_into_a_dated_folder(course, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CATDOG_SIZE", "40")
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


def test_a_failing_notebook_is_named_in_one_line_and_the_others_still_run(course, tmp_path):
    write_notebook(course / "01_first.ipynb", "raise ValueError('the photos are missing')")
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
