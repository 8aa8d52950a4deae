"""Training the fast way: the same accuracy as the classic path, the history contract, resume, the CLI."""
import json

import pytest
import torch
from helpers import tiny_model

from catdog_lib import make_loaders, train_model
from catdog_lib.train.fast import fit_fast
from catdog_lib.train.recipe import default_lr, fast_batch_size

KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def test_history_has_the_train_model_contract(color_folder, tmp_path):
    model, history, class_names = fit_fast(color_folder, epochs=2, size=32, batch_size=8, lr=0.05,
                                           device="cpu", cache_dir=tmp_path, model=tiny_model(), progress=False)
    assert class_names == ["cat", "dog"]
    assert set(history) == set(KEYS) and all(len(history[k]) == 2 for k in KEYS)
    assert all(isinstance(v, float) for k in KEYS for v in history[k])
    assert history["lr"] == [0.05, 0.05]  # StepLR: the same for the first 7 epochs
    assert all(0 <= a <= 1 for a in history["train_acc"] + history["val_acc"])


def test_same_accuracy_as_the_classic_path(color_folder, tmp_path):
    """Same tiny model, data, epochs and optimizer: both paths learn the colours."""
    epochs, lr, batch = 6, 0.1, 8
    _, fast_history, _ = fit_fast(color_folder, epochs=epochs, size=32, batch_size=batch, lr=lr, device="cpu",
                                  cache_dir=tmp_path, model=tiny_model(), progress=False)

    torch.manual_seed(0)
    loaders, _ = make_loaders(color_folder, batch_size=batch, size=32)
    model = tiny_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    _, classic_history = train_model(model, torch.nn.CrossEntropyLoss(), optimizer, scheduler, loaders,
                                     num_epochs=epochs)

    fast_best, classic_best = max(fast_history["val_acc"]), max(classic_history["val_acc"])
    assert classic_best >= 0.85 and fast_best >= 0.85
    assert abs(fast_best - classic_best) <= 0.15


def test_resume_after_an_interruption_gives_the_uninterrupted_result(color_folder, tmp_path):
    settings = dict(epochs=3, size=32, batch_size=8, lr=0.05, device="cpu", cache_dir=tmp_path / "cache",
                    progress=False)
    straight_model, straight_history, _ = fit_fast(color_folder, model=tiny_model(), **settings)

    def stop_after_first(epoch, history):
        if epoch == 0:
            raise KeyboardInterrupt

    checkpoint = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        fit_fast(color_folder, model=tiny_model(), checkpoint=checkpoint, on_epoch=stop_after_first, **settings)
    assert checkpoint.exists()
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 1

    fresh = tiny_model()
    torch.nn.init.zeros_(fresh[0].weight)  # the checkpoint, not the start, must decide the result
    resumed_model, resumed_history, _ = fit_fast(color_folder, model=fresh, checkpoint=checkpoint, **settings)
    assert len(resumed_history["val_acc"]) == 3
    for key in KEYS:
        assert resumed_history[key] == pytest.approx(straight_history[key], abs=1e-5), key
    for a, b in zip(resumed_model.state_dict().values(), straight_model.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-5)


def test_resume_refuses_a_checkpoint_of_another_run(color_folder, tmp_path):
    from catdog_lib.errors import CatdogError

    checkpoint = tmp_path / "run.pt"
    common = dict(epochs=1, batch_size=8, device="cpu", cache_dir=tmp_path, progress=False, checkpoint=checkpoint)
    fit_fast(color_folder, size=32, model=tiny_model(), **common)
    with pytest.raises(CatdogError, match="another run"):
        fit_fast(color_folder, size=48, model=tiny_model(), **common)


def test_defaults_suit_the_device():
    assert fast_batch_size("cpu") == 64 and fast_batch_size("cuda") == 256
    assert default_lr(256) == pytest.approx(8 * default_lr(32))
    assert default_lr(32, weights=None) > default_lr(32)


def test_missing_splits_say_what_to_do(tmp_path):
    from catdog_lib.errors import CatdogError

    with pytest.raises(CatdogError, match="catdog prepare"):
        fit_fast(tmp_path, epochs=1, size=32, device="cpu", progress=False)


def test_train_fast_writes_the_classic_outputs(tiny_imagefolder, tmp_path, monkeypatch):
    """``catdog train --fast`` on 24 real photos, one epoch of a ResNet18 at 32 px."""
    from catdog_lib.cli import main

    monkeypatch.setenv("CATDOG_CACHE", str(tmp_path / "cache"))
    assert main(["train", "--data", str(tiny_imagefolder), "--epochs", "1", "--size", "32", "--weights", "none",
                 "--device", "cpu", "--out", str(tmp_path / "run"), "--fast"]) == 0
    assert any((tmp_path / "cache").glob("images-*.npy"))
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert set(KEYS) <= set(history) and len(history["val_acc"]) == 1
    from catdog_lib.train.bundle import load_bundle

    model, info = load_bundle(tmp_path / "run" / "model.pt")
    assert info["class_names"] == ["cat", "dog"] and info["size"] == 32
    assert (tmp_path / "run" / "curves.png").exists() and (tmp_path / "run" / "checkpoint.pt").exists()
