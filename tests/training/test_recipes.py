"""Which recipe a run takes, and that it reaches the ``train_model`` piece through the one loop.

Fine-tuning (ImageNet's weights): SGD and StepLR, as the tutorial. From random
weights: the from-scratch recipe (AdamW, one warm-up epoch, a cosine, label
smoothing). How well the from-scratch recipe learns is measured in
bench/bench_scratch.py, not here: these tests check the choice and the wiring.
"""
import math

import pytest
import torch

from catdog_lib.errors import CatdogError
from catdog_lib.train.loop import seed_everything, train
from catdog_lib.train.recipe import (FROM_SCRATCH, RECIPE, lr_factor, recipe_for, scaled_lr, training_setup)
from catdog_lib.training import train_model
from tiny_run import tiny_model


def recording_train_model(calls):
    """The reference ``train_model``, noting what it is handed at each call."""
    def recording(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
        calls.append({"criterion": criterion, "optimizer": optimizer, "scheduler": scheduler,
                      "num_epochs": num_epochs})
        return train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=num_epochs, device=device)
    return recording


def test_each_start_has_its_recipe():
    assert recipe_for("DEFAULT") is RECIPE and recipe_for(None) is FROM_SCRATCH
    assert (RECIPE.optimizer, RECIPE.schedule, RECIPE.lr, RECIPE.batch_size, RECIPE.label_smoothing) == \
        ("sgd", "step", 0.001, 32, 0.0)  # the tutorial's, unchanged
    assert (FROM_SCRATCH.optimizer, FROM_SCRATCH.schedule, FROM_SCRATCH.lr, FROM_SCRATCH.batch_size,
            FROM_SCRATCH.weight_decay, FROM_SCRATCH.warmup_epochs, FROM_SCRATCH.label_smoothing) == \
        ("adamw", "warmup-cosine", 0.002, 64, 0.05, 1, 0.1)  # bench/RESULTS.md, "From random weights"


def test_training_setup_makes_each_recipes_criterion_optimizer_and_schedule():
    model = tiny_model()
    criterion, optimizer, scheduler = training_setup(model, 0.001, 5, RECIPE)
    assert isinstance(optimizer, torch.optim.SGD) and optimizer.param_groups[0]["momentum"] == 0.9
    assert isinstance(scheduler, torch.optim.lr_scheduler.StepLR) and scheduler.step_size == 3
    assert criterion.label_smoothing == 0.0

    criterion, optimizer, scheduler = training_setup(model, 0.002, 10, FROM_SCRATCH)
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.param_groups[0]["weight_decay"] == 0.05
    assert isinstance(criterion, torch.nn.CrossEntropyLoss) and criterion.label_smoothing == 0.1
    rates = []
    for _ in range(10):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates == pytest.approx([0.002 * f for f in (0.5, 0.992, 0.933, 0.821, 0.671, 0.5, 0.329, 0.179, 0.067,
                                                       0.008)], abs=2e-6)
    assert rates[-1] > 0  # the last epoch still learns a little


def test_the_warm_up_and_cosine_follow_the_runs_length():
    assert [lr_factor(e, 2) for e in range(2)] == [0.5, 0.5]  # a short run: no epoch at the peak unwarmed
    assert [round(lr_factor(e, 4), 3) for e in range(4)] == [0.5, 0.933, 0.5, 0.067]
    assert max(lr_factor(e, 10) for e in range(10)) < 1 and lr_factor(9, 10) < 0.01
    assert lr_factor(0, 1) == 0.5 and lr_factor(3, 4, warmup_epochs=0) == pytest.approx(0.5 * (1 + math.cos(0.875 * math.pi)))


def test_a_frozen_backbone_optimizes_only_what_learns():
    model = tiny_model()
    for p in model[0].parameters():
        p.requires_grad = False
    for recipe in (RECIPE, FROM_SCRATCH):
        _, optimizer, _ = training_setup(model, 0.01, 3, recipe)
        given = {id(p) for group in optimizer.param_groups for p in group["params"]}
        assert given == {id(p) for p in model.parameters() if p.requires_grad}


def test_the_loop_hands_the_recipe_to_the_piece_in_one_call(tiny_loaders):
    calls = []
    seed_everything(0)
    _, history = train(tiny_model(), tiny_loaders, epochs=3, lr=0.002, recipe=FROM_SCRATCH, device="cpu",
                       progress=False, train_model=recording_train_model(calls))
    assert [c["num_epochs"] for c in calls] == [3]
    assert isinstance(calls[0]["optimizer"], torch.optim.AdamW)
    assert isinstance(calls[0]["scheduler"], torch.optim.lr_scheduler.LambdaLR)
    assert calls[0]["criterion"].label_smoothing == 0.1
    assert history["lr"] == pytest.approx([0.001, 0.002 * 0.853553, 0.002 * 0.146447], rel=1e-4)  # mid-epoch values

    calls.clear()
    _, history = train(tiny_model(), tiny_loaders, epochs=3, lr=0.05, device="cpu", progress=False,
                       train_model=recording_train_model(calls))  # no recipe: fine-tuning's
    assert isinstance(calls[0]["optimizer"], torch.optim.SGD) and calls[0]["criterion"].label_smoothing == 0.0
    assert history["lr"] == pytest.approx([0.05, 0.05, 0.005])


@pytest.mark.parametrize("fast", [False, True], ids=["classic", "fast"])
def test_train_on_folder_takes_the_from_scratch_recipe_for_random_weights(arranged_photos, tmp_path, fast, capsys):
    """``catdog train --weights none`` and ``--fast``, and lesson 05 with ``CATDOG_WEIGHTS=none``, all call this."""
    from catdog_lib.train.run import train_on_folder

    calls = []
    run = train_on_folder(arranged_photos, pieces={"train_model": recording_train_model(calls)}, fast=fast,
                          epochs=2, size=32, weights=None, model=tiny_model(), device=torch.device("cpu"),
                          cache_dir=tmp_path, bars=False)
    assert isinstance(calls[0]["optimizer"], torch.optim.AdamW) and calls[0]["criterion"].label_smoothing == 0.1
    assert run.history["lr"] == pytest.approx([0.001, 0.001])
    assert run.identity["recipe"] == "from-scratch" and run.identity["batch_size"] == 64
    assert "the from-scratch recipe: AdamW" in capsys.readouterr().out

    calls.clear()
    run = train_on_folder(arranged_photos, pieces={"train_model": recording_train_model(calls)}, fast=fast,
                          epochs=2, size=32, weights="DEFAULT", model=tiny_model(), device=torch.device("cpu"),
                          cache_dir=tmp_path, progress=False)
    assert isinstance(calls[0]["optimizer"], torch.optim.SGD) and run.history["lr"] == pytest.approx([0.001, 0.0001])
    assert "recipe" not in run.identity  # as checkpoints made before the from-scratch recipe existed


def test_a_checkpoint_of_one_recipe_is_not_resumed_by_the_other(arranged_photos, tmp_path):
    from catdog_lib.train.run import train_on_folder

    checkpoint = tmp_path / "run.pt"
    common = dict(epochs=1, size=32, batch_size=16, lr=0.001, model=tiny_model(), device=torch.device("cpu"),
                  checkpoint=checkpoint, progress=False)
    train_on_folder(arranged_photos, weights=None, **common)
    with pytest.raises(CatdogError, match="its recipe is 'from-scratch'"):
        train_on_folder(arranged_photos, weights=None, recipe=RECIPE, **common)


def test_the_cli_defaults_follow_the_weights():
    from catdog_lib.cli import batch_and_lr

    assert batch_and_lr(None, None, "cpu", weights=None) == (64, 0.002)
    assert batch_and_lr(None, None, "cpu", fast=True, weights=None) == (64, 0.002)  # the CPU's fast batch is 64
    assert batch_and_lr(None, None, "cuda", fast=True, weights=None) == (256, pytest.approx(0.004))  # sqrt rule
    assert batch_and_lr(None, None, "cuda", fast=True) == (256, pytest.approx(0.008))  # SGD: linear
    assert batch_and_lr(16, None, "cpu", weights=None) == (16, 0.002)  # a batch given: the rate as it is
    assert scaled_lr(FROM_SCRATCH, 16) == pytest.approx(0.001) and scaled_lr(RECIPE, 64) == pytest.approx(0.002)
