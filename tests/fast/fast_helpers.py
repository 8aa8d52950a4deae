"""Helpers for the fast path's tests: a learnable image folder (the tiny model is tests/helpers.py's)."""
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


