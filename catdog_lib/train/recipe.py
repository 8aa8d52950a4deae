"""The training recipe's defaults, in one place: what the lessons, ``catdog train`` and the loop start from.

The recipe is the PyTorch fine-tuning tutorial's, as the ``train_model``
piece runs it: cross-entropy, SGD with momentum, and a step schedule that
divides the learning rate by ten. The tutorial steps every 7 of its 25
epochs; our runs are shorter, so the step is tied to the run's length
(``lr_step_size``): the rate drops once, after two thirds of the epochs.
Every knob has a default a beginner can read; change one with
``dataclasses.replace(RECIPE, lr=0.01)``.
"""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """The knobs of a training run, with the defaults the lessons and ``catdog train`` use."""

    epochs: int = 5               # passes over the training photos
    size: int = 224               # image side the model sees (ImageNet's)
    batch_size: int = 32          # photos per step with the classic loaders (the fast loaders: fast_batch_size)
    lr: float = 0.001             # SGD's learning rate for batch_size photos, starting from ImageNet's weights
    lr_from_random: float = 0.01  # from random weights there is more to learn: ten times bigger steps
    momentum: float = 0.9
    gamma: float = 0.1            # StepLR multiplies the learning rate by gamma every lr_step_size(epochs) epochs
    seed: int = 0


RECIPE = Recipe()


def lr_step_size(epochs):
    """StepLR's ``step_size`` for a run of ``epochs``: the rate drops once, after two thirds of the run.

    5 epochs: 3 at the full rate, then 2 at a tenth of it; 2 epochs: 1 and 1.
    (The tutorial's 7 of 25 drops three times; a short run needs its one drop
    to come while there are epochs left to settle.) Lesson 04, lesson 05 and
    ``catdog train`` all take it from here.
    """
    return max(1, 2 * epochs // 3)


def optimizer_and_schedule(model, lr, epochs, momentum=RECIPE.momentum, gamma=RECIPE.gamma, step_size=None):
    """SGD over the parameters that learn (a frozen backbone's do not), and its ``StepLR`` schedule for
    a run of ``epochs`` (``step_size``: ``lr_step_size(epochs)`` unless given)."""
    import torch

    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=momentum)
    step_size = lr_step_size(epochs) if step_size is None else step_size
    return optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)


def default_lr(batch_size, weights="DEFAULT"):
    """SGD learning rate, scaled linearly with the batch size (the "linear scaling rule").

    ``RECIPE.lr`` for ``RECIPE.batch_size`` images fine-tunes ImageNet weights
    (``weights=None``: a network started from random numbers takes
    ``RECIPE.lr_from_random``); twice the batch takes twice the step.
    """
    base = RECIPE.lr if weights is not None else RECIPE.lr_from_random
    return base * batch_size / RECIPE.batch_size


def fast_batch_size(device):
    """The fast loaders' images per step: large on a GPU (keeps it busy), moderate on a CPU (no gain beyond)."""
    return {"cuda": 256, "mps": 128}.get(_device_type(device), 64)


def default_workers(device):
    """Data loader processes for the classic loaders: on a GPU, enough to keep it fed; on the CPU none
    (they would compete with the training for the same cores)."""
    return min(8, os.cpu_count() or 1) if _device_type(device) == "cuda" else 0


def _device_type(device):
    import torch

    return torch.device(device).type
