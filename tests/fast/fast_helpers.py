"""Helpers for the fast path's tests: a learnable image folder, a tiny model."""
import numpy as np
from PIL import Image


def write_color_folder(dest, n_train=24, n_val=12, side=40, seed=0):
    """An ImageFolder tree of noisy JPEGs: cats reddish, dogs bluish.

    Learnable in a few epochs by a tiny network whatever the crop and the
    flip, so a path that trains right reaches a high accuracy and a path that
    mixes up images and labels stays near chance.
    """
    rng = np.random.default_rng(seed)
    for split, count in (("train", n_train), ("val", n_val)):
        for label, channel in (("cat", 0), ("dog", 2)):
            folder = dest / split / label
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                pixels = rng.integers(0, 160, size=(side, side + 8, 3))  # not square, on purpose
                pixels[..., channel] += 90
                Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{label}.{i}.jpg", quality=90)
    return dest


def tiny_model(num_classes=2):
    """A few-hundred-parameter CNN that trains in milliseconds (as tests/conftest.py's)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(4, num_classes),
    )
