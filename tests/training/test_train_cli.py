"""catdog train and catdog predict: end to end in subprocesses, and their errors through the CLI's main()."""
import json
import os
import subprocess
import sys

import pytest

from catdog_lib.cli import main


def catdog(*args, env=None):
    """The real command in a new process, as a learner runs it."""
    return subprocess.run([sys.executable, "-m", "catdog_lib", *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=env)


def catdog_here(capsys, *args):
    """The same CLI in this process (no second torch import): ``(exit status, stdout, stderr)``."""
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line_error(status, err, *fragments):
    assert status != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def trained(arranged_photos, tmp_path_factory):
    """``catdog train`` for one epoch at 32 px from random weights, in a subprocess."""
    out = tmp_path_factory.mktemp("run") / "out"
    result = catdog("train", "--data", arranged_photos, "--epochs", 1, "--size", 32, "--batch-size", 16,
                    "--weights", "none", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1: train loss" in result.stdout and f"saved into {out}/" in result.stdout
    # Into a pipe: a line per epoch, no progress bar redrawing itself (issue 15: logs of 150 KB).
    assert "\r" not in result.stdout + result.stderr and "batch/s" not in result.stderr, result.stderr[-500:]
    return out


@pytest.mark.slow
def test_train_writes_the_bundle_history_plots_and_checkpoint(trained):
    for name in ("model.pt", "history.json", "curves.png", "confusion_matrix.png", "top_losses.png",
                 "checkpoint.pt"):
        assert (trained / name).is_file(), name
    history = json.loads((trained / "history.json").read_text())
    assert {key: len(values) for key, values in history.items()} == \
        {"train_loss": 1, "train_acc": 1, "val_loss": 1, "val_acc": 1, "lr": 1}


@pytest.mark.slow
def test_predict_json(trained, arranged_photos):
    cat = sorted((arranged_photos / "val" / "cat").iterdir())[0]
    dog = sorted((arranged_photos / "val" / "dog").iterdir())[0]
    result = catdog("predict", "--model", trained / "model.pt", cat, dog, "--json")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert [a["image"] for a in answers] == [str(cat), str(dog)]
    for answer in answers:
        assert set(answer["probabilities"]) == {"cat", "dog"}
        assert sum(answer["probabilities"].values()) == pytest.approx(1, abs=1e-5)
        assert answer["prediction"] == max(answer["probabilities"], key=answer["probabilities"].get)


@pytest.mark.slow
def test_unreadable_images_get_a_line_each_and_the_others_are_classified(trained, arranged_photos, tmp_path,
                                                                          capsys):
    cat = sorted((arranged_photos / "val" / "cat").iterdir())[0]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(cat.read_bytes()[:300])
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    missing = tmp_path / "missing.jpg"
    status, out, err = catdog_here(capsys, "predict", "--model", trained / "model.pt", cat, broken, text, missing)
    assert status == 1
    assert out.startswith(f"{cat}: ") and len(out.splitlines()) == 1  # the good photo is still classified
    errors = err.strip().splitlines()
    assert len(errors) == 4 and "Traceback" not in err
    assert errors[0].startswith(f"catdog predict: cannot read {broken}: ")
    assert errors[1] == f"catdog predict: cannot read {text}: not an image Pillow can read"
    assert errors[2] == f"catdog predict: cannot read {missing}: no such file"
    assert errors[3] == "catdog predict: 3 of 4 images could not be read"


@pytest.mark.slow
def test_the_same_command_again_resumes_and_another_size_is_refused(trained, arranged_photos, capsys):
    args = ("train", "--data", arranged_photos, "--epochs", 1, "--size", 32, "--batch-size", 16,
            "--weights", "none", "--out", trained)
    status, out, err = catdog_here(capsys, *args)
    assert status == 0 and "holds all 1 epochs already" in out
    status, out, err = catdog_here(capsys, "train", "--data", arranged_photos, "--epochs", 2, "--size", 48,
                                   "--batch-size", 16, "--weights", "none", "--out", trained)
    one_line_error(status, err, "belongs to another run: its size is 32, this run's is 48", "delete the checkpoint")


def test_errors_are_one_line(tmp_path, capsys):
    one_line_error(*catdog_here(capsys, "train", "--data", tmp_path / "nowhere", "--weights", "none")[::2],
                   "catdog train: there is no folder", "catdog prepare")
    (tmp_path / "data" / "train").mkdir(parents=True)
    one_line_error(*catdog_here(capsys, "train", "--data", tmp_path / "data")[::2], "has no val/ folder")
    (tmp_path / "data" / "val").mkdir()
    one_line_error(*catdog_here(capsys, "train", "--data", tmp_path / "data", "--weights", "none")[::2],
                   "cannot read the photos in")
    one_line_error(*catdog_here(capsys, "train", "--data", tmp_path / "data", "--epochs", 0)[::2],
                   "--epochs must be at least 1")
    one_line_error(*catdog_here(capsys, "train", "--data", tmp_path / "data", "--device", "cuda:7")[::2],
                   "'cuda:7' is not available")
    one_line_error(*catdog_here(capsys, "predict", "--model", tmp_path / "none.pt", "x.jpg")[::2],
                   "catdog predict: there is no model")
    (tmp_path / "junk.pt").write_text("junk")
    one_line_error(*catdog_here(capsys, "predict", "--model", tmp_path / "junk.pt", "x.jpg")[::2],
                   "not a readable model bundle")


def test_offline_pretrained_weights_are_one_line(arranged_photos, tmp_path, monkeypatch, capsys):
    import urllib.request

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # the discard port: nothing listens
    urllib.request.install_opener(None)  # urllib reads proxies when it builds its opener
    try:
        status, _, err = catdog_here(capsys, "train", "--data", arranged_photos, "--epochs", 1, "--size", 32,
                                     "--out", tmp_path / "o")
    finally:
        monkeypatch.undo()
        urllib.request.install_opener(None)
    line = one_line_error(status, err, "could not download the ImageNet weights", "resnet18-f37072fd.pth",
                          "--weights none")
    assert str(tmp_path / "th" / "hub" / "checkpoints") in line
    assert not (tmp_path / "o").exists()


def test_batch_and_learning_rate_defaults_are_the_recipes():
    """Left out, --batch-size and --lr are the recipe's; with --fast the device's batch and the lr scaled to it."""
    from catdog_lib.cli import batch_and_lr
    from catdog_lib.train.recipe import RECIPE, fast_batch_size

    assert batch_and_lr(None, None, "cpu") == (RECIPE.batch_size, RECIPE.lr)
    fast = fast_batch_size("cpu")
    assert batch_and_lr(None, None, "cpu", fast=True) == (fast, pytest.approx(RECIPE.lr * fast / RECIPE.batch_size))
    assert batch_and_lr(None, 0.01, "cpu", fast=True) == (fast, pytest.approx(0.01 * fast / RECIPE.batch_size))
    assert batch_and_lr(RECIPE.batch_size, None, "cpu", fast=True) == (RECIPE.batch_size, RECIPE.lr)  # given: kept
    assert batch_and_lr(16, 0.05, "cpu") == (16, 0.05)
