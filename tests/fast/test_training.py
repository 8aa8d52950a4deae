"""The fast loaders: data the pieces consume unchanged, shuffled per epoch so a resumed run draws the same;
``fit_fast`` as a thin call into the one loop; ``catdog train --fast``."""
import json

import pytest
import torch
from helpers import tiny_model

from catdog_lib import make_loaders, run_epoch, train_model
from catdog_lib.fast import fit_fast
from catdog_lib.train.fast import fast_loaders
from catdog_lib.train.loop import seed_everything, train
from catdog_lib.train.recipe import default_lr, fast_batch_size

KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


@pytest.fixture(scope="module")
def loaders_of(color_folder, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")

    def make(batch_size=8, size=32, seed=0):
        return fast_loaders(color_folder, batch_size, size, "cpu", seed, cache_dir=cache, progress=False)
    return make


def photos_in(folder):
    return sum(1 for _ in folder.rglob("*.jpg"))


def test_a_fast_loader_looks_like_a_data_loader(loaders_of, color_folder):
    (loaders, class_names) = loaders_of(batch_size=10)
    train_loader, val_loader = loaders["train"], loaders["val"]
    n_train, n_val = photos_in(color_folder / "train"), photos_in(color_folder / "val")
    assert class_names == ["cat", "dog"] and train_loader.dataset.classes == class_names
    assert len(train_loader.dataset) == n_train and len(val_loader.dataset) == n_val  # photos
    assert len(train_loader) == -(-n_train // 10) and len(val_loader) == -(-n_val // 10)  # batches
    batches = list(train_loader)
    assert len(batches) == len(train_loader) and sum(len(y) for _, y in batches) == n_train
    inputs, labels = batches[0]
    assert inputs.shape == (10, 3, 32, 32) and inputs.dtype == torch.float32 and labels.dtype == torch.long
    val_labels = torch.cat([y for _, y in val_loader]).tolist()
    assert val_labels == val_loader.dataset.targets  # in order, every photo once
    image, label = val_loader.dataset[0]
    assert image.shape == (3, 32, 32) and label == val_loader.dataset.samples[0][1]


def test_a_last_training_batch_of_one_photo_joins_the_one_before(loaders_of, color_folder):
    n_train = photos_in(color_folder / "train")
    loaders, _ = loaders_of(batch_size=n_train - 1)  # n - 1 + 1
    sizes = [len(y) for _, y in loaders["train"]]
    assert sizes == [n_train] and len(loaders["train"]) == 1  # batch norm cannot train on one; none is left out
    n_val = photos_in(color_folder / "val")
    loaders, _ = loaders_of(batch_size=n_val - 1)
    assert [len(y) for _, y in loaders["val"]] == [n_val - 1, 1]  # evaluation keeps every batch as it is


def test_each_epoch_draws_anew_and_set_epoch_draws_it_again(loaders_of):
    loaders, _ = loaders_of()
    first = [y.tolist() for _, y in loaders["train"]]
    second = [y.tolist() for _, y in loaders["train"]]
    assert first != second  # a new order (and new crops) every pass, as a shuffling DataLoader
    loaders["train"].set_epoch(0)
    again = [(x.clone(), y.tolist()) for x, y in loaders["train"]]
    assert [y for _, y in again] == first
    loaders["train"].set_epoch(0)
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(again, loaders["train"]))  # same crops and flips


def test_the_pieces_train_on_them_unchanged(loaders_of):
    """run_epoch and the tutorial's len(loader.dataset) arithmetic give the same numbers as on a DataLoader."""
    loaders, _ = loaders_of()
    model, criterion = tiny_model(), torch.nn.CrossEntropyLoss()
    loss, acc = run_epoch(model, loaders["val"], criterion, torch.device("cpu"))
    correct, total = 0, 0
    model.eval()
    with torch.no_grad():
        for inputs, labels in loaders["val"]:
            correct += (model(inputs).argmax(1) == labels).sum().item()
    assert acc == pytest.approx(correct / len(loaders["val"].dataset))


def test_history_has_the_train_model_contract(color_folder, tmp_path):
    model, history, class_names = fit_fast(color_folder, epochs=2, size=32, batch_size=8, lr=0.05,
                                           device="cpu", cache_dir=tmp_path, model=tiny_model(), progress=False)
    assert class_names == ["cat", "dog"]
    assert set(history) == set(KEYS) and all(len(history[k]) == 2 for k in KEYS)
    assert all(isinstance(v, float) for k in KEYS for v in history[k])
    assert history["lr"] == pytest.approx([0.05, 0.005])  # recipe.lr_step_size(2) == 1
    assert all(0 <= a <= 1 for a in history["train_acc"] + history["val_acc"])


def test_same_accuracy_as_the_classic_loaders(color_folder, loaders_of):
    """Same tiny model, data, epochs and recipe through the one loop: both loaders teach the colours."""
    epochs, lr = 6, 0.1
    seed_everything(0)
    _, fast_history = train(tiny_model(), loaders_of()[0], epochs=epochs, lr=lr, device="cpu", progress=False)
    seed_everything(0)
    classic, _ = make_loaders(color_folder, batch_size=8, size=32)
    _, classic_history = train(tiny_model(), classic, epochs=epochs, lr=lr, device="cpu", progress=False)
    fast_best, classic_best = max(fast_history["val_acc"]), max(classic_history["val_acc"])
    assert classic_best >= 0.85 and fast_best >= 0.85
    assert abs(fast_best - classic_best) <= 0.15


def test_resume_after_an_interruption_gives_the_uninterrupted_weights(color_folder, tmp_path):
    settings = dict(epochs=3, size=32, batch_size=8, lr=0.05, device="cpu", cache_dir=tmp_path / "cache",
                    progress=False)
    straight_model, straight_history, _ = fit_fast(color_folder, model=tiny_model(), **settings)

    def stop_after_first(epoch, history):
        if epoch == 0:
            raise KeyboardInterrupt

    checkpoint = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        fit_fast(color_folder, model=tiny_model(), checkpoint=checkpoint, on_epoch=stop_after_first, **settings)
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 1

    fresh = tiny_model()
    torch.nn.init.zeros_(fresh[0].weight)  # the checkpoint, not the start, must decide the result
    resumed_model, resumed_history, _ = fit_fast(color_folder, model=fresh, checkpoint=checkpoint, **settings)
    assert resumed_history == straight_history
    for a, b in zip(resumed_model.state_dict().values(), straight_model.state_dict().values()):
        assert torch.equal(a, b)


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
    """``catdog train --fast`` on 24 real photos, one epoch of a ResNet18 at 32 px: plots from the fast loaders."""
    from catdog_lib.cli import main

    monkeypatch.setenv("CATDOG_CACHE", str(tmp_path / "cache"))
    assert main(["train", "--data", str(tiny_imagefolder), "--epochs", "1", "--size", "32", "--weights", "none",
                 "--device", "cpu", "--out", str(tmp_path / "run"), "--fast"]) == 0
    assert any((tmp_path / "cache").glob("images-*.npy"))
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert set(KEYS) <= set(history) and len(history["val_acc"]) == 1
    from catdog_lib.train.bundle import load_bundle

    model, info = load_bundle(tmp_path / "run" / "model.pt")
    assert info["class_names"] == ["cat", "dog"] and info["size"] == 32 and info["extra"]["fast"] is True
    assert (tmp_path / "run" / "curves.png").exists() and (tmp_path / "run" / "top_losses.png").exists()
    assert (tmp_path / "run" / "checkpoint.pt").exists()


def test_the_reference_train_model_over_the_fast_loaders_is_what_fit_fast_runs(color_folder, tmp_path, loaders_of):
    """fit_fast is no loop of its own: train_model over fast_loaders, seeded the same, gives its very weights."""
    model, history, _ = fit_fast(color_folder, epochs=2, size=32, batch_size=8, lr=0.05, device="cpu",
                                 cache_dir=tmp_path, model=tiny_model(), progress=False)
    seed_everything(0)
    loaders, _ = loaders_of()
    direct = tiny_model()
    optimizer = torch.optim.SGD(direct.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
    direct_history = {k: [] for k in KEYS}
    for epoch in range(2):  # the loop tells the loaders each epoch's number
        loaders["train"].set_epoch(epoch)
        _, one = train_model(direct, torch.nn.CrossEntropyLoss(), optimizer, scheduler, loaders, num_epochs=1)
        for k in KEYS:
            direct_history[k] += one[k]
    assert direct_history == history  # every loss and accuracy of both epochs: the same steps
