"""Small faults of the ``catdog`` command (issue 20), each met as a user meets it: a subprocess, its words.

- ``prepare --val-fraction``: a split that leaves a label out of train advises a *smaller* fraction;
- a file whose name holds a newline stays on one line of the skipped-files list;
- ``train --out`` that cannot be written is refused before any training;
- ``predict`` refuses a FIFO (as the photo or as the model) at once instead of waiting forever;
- a model file holding a pickle that would run code is refused in one clean line, with no torch warning;
- ``prepare`` refusing an archive leaves no ``--dest`` it made behind (and keeps one that was there).
"""
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import torch

from catdog_lib.prepare import report_skipped
from helpers import photo_items


def catdog(*args, timeout=120):
    env = dict(os.environ, PYTHONWARNINGS="ignore::ResourceWarning", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "catdog_lib", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def in_process(capsys, *args):
    """``catdog ARGS`` run by its ``main`` in this process (no torch to import again): ``(code, stdout, stderr)``."""
    from catdog_lib.cli import main

    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    return lines[0]


@pytest.fixture
def few_photos(photos_dir, tmp_path):
    """A folder of 3 real cats and 3 real dogs."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for path, _ in photo_items(photos_dir, 3):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.mark.parametrize("fraction,advice", [("0.99", "a smaller val_fraction"), ("0.01", "a larger val_fraction")])
def test_val_fraction_advice_points_the_right_way(few_photos, tmp_path, fraction, advice, capsys):
    dest = tmp_path / "data"
    result = in_process(capsys, "prepare", "--source", "folder", "--from", few_photos, "--dest", dest,
                        "--val-fraction", fraction)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert advice in line, line
    part = "train" if advice.endswith("smaller val_fraction") else "val"
    assert f"the {part} set has no" in line, line
    assert not dest.exists()  # made by the refused call: not left behind


def test_a_name_with_a_newline_stays_on_one_line(few_photos, tmp_path, capsys):
    odd = few_photos / "notes\ncat.9.jpg"
    odd.write_bytes(b"not a photo at all")
    lines = []
    report_skipped([(odd, "not an image Pillow can read")], report=lines.append)
    assert all("\n" not in line for line in lines), lines
    assert any("notes\\ncat.9.jpg" in line for line in lines), lines
    result = in_process(capsys, "prepare", "--source", "folder", "--from", few_photos, "--dest", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    listed = [line for line in result.stdout.splitlines() if "cat.9.jpg" in line]
    assert len(listed) == 1 and listed[0].startswith("  ") and "notes\\ncat.9.jpg" in listed[0], result.stdout


@pytest.fixture
def data_folder(tmp_path):
    """A folder that passes catdog train's first look (train/ and val/), with no photo in it: training it
    would fail at once with another message, so a refusal that names --out came before any training."""
    data = tmp_path / "data"
    for split in ("train", "val"):
        for label in ("cat", "dog"):
            (data / split / label).mkdir(parents=True)
    return data


def unwritable_folder(tmp_path):
    """A folder no file can be written into: read-only for a user; for root (CI), /proc."""
    if os.geteuid() == 0:
        if not Path("/proc/self").is_dir():
            pytest.skip("root, and no /proc to stand for a folder that cannot be written")
        return Path("/proc")
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def test_an_unwritable_out_is_refused_before_training(data_folder, tmp_path):  # a process: its time is the user's
    out = unwritable_folder(tmp_path) / "runs" / "latest"
    start = time.perf_counter()
    result = catdog("train", "--data", data_folder, "--out", out, "--epochs", "1", "--weights", "none",
                    "--device", "cpu")
    took = time.perf_counter() - start
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"catdog train: --out {out} cannot be written"), line
    assert "epoch" not in result.stdout.lower(), result.stdout
    assert not out.exists()
    print(f"refused in {took:.1f} s")


def test_an_out_below_a_file_is_refused_before_training(data_folder, tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    result = in_process(capsys, "train", "--data", data_folder, "--out", tmp_path / "a_file" / "run",
                        "--weights", "none", "--device", "cpu")
    assert result.returncode == 1
    assert "is a file, not a folder" in one_line(result.stderr)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A model bundle of an untrained ResNet18 at 32 px, as catdog train writes one."""
    from catdog_lib.model import build_model
    from catdog_lib.train.bundle import save_bundle

    torch.manual_seed(0)
    return save_bundle(tmp_path_factory.mktemp("bundle") / "model.pt", build_model(2, weights=None), ["cat", "dog"], 32)


def test_predict_refuses_a_fifo_at_once(bundle, photos_dir, tmp_path, capsys):
    fifo = tmp_path / "cat.1.jpg"
    os.mkfifo(fifo)
    photo = photo_items(photos_dir, 1)[0][0]
    result = catdog("predict", "--model", bundle, fifo, photo, timeout=60)  # before: waited for a writer forever
    assert result.returncode == 1
    assert f"catdog predict: cannot read {fifo}: a FIFO (named pipe), not a photo" in result.stderr, result.stderr
    assert f"{photo}: " in result.stdout  # the other photo is still classified
    result = in_process(capsys, "predict", "--model", fifo, photo)  # refused before anything reads it
    assert result.returncode == 1
    assert one_line(result.stderr) == f"catdog predict: --model {fifo} is a FIFO (named pipe), not a model file"


class RunsCode:
    """What a booby-trapped model file holds: unpickling it would call os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_model_that_would_run_code_is_refused_in_one_clean_line(bundle, photos_dir, tmp_path):
    marker = tmp_path / "it_ran"
    model = tmp_path / "model.pt"
    torch.save({"format": "catdog-bundle", "state_dict": RunsCode(marker)}, model)
    photo = photo_items(photos_dir, 1)[0][0]
    result = catdog("predict", "--model", model, photo)
    assert result.returncode == 1
    line = one_line(result.stderr)  # before: torch's UserWarning, and its message cut mid-word
    assert line == (f"catdog predict: {model} holds Python objects that could run code when loaded (posix.system): "
                    "refused; load only a model.pt written by catdog train"), line
    assert not marker.exists()


def unsafe_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cat.1.jpg", b"x")
        archive.writestr("../escaped.jpg", b"y")
    return path


def test_a_refused_archive_leaves_no_dest_behind(tmp_path, capsys):
    archive = unsafe_zip(tmp_path / "photos.zip")
    dest = tmp_path / "new" / "data"
    result = in_process(capsys, "prepare", "--source", "folder", "--from", archive, "--dest", dest)
    assert result.returncode == 1
    assert "refusing to unpack" in one_line(result.stderr)
    assert not (tmp_path / "new").exists()  # dest and the folder above it, both made by the call
    assert not (tmp_path / "escaped.jpg").exists()
    kept = tmp_path / "kept"
    (kept / "mine").mkdir(parents=True)
    (kept / "mine" / "notes.txt").write_text("the user's")
    result = in_process(capsys, "prepare", "--source", "folder", "--from", archive, "--dest", kept)
    assert result.returncode == 1
    assert (kept / "mine" / "notes.txt").read_text() == "the user's"  # a folder that was there stays
