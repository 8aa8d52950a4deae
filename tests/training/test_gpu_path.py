"""Lesson 05's training path on a (pretend) GPU: the learner's make_loaders feed it by default, with a
worker per core, the kit moving each batch to the device around the pieces; train_model called once."""
import textwrap

import pytest
import torch

from catdog_lib.course.learner import learner_pieces
from catdog_lib.course.pretend_gpu import PretendGPU
from catdog_lib.notebook.settings import load_settings
from catdog_lib.train.amp import float32
from catdog_lib.train.run import train_on_folder

# A learner's train_model that says what it does: its print must reach the learner.
PRINTING = textwrap.dedent('''
    def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        device = device or next(model.parameters()).device
        history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
        best, best_acc = copy.deepcopy(model.state_dict()), -1.0
        for epoch in range(num_epochs):
            history["lr"].append(optimizer.param_groups[0]["lr"])
            train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
            scheduler.step()
            val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
            for key, value in zip(("train_loss", "train_acc", "val_loss", "val_acc"),
                                  (train_loss, train_acc, val_loss, val_acc)):
                history[key].append(value)
            print(f"my epoch {epoch + 1} of {num_epochs} on {device}: val {val_acc:.2f}")
            if val_acc > best_acc:
                best, best_acc = copy.deepcopy(model.state_dict()), val_acc
        model.load_state_dict(best)
        return model, history
''')


def test_on_a_gpu_the_learners_loaders_train_with_a_worker_per_core(tiny_imagefolder, tmp_path, monkeypatch, capsys):
    import os

    from helpers import tiny_model

    import catdog_lib.train.loop as loop

    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "train_model.py").write_text(PRINTING)
    pieces = learner_pieces({"train_model": {"status": "passed", "total": 1}}, tmp_path / "ws")
    settings = load_settings(size=32, epochs=2, batch_size=8, env={"CATDOG_DEVICE": "cuda"})
    assert not settings.use_fast and settings.workers == len(os.sched_getaffinity(0))
    # autocast needs a real GPU's capability: the precision stays float32 on the pretend one
    monkeypatch.setattr(loop, "choose_precision", lambda device, amp: float32(device, "a pretend GPU"))
    with PretendGPU("cuda:0") as gpu:
        model = tiny_model()
        run = train_on_folder(tiny_imagefolder, pieces=pieces, fast=settings.use_fast, epochs=settings.epochs,
                              size=settings.size, batch_size=settings.batch_size, lr=0.05, model=model,
                              device=torch.device("cuda", 0), workers=settings.workers, bars=False)
        assert gpu.on_gpu(run.model)
    out = capsys.readouterr().out
    assert "my epoch 1 of 2 on cuda:0" in out and "my epoch 2 of 2 on cuda:0" in out  # the learner's own lines
    moved = [m for m in gpu.moves if len(m[0]) == 4 and m[2] == torch.device("cuda", 0)]
    assert len(moved) >= 2 * (3 + 1)  # every batch of both epochs' passes (24 train, 8 val photos, batch 8)
    assert pieces.calls["train_model"] == 1 and pieces.callers["run_epoch", "train_model"] == 4
    assert pieces.calls["make_loaders"] == 1 and pieces.callers["build_transforms", "make_loaders"] == 2
    rows = {row[0]: row for row in pieces.table(fast=settings.use_fast).rows}
    assert rows["make_loaders"][2] == "ran (1 call); its loaders trained the model"
    assert rows["train_model"][1] == "yours" and run.history["lr"] == pytest.approx([0.05, 0.005])
