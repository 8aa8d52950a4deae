"""Mixed precision around the pieces: float16's loss scaling without changing run_epoch, run here on the CPU.

torch runs autocast and a GradScaler on the CPU too, so the float16 path a T4
takes is tested here by forcing it (``choose_precision(..., dtype=float16)``).
"""
import copy

import pytest
import torch

from catdog_lib.train.amp import choose_precision
from catdog_lib.train.loop import seed_everything, train
from catdog_lib.training import run_epoch
from tiny_run import synthetic_loaders, tiny_model


def float16_on_cpu():
    return choose_precision("cpu", dtype=torch.float16)


def test_the_cpu_trains_in_float32_and_says_why():
    precision = choose_precision("cpu")
    assert precision.dtype is None and precision.scaler is None
    assert precision.describe() == "precision: float32 (on the CPU half precision is no faster)"
    assert "mixed precision turned off" in choose_precision("cpu", amp=False).describe()
    forced = float16_on_cpu()
    assert forced.scaler is not None and "float16" in forced.describe() and "loss scaled" in forced.describe()


def test_the_scaled_criterion_keeps_the_loss_and_scales_its_gradient():
    precision = float16_on_cpu()
    model = tiny_model()
    inputs, labels = next(iter(synthetic_loaders()["train"]))
    plain_loss = torch.nn.functional.cross_entropy(model(inputs), labels)
    plain_loss.backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion, _ = precision.around(torch.nn.CrossEntropyLoss(), optimizer).__enter__()
    loss = criterion(model(inputs.to(torch.float32)), labels)
    assert loss.item() == pytest.approx(plain_loss.item(), rel=1e-2)  # the value is the real loss (float16 forward)
    loss.backward()
    scale = precision.scaler.get_scale()
    assert scale > 1
    for p, g in zip(model.parameters(), plain):
        assert torch.allclose(p.grad / scale, g, rtol=0.05, atol=1e-4)


def one_step(precision_or_none, model, inputs, labels):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if precision_or_none is None:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
        return
    scaler = precision_or_none.scaler
    from catdog_lib.train.amp import ScaledCriterion, ScalingOptimizer

    criterion = ScaledCriterion(torch.nn.CrossEntropyLoss(), scaler, precision_or_none.tracker)
    wrapped = ScalingOptimizer(optimizer, scaler, precision_or_none.tracker)
    wrapped.zero_grad()
    criterion(model(inputs), labels).backward()
    wrapped.step()


def test_the_scaling_optimizer_unscales_before_the_step():
    """Without autocast, scaling by a power of two and back is exact: the step is the plain one."""
    inputs, labels = next(iter(synthetic_loaders()["train"]))
    torch.manual_seed(0)
    plain = tiny_model()
    scaled = copy.deepcopy(plain)
    one_step(None, plain, inputs, labels)
    one_step(float16_on_cpu(), scaled, inputs, labels)
    for a, b in zip(plain.parameters(), scaled.parameters()):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-7)


def test_an_overflowing_step_is_skipped_and_the_scale_lowered():
    precision = float16_on_cpu()
    model = tiny_model()
    before = copy.deepcopy(model.state_dict())
    inputs, labels = next(iter(synthetic_loaders()["train"]))
    inputs[0, 0, 0, 0] = float("inf")  # gradients of inf and nan, as a float16 overflow gives them
    scale = precision.scaler.get_scale()
    one_step(precision, model, inputs, labels)
    assert precision.scaler.get_scale() < scale
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())  # the step was skipped


def test_the_loop_trains_under_float16_with_the_pieces_unchanged(tiny_loaders, monkeypatch, capsys):
    import catdog_lib.train.loop as loop

    monkeypatch.setattr(loop, "choose_precision", lambda device, amp: float16_on_cpu())
    seed_everything(0)
    model, history = train(tiny_model(), tiny_loaders, epochs=3, lr=0.05, device="cpu", bars=False)
    out = capsys.readouterr().out
    assert out.startswith("precision: mixed, float16 (autocast, with the loss scaled")
    assert "from the next epoch" not in out  # every loss came through the criterion it was given
    assert max(history["val_acc"]) >= 0.9  # it learns


def test_a_run_epoch_with_its_own_criterion_makes_the_loop_fall_back_to_float32(tiny_loaders, monkeypatch, capsys):
    import catdog_lib.train.loop as loop
    from catdog_lib.train.linking import with_names
    from catdog_lib.training import train_model

    def own_criterion(model, loader, criterion, device, optimizer=None):
        return run_epoch(model, loader, torch.nn.CrossEntropyLoss(), device, optimizer)

    monkeypatch.setattr(loop, "choose_precision", lambda device, amp: float16_on_cpu())
    train(tiny_model(), tiny_loaders, epochs=2, lr=0.05, device="cpu", bars=False,
          train_model=with_names(train_model, run_epoch=own_criterion))
    out = capsys.readouterr().out
    assert "from the next epoch, precision: float32 (the loss your run_epoch computed did not come from the " \
           "criterion it was given" in out
