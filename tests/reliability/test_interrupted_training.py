"""Training killed with SIGKILL at random moments, resumed each time, ends exactly as a run never killed.

tests/training/test_checkpoint_files.py proves this for synthetic tensors
and kills during checkpoint writes. Here the run is the real data path, for
both kinds of loaders the one loop trains on: the photos ``prepare``
arranged from the bad-input corpus (odd files included), then either
``make_loaders`` with its random crops and flips (so the random generators'
states must come back exactly) or the fast loaders (decoded once into a
cache, crops drawn on the device from generators seeded per epoch), a
split fingerprint in the checkpoint's identity. Each training process is a
fork of this one (no second torch import), killed with SIGKILL: no cleanup
code runs.
"""
import multiprocessing
import os
import random
import time

import pytest
import torch

from catdog_lib.train.checkpoint import load_checkpoint
from catdog_lib.errors import CatdogError
from helpers import tiny_model

EPOCHS = 14
KILLS = 5

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux, macOS)")



@pytest.fixture(scope="module")
def arranged(corpus, tmp_path_factory):
    """The corpus prepared in this process: train/ and val/ of the usable photos."""
    from catdog_lib.prepare import prepare

    folder, _ = corpus
    return prepare(source="folder", from_dir=folder, dest=tmp_path_factory.mktemp("arranged") / "data",
                   report=lambda line: None)


def train(data_dir, checkpoint, epochs, log=None, seed=0, size=32, model=None, arch="tiny", on_epoch=None,
          loaders="classic", cache=None):
    """Seed, load the photos, train on the CPU with a checkpoint through the one loop: the same every time."""
    from catdog_lib import make_loaders
    from catdog_lib.train.fast import fast_loaders
    from catdog_lib.train.fingerprint import split_fingerprint
    from catdog_lib.train.loop import seed_everything, train as train_loop

    torch.set_num_threads(1)
    seed_everything(seed)
    if loaders == "fast":
        batches, class_names = fast_loaders(data_dir, 8, size, "cpu", seed, cache_dir=cache, progress=False)
    else:
        batches, class_names = make_loaders(data_dir, batch_size=8, num_workers=0, size=size)
    identity = {"arch": arch, "size": size, "class_names": class_names, "split": split_fingerprint(data_dir),
                "loaders": loaders}

    def note(history):  # after the epoch's checkpoint is saved
        if on_epoch is not None:
            on_epoch(history)
        if log is not None:
            with open(log, "a") as f:
                f.write(f"{len(history['lr'])}\n")

    return train_loop(model if model is not None else tiny_model(), batches, epochs=epochs, lr=0.05, step_size=4,
                      gamma=0.5, device="cpu", checkpoint=checkpoint, identity=identity, progress=False,
                      on_epoch=note)


def start(*args, **kwargs):
    process = multiprocessing.get_context("fork").Process(target=train, args=args, kwargs=kwargs, daemon=True)
    process.start()
    return process


def noted(log):
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def wait_for_epochs(process, log, count, timeout=120):
    deadline = time.monotonic() + timeout
    while len(noted(log)) < count and process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)


@needs_fork
@pytest.mark.parametrize("loaders", ["classic", "fast"])
def test_five_random_kills_then_resume_equal_an_uninterrupted_run(arranged, tmp_path, loaders):
    data = arranged.data_dir
    ends = []
    kind = dict(loaders=loaders, cache=tmp_path / "cache")
    straight_model, straight_history = train(data, tmp_path / "straight.pt", EPOCHS,
                                             on_epoch=lambda h: ends.append(time.perf_counter()), **kind)
    epoch_time = sorted(b - a for a, b in zip(ends, ends[1:]))[len(ends) // 2]  # the median epoch, checkpoint included

    path, log = tmp_path / "killed.pt", tmp_path / "epochs.log"
    rng = random.Random(6)
    kills, cut_mid_write, resumed_from = 0, 0, []
    while kills < KILLS:
        resumed_from.append(load_checkpoint(path)["epoch"] if path.exists() else 0)
        child = start(data, path, EPOCHS, log, **kind)
        if kills:  # the first kill may land before any epoch ends; the others after one more epoch
            wait_for_epochs(child, log, len(noted(log)) + 1)
        time.sleep(rng.uniform(0, epoch_time))  # somewhere in the next epoch or its checkpoint
        if not child.is_alive():
            break
        os.kill(child.pid, 9)  # SIGKILL: no finally, no atexit
        child.join()
        kills += 1
        cut_mid_write += any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        if path.exists():  # never half a checkpoint: whatever is there loads
            state = load_checkpoint(path)
            assert len(state["history"]["lr"]) == state["epoch"] <= EPOCHS
        if kills == 2:  # a temporary file a killed save could leave: ignored, then cleared
            (tmp_path / f".{path.name}.leftover.tmp").write_bytes(b"PK\x03\x04 half a checkpoint")
    assert kills == KILLS, f"the run ended after {kills} kills: make it longer"

    child = start(data, path, EPOCHS, log, **kind)
    child.join(timeout=300)
    assert child.exitcode == 0
    assert resumed_from == sorted(resumed_from) and resumed_from[-1] < EPOCHS

    epochs_seen = noted(log)
    assert epochs_seen == sorted(set(epochs_seen)) and epochs_seen[-1] == EPOCHS  # never an epoch twice
    state = load_checkpoint(path)
    assert state["epoch"] == EPOCHS and state["history"] == straight_history
    last = torch.load(tmp_path / "straight.pt", weights_only=True)
    for key, value in last["model"].items():
        assert torch.equal(state["model"][key], value), key
    for key, value in straight_model.state_dict().items():
        assert torch.equal(state["best_weights"][key], value), key
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    print(f"\n{kills} kills survived ({cut_mid_write} during a checkpoint write), resumed from epochs "
          f"{resumed_from}, {EPOCHS} epochs of {epoch_time * 1000:.0f} ms")


def test_a_checkpoint_of_another_split_model_or_size_is_refused(arranged, corpus, tmp_path):
    """A new split (prepare again with another seed), another model, another size: refused, nothing loaded."""
    from catdog_lib.prepare import prepare

    path = tmp_path / "run.pt"
    train(arranged.data_dir, path, 1)
    before = path.read_bytes()

    other = prepare(source="folder", from_dir=corpus[0], dest=tmp_path / "other", seed=1, report=lambda line: None)
    cases = [
        (dict(data_dir=other.data_dir), "its split is"),
        (dict(data_dir=arranged.data_dir, arch="tiny-wide"), "its arch is 'tiny'"),
        (dict(data_dir=arranged.data_dir, size=48), "its size is 32, this run's is 48"),
    ]
    for kwargs, words in cases:
        model = tiny_model()
        untouched = {k: v.clone() for k, v in model.state_dict().items()}
        with pytest.raises(CatdogError) as info:
            train(checkpoint=path, epochs=2, model=model, **kwargs)
        message = str(info.value)
        assert words in message and "belongs to another run" in message and "delete the checkpoint" in message
        assert "\n" not in message
        assert all(torch.equal(model.state_dict()[k], v) for k, v in untouched.items())
        assert path.read_bytes() == before
