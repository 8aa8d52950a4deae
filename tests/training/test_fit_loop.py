"""fit: the train_model recipe plus checkpoints and resume, on a tiny CNN and synthetic tensors."""
import copy

import pytest
import torch

from catdog_lib.errors import CatdogError
from catdog_lib.train.checkpoint import HISTORY_KEYS
from catdog_lib.train.fit import fit, seed_everything
from tiny_run import run, synthetic_loaders, tiny_model


def weights_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_history_has_one_value_per_epoch_and_the_lr_steps_once_per_epoch(tiny_loaders):
    seed_everything(0)
    calls = []
    model, history = fit(tiny_model(), tiny_loaders, epochs=3, lr=0.1, step_size=1, gamma=0.5,
                         device="cpu", progress=False, on_epoch=lambda h: calls.append(len(h["val_acc"])))
    assert set(history) == set(HISTORY_KEYS)
    assert all(len(history[key]) == 3 for key in HISTORY_KEYS)
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])
    assert calls == [1, 2, 3]
    assert all(isinstance(v, float) for key in HISTORY_KEYS for v in history[key])
    assert all(0 <= v <= 1 for v in history["train_acc"] + history["val_acc"])


def test_the_best_epochs_weights_are_restored_as_a_copy(tiny_loaders):
    # A learning rate that grows 30-fold every epoch: the first epochs are the best, later ones diverge.
    seed_everything(0)
    model = tiny_model()
    snapshots = []
    model, history = fit(model, tiny_loaders, epochs=4, lr=0.05, step_size=1, gamma=30.0, device="cpu",
                         progress=False, on_epoch=lambda h: snapshots.append(copy.deepcopy(model.state_dict())))
    best = max(range(4), key=history["val_acc"].__getitem__)
    assert best < 3, f"the test needs a best epoch before the last: {history['val_acc']}"
    assert not weights_equal(snapshots[best], snapshots[-1])
    assert weights_equal(model.state_dict(), snapshots[best])


def test_a_stopped_run_resumes_at_the_next_epoch_and_ends_with_the_uninterrupted_weights(tmp_path):
    full_model, full_history = run(tmp_path / "full.pt", epochs=5)

    epochs_run = []
    run(tmp_path / "cut.pt", epochs=2, on_epoch=lambda h: epochs_run.append(len(h["lr"])))
    model, history = run(tmp_path / "cut.pt", epochs=5, on_epoch=lambda h: epochs_run.append(len(h["lr"])))
    assert epochs_run == [1, 2, 3, 4, 5]  # every epoch exactly once
    assert history == full_history
    assert weights_equal(model.state_dict(), full_model.state_dict())


def test_a_finished_checkpoint_trains_nothing_more(tmp_path):
    run(tmp_path / "c.pt", epochs=2)
    calls = []
    _, history = run(tmp_path / "c.pt", epochs=2, on_epoch=lambda h: calls.append(1))
    assert calls == [] and len(history["lr"]) == 2


def test_a_checkpoint_of_another_run_is_refused_not_loaded(tmp_path):
    path = tmp_path / "c.pt"
    run(path, epochs=1)
    before = path.read_bytes()
    model = tiny_model()
    untouched = copy.deepcopy(model.state_dict())
    with pytest.raises(CatdogError, match="size"):
        fit(model, synthetic_loaders(), epochs=2, lr=0.05, device="cpu", checkpoint=path,
            identity={"arch": "tiny", "size": 64}, progress=False)
    assert weights_equal(model.state_dict(), untouched)
    assert path.read_bytes() == before


def test_a_learners_run_epoch_is_used(tiny_loaders):
    from catdog_lib.training import run_epoch

    calls = []

    def my_run_epoch(model, loader, criterion, device, optimizer=None):
        calls.append(optimizer is not None)
        return run_epoch(model, loader, criterion, device, optimizer)

    fit(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu", run_epoch=my_run_epoch, progress=False)
    assert calls == [True, False, True, False]


def test_progress_shows_bars_on_stderr_and_a_line_per_epoch_on_stdout(tiny_loaders, capsys):
    fit(tiny_model(), tiny_loaders, epochs=1, lr=0.05, device="cpu", progress=True)
    captured = capsys.readouterr()
    assert "epoch 1/1: train loss" in captured.out
    assert "epochs: 100%" in captured.err and "train:" in captured.err


def test_no_output_without_progress(tiny_loaders, capsys):
    fit(tiny_model(), tiny_loaders, epochs=1, lr=0.05, device="cpu", progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_ctrl_c_keeps_the_finished_epochs_and_says_how_to_resume(tmp_path, capsys):
    def stop_after_two(history):
        if len(history["val_acc"]) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "c.pt", epochs=4, on_epoch=stop_after_two)
    seed_everything(0)
    model = tiny_model()
    fit(model, synthetic_loaders(), epochs=4, lr=0.05, device="cpu", checkpoint=tmp_path / "c.pt",
        identity={"arch": "tiny", "size": 12}, progress=True, on_epoch=stop_after_two)
    out = capsys.readouterr().out
    assert "resuming from" in out and "2 of 4 epochs done" in out
    assert "epoch 3/4" in out and "epoch 1/4" not in out


def test_the_gpu_loop_gives_the_pieces_numbers(tiny_loaders):
    """run_epoch_amp (mixed precision, channels_last, sums kept on the device) runs here on the CPU:
    without autocast it must give what the run_epoch piece gives; with bfloat16, nearly that."""
    from catdog_lib.train.fit import run_epoch_amp
    from catdog_lib.training import run_epoch

    model, criterion, cpu = tiny_model(), torch.nn.CrossEntropyLoss(), torch.device("cpu")
    expected = run_epoch(model, tiny_loaders["val"], criterion, cpu)
    loss, acc = run_epoch_amp(model, tiny_loaders["val"], criterion, cpu)
    assert isinstance(loss, float) and isinstance(acc, float)
    assert loss == pytest.approx(expected[0], rel=1e-5) and acc == expected[1]
    loss, acc = run_epoch_amp(model, tiny_loaders["val"], criterion, cpu, dtype=torch.bfloat16)
    assert loss == pytest.approx(expected[0], rel=0.05)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = copy.deepcopy(model.state_dict())
    run_epoch_amp(model, tiny_loaders["train"], criterion, cpu, optimizer, dtype=torch.bfloat16)
    assert not weights_equal(before, model.state_dict())
