"""The training recipes' defaults, in one place: what the lessons, ``catdog train`` and the loop start from.

A *recipe* is what the ``train_model`` piece is given besides the model and
the loaders: the criterion, the optimizer and a scheduler stepped once an
epoch, with their numbers. There are two, one for each way to start:

- ``RECIPE``, **fine-tuning** ImageNet's weights: the PyTorch tutorial's.
  Cross-entropy, SGD with momentum, and a step schedule that divides the
  learning rate by ten. The tutorial steps every 7 of its 25 epochs; our
  runs are shorter, so the step is tied to the run's length
  (``lr_step_size``): the rate drops once, after two thirds of the epochs.
- ``FROM_SCRATCH``, **from random weights** (``weights=None``): everything
  is still to learn, and SGD with a large step is unstable in the first
  epoch when the rate can only change once an epoch. AdamW (weight decay
  0.05) at 0.002 for 64 photos a step, a warm-up epoch, then a cosine down
  to zero, each epoch at the curve's value halfway through it (``lr_factor``); label smoothing 0.1 (the targets 0.95
  and 0.05) keeps the young network from growing over-confident.
  bench/RESULTS.md ("From random weights") has what each recipe reached:
  this one 0.74 to 0.76 on 3,000 photos at 64 px in 10 epochs, against
  0.68 for the fine-tuning recipe.

``recipe_for(weights)`` says which recipe a start takes; ``training_setup``
makes its criterion, optimizer and scheduler. Every knob has a default a
beginner can read; change one with ``dataclasses.replace(RECIPE, lr=0.01)``.
"""
import math
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """The knobs of a training run, with the defaults the lessons and ``catdog train`` use."""

    name: str = "fine-tuning"
    epochs: int = 5               # passes over the training photos
    size: int = 224               # image side the model sees (ImageNet's)
    batch_size: int = 32          # photos per step with the classic loaders (the fast loaders: fast_batch_size)
    lr: float = 0.001             # the (peak) learning rate for batch_size photos a step
    optimizer: str = "sgd"        # "sgd" (with momentum) or "adamw"
    momentum: float = 0.9         # SGD's
    weight_decay: float = 0.0
    schedule: str = "step"        # "step": StepLR; "warmup-cosine": warm-up epochs, then a cosine down to zero
    gamma: float = 0.1            # StepLR multiplies the learning rate by gamma every lr_step_size(epochs) epochs
    warmup_epochs: int = 0        # "warmup-cosine": epochs at a rising fraction of the peak
    label_smoothing: float = 0.0  # CrossEntropyLoss's: 0.1 trains towards 0.95 / 0.05 instead of 1 / 0
    seed: int = 0

    def describe(self):
        """One line: the recipe in words."""
        from ..i18n import tr

        if self.optimizer == "sgd":
            how = tr("SGD (momentum {momentum:g}), StepLR (x{gamma:g} after two thirds of the epochs)",
                     momentum=self.momentum, gamma=self.gamma)
        else:
            how = tr("AdamW (weight decay {weight_decay:g}), {warmup} warm-up epoch(s), then a cosine to zero",
                     weight_decay=self.weight_decay, warmup=self.warmup_epochs)
        smoothing = ""
        if self.label_smoothing:
            smoothing = tr(", label smoothing {smoothing:g}", smoothing=self.label_smoothing)
        return tr("the {name} recipe: {how}{smoothing}", name=self.name, how=how, smoothing=smoothing)


RECIPE = Recipe()
FROM_SCRATCH = Recipe(name="from-scratch", batch_size=64, lr=0.002, optimizer="adamw", weight_decay=0.05,
                      schedule="warmup-cosine", warmup_epochs=1, label_smoothing=0.1)


def recipe_for(weights):
    """The recipe for a start: ``RECIPE`` (fine-tuning) from pretrained weights, ``FROM_SCRATCH`` for ``None``."""
    return RECIPE if weights else FROM_SCRATCH


def lr_step_size(epochs):
    """StepLR's ``step_size`` for a run of ``epochs``: the rate drops once, after two thirds of the run.

    5 epochs: 3 at the full rate, then 2 at a tenth of it; 2 epochs: 1 and 1.
    (The tutorial's 7 of 25 drops three times; a short run needs its one drop
    to come while there are epochs left to settle.) Lesson 04, lesson 05 and
    ``catdog train`` all take it from here.
    """
    return max(1, 2 * epochs // 3)


def lr_factor(epoch, epochs, warmup_epochs=1):
    """The learning rate of ``epoch`` (counted from 0) as a fraction of the peak, in a warm-up-then-cosine run.

    The schedule is a curve over the whole run: a straight rise from 0 to the
    peak over the ``warmup_epochs``, then a cosine from the peak down to 0 at
    the run's end. Each epoch (the scheduler steps once an epoch) runs at the
    curve's value halfway through it, so the peak is a moment no epoch sits
    on, and a run of any length warms up and decays within it. 2 epochs:
    0.5, 0.5 (where sampling each epoch's start gave 0.5, then the unwarmed
    peak to the end); 3: 0.5, 0.85, 0.15; 10: 0.5, 0.99, 0.93, 0.82, 0.67,
    0.5, 0.33, 0.18, 0.07, 0.01.
    """
    middle = epoch + 0.5
    if middle < warmup_epochs:
        return middle / warmup_epochs
    done = (middle - warmup_epochs) / max(epochs - warmup_epochs, 1e-9)
    return 0.5 * (1.0 + math.cos(math.pi * min(done, 1.0)))


def training_setup(model, lr, epochs, recipe=RECIPE, step_size=None):
    """``(criterion, optimizer, scheduler)`` of ``recipe`` for a run of ``epochs`` at (peak) rate ``lr``.

    What ``train_model`` is given: the optimizer works on the parameters that
    learn (a frozen backbone's do not), and the scheduler is stepped once an
    epoch. ``step_size``: StepLR's, ``lr_step_size(epochs)`` unless given.
    """
    import torch
    from torch import nn

    learning = [p for p in model.parameters() if p.requires_grad]
    criterion = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    if recipe.optimizer == "adamw":
        optimizer = torch.optim.AdamW(learning, lr=lr, weight_decay=recipe.weight_decay)
    elif recipe.optimizer == "sgd":
        optimizer = torch.optim.SGD(learning, lr=lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    else:
        raise ValueError(f"unknown optimizer {recipe.optimizer!r}: use sgd or adamw")
    if recipe.schedule == "step":
        step_size = lr_step_size(epochs) if step_size is None else step_size
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=recipe.gamma)
    elif recipe.schedule == "warmup-cosine":
        warmup = recipe.warmup_epochs
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: lr_factor(epoch, epochs, warmup))
    else:
        raise ValueError(f"unknown schedule {recipe.schedule!r}: use step or warmup-cosine")
    return criterion, optimizer, scheduler


def optimizer_and_schedule(model, lr, epochs, momentum=RECIPE.momentum, gamma=RECIPE.gamma, step_size=None):
    """The fine-tuning recipe's SGD and ``StepLR`` for a run of ``epochs`` (``training_setup`` without the criterion)."""
    from dataclasses import replace

    _, optimizer, scheduler = training_setup(model, lr, epochs, replace(RECIPE, momentum=momentum, gamma=gamma),
                                             step_size)
    return optimizer, scheduler


def scaled_lr(recipe, batch_size):
    """``recipe``'s (peak) learning rate for ``batch_size`` photos a step instead of ``recipe.batch_size``.

    SGD's rate grows with the batch (the "linear scaling rule": twice the
    batch, twice the step); Adam's step is already divided by the gradients'
    own size, so its rate grows with the square root of the batch (the
    square-root rule of Malladi et al., 2022).
    """
    ratio = batch_size / recipe.batch_size
    return recipe.lr * (ratio if recipe.optimizer == "sgd" else math.sqrt(ratio))


def default_lr(batch_size, weights="DEFAULT"):
    """The learning rate for ``batch_size`` photos a step in the recipe of ``weights`` (``recipe_for``)."""
    return scaled_lr(recipe_for(weights), batch_size)


def fast_batch_size(device):
    """The fast loaders' images per step: large on a GPU (keeps it busy), moderate on a CPU (no gain beyond)."""
    return {"cuda": 256, "mps": 128}.get(_device_type(device), 64)


def default_workers(device):
    """Data loader processes for the classic loaders: on a GPU, enough to keep it fed; on the CPU none
    (they would compete with the training for the same cores)."""
    return min(8, os.cpu_count() or 1) if _device_type(device) == "cuda" else 0


def cpu_threads(cores=None, load=None):
    """Threads for training on the CPU: the cores this process may use, less those other processes keep busy.

    torch's threads wait for each other at every operation: on a shared CPU a
    thread that is descheduled holds all of them up. Measured on 2 cores with
    about 14 runnable processes (bench/RESULTS.md), a ResNet18 step took 2.4 s
    with one thread and 9 to 12 s with two. So: the cores of the affinity mask
    (``os.sched_getaffinity``), less the 1-minute load average rounded, and at
    least one.
    """
    if cores is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS, Windows
            cores = os.cpu_count() or 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):
            load = 0.0
    return max(1, min(cores, cores - int(load + 0.5)))


def _device_type(device):
    import torch

    return torch.device(device).type
