"""The one loop: train_model called once with all the epochs, checkpoints, resume, progress and precision around it.

Tiny CNN, synthetic tensors, the CPU: seconds.
"""
import copy

import pytest
import torch

from catdog_lib.errors import CatdogError
from catdog_lib.train.checkpoint import HISTORY_KEYS
from catdog_lib.train.loop import ProgressLoader, seed_everything, train
from catdog_lib.training import run_epoch, train_model
from helpers import tutorial_train_model
from tiny_run import run, synthetic_loaders, tiny_model


def weights_equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_an_uninterrupted_run_is_the_pieces_own_call(tiny_loaders):
    """The loop's promise: what it hooks in around the piece changes none of its steps, weights or history."""
    seed_everything(0)
    model = tiny_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    with pytest.MonkeyPatch.context() as patch:  # the piece prints a line per epoch; not the point here
        patch.setattr("builtins.print", lambda *a, **k: None)
        alone, alone_history = train_model(model, torch.nn.CrossEntropyLoss(), optimizer, scheduler, tiny_loaders,
                                           num_epochs=4)
    seed_everything(0)
    looped, looped_history = train(tiny_model(), tiny_loaders, epochs=4, lr=0.05, step_size=2, gamma=0.5,
                                   device="cpu", progress=False)
    assert looped_history == alone_history
    assert weights_equal(looped.state_dict(), alone.state_dict())


def test_train_model_is_called_once_with_all_the_epochs_and_the_loaders_as_they_are(tiny_loaders):
    calls = []

    def recording(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        calls.append((num_epochs, optimizer, scheduler, device))
        assert len(loaders["train"]) == len(tiny_loaders["train"])
        assert loaders["val"].dataset is tiny_loaders["val"].dataset and loaders["train"].batch_size == 8
        assert criterion.label_smoothing == 0.0  # the recipe's criterion, seen through the kit's
        return train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=num_epochs, device=device)

    train(tiny_model(), tiny_loaders, epochs=3, lr=0.05, device="cpu", progress=False, train_model=recording)
    assert [c[0] for c in calls] == [3]
    assert isinstance(calls[0][1], torch.optim.SGD) and isinstance(calls[0][2], torch.optim.lr_scheduler.StepLR)
    assert calls[0][3] == torch.device("cpu")


def test_a_resumed_run_calls_train_model_again_for_the_epochs_left_with_the_state_restored(tmp_path):
    calls = []

    def recording(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        calls.append((num_epochs, scheduler.last_epoch, optimizer.state_dict()["state"] != {}))
        return train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=num_epochs, device=device)

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "c.pt", epochs=5, train_model=recording,
            on_epoch=lambda h: (_ for _ in ()).throw(KeyboardInterrupt) if len(h["lr"]) == 2 else None)
    run(tmp_path / "c.pt", epochs=5, train_model=recording)
    assert calls == [(5, 0, False), (3, 2, True)]  # the scheduler after 2 epochs, the optimizer's momentum kept


def test_a_resume_keeps_the_best_weights_across_the_seam(tmp_path):
    """The best epoch came before the resume: the piece's second call never saw it, the kit kept it."""
    def diverging(path, on_epoch=None):  # the rate grows 30-fold every epoch: the first epochs are the best
        seed_everything(0)
        return train(tiny_model(), synthetic_loaders(), epochs=4, lr=0.05, step_size=1, gamma=30.0, device="cpu",
                     checkpoint=path, identity={"arch": "tiny"}, progress=False, on_epoch=on_epoch)

    straight, straight_history = diverging(tmp_path / "straight.pt")
    best = max(range(4), key=straight_history["val_acc"].__getitem__)
    assert best < 2, f"the test needs the best epoch before the cut: {straight_history['val_acc']}"

    def stop_after_two(history):
        if len(history["val_acc"]) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        diverging(tmp_path / "cut.pt", on_epoch=stop_after_two)
    resumed, history = diverging(tmp_path / "cut.pt")
    assert history == straight_history
    assert weights_equal(resumed.state_dict(), straight.state_dict())


def test_history_has_one_value_per_epoch_and_the_lr_drops_after_two_thirds(tiny_loaders):
    seed_everything(0)
    seen = []
    model, history = train(tiny_model(), tiny_loaders, epochs=3, lr=0.1, device="cpu", progress=False,
                           on_epoch=lambda h: seen.append(len(h["val_acc"])))
    assert set(history) == set(HISTORY_KEYS) and all(len(history[key]) == 3 for key in HISTORY_KEYS)
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.01])  # recipe.lr_step_size(3) == 2
    assert seen == [1, 2, 3]
    assert all(isinstance(v, float) for key in HISTORY_KEYS for v in history[key])


def test_the_best_epochs_weights_are_restored_as_a_copy(tiny_loaders):
    # A learning rate that grows 30-fold every epoch: the first epochs are the best, later ones diverge.
    seed_everything(0)
    model = tiny_model()
    snapshots = []
    model, history = train(model, tiny_loaders, epochs=4, lr=0.05, step_size=1, gamma=30.0, device="cpu",
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


def test_what_on_epoch_draws_cannot_change_the_run(tmp_path):
    quiet, _ = run(tmp_path / "a.pt", epochs=3)
    noisy, _ = run(tmp_path / "b.pt", epochs=3, on_epoch=lambda h: (torch.rand(5), __import__("random").random()))
    assert weights_equal(quiet.state_dict(), noisy.state_dict())


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
        train(model, synthetic_loaders(), epochs=2, lr=0.05, device="cpu", checkpoint=path,
              identity={"arch": "tiny", "size": 64}, progress=False)
    assert weights_equal(model.state_dict(), untouched)
    assert path.read_bytes() == before


def test_a_tutorial_style_train_model_trains_and_what_it_prints_is_shown(tiny_loaders, capsys):
    seed_everything(0)
    model, history = train(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu", bars=False,
                           train_model=tutorial_train_model())
    out = capsys.readouterr().out
    assert "Epoch 0/1" in out and "Epoch 1/1" in out and out.count("val Loss: ") == 2  # its own words, once each
    assert "epoch 1/2: train loss" not in out  # and no line of the kit's in their place
    assert len(history["val_acc"]) == 2 and history["train_acc"][-1] > 0.5


def test_a_train_model_that_returns_a_copy_gives_its_weights_to_the_model(tiny_loaders):
    def copying(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        trained, history = train_model(model, criterion, optimizer, scheduler, loaders, num_epochs, device)
        return copy.deepcopy(trained), history

    seed_everything(0)
    plain, _ = train(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu", progress=False)
    seed_everything(0)
    model = tiny_model()
    returned, _ = train(model, tiny_loaders, epochs=2, lr=0.05, device="cpu", progress=False, train_model=copying)
    assert returned is model and weights_equal(model.state_dict(), plain.state_dict())


def test_a_malformed_history_is_one_clear_error(tiny_loaders):
    def no_history(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        return model

    with pytest.raises(CatdogError, match="must return \\(model, history\\)"):
        train(tiny_model(), tiny_loaders, epochs=1, lr=0.05, device="cpu", progress=False, train_model=no_history)


def test_a_learners_run_epoch_reaches_the_reference_train_model_through_fit(tiny_loaders):
    from catdog_lib.fit import fit

    calls = []

    def my_run_epoch(model, loader, criterion, device, optimizer=None):
        calls.append(optimizer is not None)
        return run_epoch(model, loader, criterion, device, optimizer)

    fit(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu", run_epoch=my_run_epoch, progress=False)
    assert calls == [True, False, True, False]
    import catdog_lib.training

    assert catdog_lib.training.run_epoch is run_epoch  # the library's module is left as it was


def test_output_into_a_pipe_is_a_line_per_epoch_and_no_bars(tiny_loaders, capsys):
    train(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu")  # capsys: neither a terminal nor a notebook
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("precision: float32") and [l[:10] for l in lines[1:]] == ["epoch 1/2:", "epoch 2/2:"]
    assert captured.err == ""


def test_bars_where_they_redraw(tiny_loaders, capsys):
    train(tiny_model(), tiny_loaders, epochs=1, lr=0.05, device="cpu", bars=True)
    captured = capsys.readouterr()
    assert "epoch 1/1: train loss" in captured.out
    assert "epochs: 100%" in captured.err and "train:" in captured.err


def test_no_output_without_progress(tiny_loaders, capsys):
    train(tiny_model(), tiny_loaders, epochs=1, lr=0.05, device="cpu", progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_ctrl_c_keeps_the_finished_epochs_and_the_best_weights(tmp_path, capsys):
    snapshots = []

    def stop_after_two(history):
        snapshots.append(copy.deepcopy(model.state_dict()))
        if len(history["val_acc"]) == 2:
            raise KeyboardInterrupt

    seed_everything(0)
    model = tiny_model()
    with pytest.raises(KeyboardInterrupt):
        train(model, synthetic_loaders(), epochs=4, lr=0.05, device="cpu", checkpoint=tmp_path / "c.pt",
              identity={"arch": "tiny", "size": 12}, bars=False, on_epoch=stop_after_two)
    out = capsys.readouterr().out
    assert "stopped: 2 of 4 epochs finished; they are saved in" in out and "run the same training again" in out
    history = torch.load(tmp_path / "c.pt", weights_only=True)["history"]
    best = max(range(2), key=history["val_acc"].__getitem__)
    assert weights_equal(model.state_dict(), snapshots[best])

    seed_everything(0)
    train(tiny_model(), synthetic_loaders(), epochs=4, lr=0.05, device="cpu", checkpoint=tmp_path / "c.pt",
          identity={"arch": "tiny", "size": 12}, bars=False)
    out = capsys.readouterr().out
    assert "resuming from" in out and "2 of 4 epochs done; train_model runs the 2 left" in out
    assert "epoch 1/2: train loss" in out and "epoch 2/2: train loss" in out and "/4:" not in out


def test_the_progress_loader_is_the_loader_with_a_bar(tiny_loaders):
    loader = ProgressLoader(tiny_loaders["val"], "val", enabled=False, device="cpu")
    assert len(loader) == len(tiny_loaders["val"]) and loader.dataset is tiny_loaders["val"].dataset
    for (a, y), (b, z) in zip(loader, tiny_loaders["val"]):
        assert torch.equal(a, b) and torch.equal(y, z) and a.is_contiguous(memory_format=torch.channels_last)
