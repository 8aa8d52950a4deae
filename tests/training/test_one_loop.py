"""One loop for everything that trains: lesson 05's call and ``catdog train`` give the very same weights."""
import torch

from catdog_lib.cli import main
from catdog_lib.course.learner import learner_pieces
from catdog_lib.train.bundle import read_bundle
from catdog_lib.train.run import train_on_folder


def test_lesson05s_driver_and_catdog_train_give_the_same_weights(arranged_photos, tmp_path, capsys):
    """Same seed, data and settings: ``catdog train`` (the reference pieces) and lesson 05's call (the pieces
    as lesson 05 holds them, each behind its counter and linked to the others) train the same ResNet18."""
    args = ["train", "--data", str(arranged_photos), "--epochs", "2", "--size", "32", "--batch-size", "16",
            "--weights", "none", "--device", "cpu", "--workers", "0", "--out", str(tmp_path / "cli")]
    assert main(args) == 0
    capsys.readouterr()
    cli = read_bundle(tmp_path / "cli" / "model.pt")

    pieces = learner_pieces({}, tmp_path / "no_pieces")  # nothing written yet: every piece the reference
    run = train_on_folder(arranged_photos, pieces=pieces, epochs=2, size=32, batch_size=16, weights=None,
                          device=torch.device("cpu"), workers=0, seed=0, progress=False)  # lr: the recipe's, as the CLI's
    assert pieces.calls["train_model"] == 1 and pieces.callers["run_epoch", "train_model"] == 4  # once, 2 epochs
    lesson = run.model.state_dict()
    assert cli["state_dict"].keys() == lesson.keys()
    assert all(torch.equal(cli["state_dict"][k], lesson[k]) for k in lesson)
    assert cli["extra"]["history"] == run.history
    log = (tmp_path / "cli" / "train.log").read_text()
    assert "epoch 1/2: train loss" in log and "epoch 2/2: train loss" in log  # train_model's own lines
