"""The training recipe's defaults, in one place: what the lessons, ``catdog train`` and both loops start from.

The recipe is the PyTorch fine-tuning tutorial's, as the ``train_model``
piece runs it: cross-entropy, SGD with momentum, and a step schedule that
divides the learning rate by ten every seven epochs. Every knob has a
default a beginner can read; change one with ``dataclasses.replace(RECIPE, lr=0.01)``.
"""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """The knobs of a training run, with the defaults the lessons and ``catdog train`` use."""

    epochs: int = 5               # passes over the training photos
    size: int = 224               # image side the model sees (ImageNet's)
    batch_size: int = 32          # photos per step in the classic loop (the fast loop: fast_batch_size)
    lr: float = 0.001             # SGD's learning rate for batch_size photos, starting from ImageNet's weights
    lr_from_random: float = 0.01  # from random weights there is more to learn: ten times bigger steps
    momentum: float = 0.9
    step_size: int = 7            # StepLR: every step_size epochs ...
    gamma: float = 0.1            # ... the learning rate is multiplied by gamma
    seed: int = 0


RECIPE = Recipe()


def optimizer_and_schedule(model, lr, momentum=RECIPE.momentum, step_size=RECIPE.step_size, gamma=RECIPE.gamma):
    """SGD over the parameters that learn (a frozen backbone's do not), and its ``StepLR`` schedule."""
    import torch

    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=momentum)
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
    """The fast loop's images per step: large on a GPU (keeps it busy), moderate on a CPU (no gain beyond)."""
    return {"cuda": 256, "mps": 128}.get(_device_type(device), 64)


def default_workers(device):
    """Data loader processes for the classic loop: on a GPU, enough to keep it fed; on the CPU none
    (they would compete with the training for the same cores)."""
    return min(8, os.cpu_count() or 1) if _device_type(device) == "cuda" else 0


def _device_type(device):
    import torch

    return torch.device(device).type
