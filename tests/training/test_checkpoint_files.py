"""Checkpoints: atomic writes, identity checks, and runs killed at random moments."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from catdog_lib.train.checkpoint import load_checkpoint, rng_states, save_checkpoint, set_rng_states
from catdog_lib.errors import CatdogError

HERE = Path(__file__).parent


def a_state(epoch, identity=None):
    return {"epoch": epoch, "model": {"w": torch.full((1000,), float(epoch))}, "history": {},
            "identity": identity or {"arch": "resnet18", "size": 32, "class_names": ["cat", "dog"],
                                     "split": "abc"}}


def test_round_trip(tmp_path):
    save_checkpoint(tmp_path / "c.pt", a_state(3))
    state = load_checkpoint(tmp_path / "c.pt", expect={"arch": "resnet18", "size": 32})
    assert state["epoch"] == 3 and torch.equal(state["model"]["w"], torch.full((1000,), 3.0))
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]  # no temporary file left


@pytest.mark.parametrize("field, wanted", [("split", "another"), ("arch", "resnet50"),
                                           ("class_names", ["cat", "dog", "fox"]), ("size", 224)])
def test_a_checkpoint_of_another_run_is_refused(tmp_path, field, wanted):
    save_checkpoint(tmp_path / "c.pt", a_state(1))
    expect = {"arch": "resnet18", "size": 32, "class_names": ("cat", "dog"), "split": "abc"}
    load_checkpoint(tmp_path / "c.pt", expect=expect)  # tuples and lists compare equal
    expect[field] = wanted
    with pytest.raises(CatdogError, match=f"another run: its {field} is .*delete the checkpoint"):
        load_checkpoint(tmp_path / "c.pt", expect=expect)


def test_a_field_the_checkpoint_lacks_is_refused(tmp_path):
    save_checkpoint(tmp_path / "c.pt", a_state(1, identity={"arch": "resnet18"}))
    with pytest.raises(CatdogError, match="not recorded"):
        load_checkpoint(tmp_path / "c.pt", expect={"size": 32})


@pytest.mark.parametrize("content", [b"", b"<html>proxy login</html>", b"PK\x03\x04 cut"])
def test_a_damaged_checkpoint_gives_a_message(tmp_path, content):
    (tmp_path / "c.pt").write_bytes(content)
    with pytest.raises(CatdogError, match="not a readable checkpoint.*delete it"):
        load_checkpoint(tmp_path / "c.pt")


def test_a_missing_or_foreign_file_gives_a_message(tmp_path):
    with pytest.raises(CatdogError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing.pt")
    torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "weights.pt")
    with pytest.raises(CatdogError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "weights.pt")


class Explodes:
    """Fails while being pickled: a crash in the middle of writing."""

    def __reduce__(self):
        raise RuntimeError("crash mid-write")


def test_a_crash_mid_write_leaves_the_old_checkpoint_loadable(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, a_state(1))
    broken = a_state(2)
    broken["history"] = {"big": torch.zeros(1_000_000), "then": Explodes()}
    with pytest.raises(RuntimeError, match="crash mid-write"):
        save_checkpoint(path, broken)
    assert load_checkpoint(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]


def test_rng_states_round_trip():
    states = rng_states()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_states(states)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux, macOS)")


def start_forked(target, *args):
    """Run ``target(*args)`` in a forked copy of this process: no second torch import, so it starts
    at once and the kill lands where we want it."""
    import multiprocessing

    process = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    process.start()
    return process


def keep_saving(path):
    torch.set_num_threads(1)
    epoch = 0
    while True:
        epoch += 1
        save_checkpoint(path, {"epoch": epoch, "model": {"w": torch.full((2_000_000,), float(epoch))},
                               "identity": {}})


@needs_fork
def test_kills_during_writes_never_leave_a_half_written_checkpoint(tmp_path):
    path = tmp_path / "c.pt"
    rng = random.Random(0)
    cut_mid_write = 0
    for _ in range(5):
        child = start_forked(keep_saving, path)
        time.sleep(rng.uniform(0.3, 0.9))
        child.kill()  # SIGKILL: no cleanup, no finally
        child.join()
        cut_mid_write += any(p.suffix == ".tmp" for p in tmp_path.iterdir())  # a half-written temporary
        state = load_checkpoint(path)
        assert torch.equal(state["model"]["w"], torch.full((2_000_000,), float(state["epoch"])))
    assert cut_mid_write >= 1, "no kill landed in the middle of a write: the test proved nothing"
    save_checkpoint(path, a_state(1))  # the next save clears what killed writers left behind
    assert [p.name for p in tmp_path.iterdir()] == ["c.pt"]


def train_and_log(path, epochs, n_train, log):
    from tiny_run import run

    torch.set_num_threads(1)

    def note(history):  # after the epoch's checkpoint is saved: a noted epoch is never run again
        with open(log, "a") as f:
            f.write(f"{len(history['lr'])}\n")

    run(path, epochs, on_epoch=note, n_train=n_train)


@needs_fork
def test_a_training_run_killed_at_random_moments_ends_as_an_uninterrupted_one(tmp_path):
    """SIGKILL a training process several times, resuming each time: every epoch runs once,
    and the final weights equal those of a run never interrupted (CPU, fixed seed, no workers)."""
    from tiny_run import run

    epochs, n_train = 10, 1024
    path, log = tmp_path / "killed.pt", tmp_path / "epochs.log"
    rng = random.Random(1)
    kills = 0
    for attempt in range(20):
        child = start_forked(train_and_log, path, epochs, n_train, log)
        if attempt < 4:
            child.join(timeout=rng.uniform(0.05, 0.5))
            if child.exitcode is None:
                child.kill()
                kills += 1
        child.join()
        if child.exitcode == 0:
            break
    assert child.exitcode == 0 and kills >= 2
    noted = [int(line) for line in log.read_text().split()]
    assert noted == sorted(set(noted)) and noted[-1] == epochs  # never an epoch twice, none after the last

    model, history = run(tmp_path / "straight.pt", epochs, n_train=n_train)
    state = load_checkpoint(path)
    assert state["epoch"] == epochs and len(state["history"]["lr"]) == epochs
    assert state["history"] == history
    assert all(torch.equal(state["best_weights"][k], v) for k, v in model.state_dict().items())
    last = torch.load(tmp_path / "straight.pt", weights_only=True)["model"]
    assert all(torch.equal(state["model"][k], v) for k, v in last.items())
