"""Helpers the tests import: ``from helpers import tiny_model``."""
import functools
import re
from pathlib import Path

KAGGLE_NAME = re.compile(r"(cat|dog)\.(\d+)\.jpg")


@functools.lru_cache(maxsize=None)
def _listed(photos_dir):
    """``{label: [path, ...]}`` of a flat Kaggle folder, each list in the order of Kaggle's numbers."""
    found = {}
    for path in Path(photos_dir).glob("*.jpg"):
        name = KAGGLE_NAME.fullmatch(path.name)
        if name:
            found.setdefault(name[1], []).append((int(name[2]), path))
    return {label: [p for _, p in sorted(pairs)] for label, pairs in found.items()}


def photo_items(photos_dir, per_class, start=0):
    """``(path, label)`` pairs for ``per_class`` cats and as many dogs, from position ``start`` on.

    The photos are those in ``photos_dir``, in the order of Kaggle's numbers
    (on the shared photos: ``cat.0.jpg`` to ``cat.{per_class - 1}.jpg``).
    Skips the test when the folder has too few (the kit's sample has 48 of each).
    """
    import pytest

    listed = _listed(Path(photos_dir))
    items = []
    for label in ("cat", "dog"):
        paths = listed.get(label, [])
        if len(paths) < start + per_class:
            pytest.skip(f"needs {start + per_class} {label} photos; {photos_dir} has {len(paths)}")
        items += [(path, label) for path in paths[start:start + per_class]]
    return items


def photo_path(photos_dir, label, position=0):
    """The ``position``-th ``label`` photo in ``photos_dir``, in Kaggle's order (shared photos: ``label.position.jpg``)."""
    import pytest

    paths = _listed(Path(photos_dir)).get(label, [])
    if len(paths) <= position:
        pytest.skip(f"needs {position + 1} {label} photos; {photos_dir} has {len(paths)}")
    return paths[position]


def tiny_model(num_classes=2):
    """A few-hundred-parameter CNN that trains in milliseconds: for loop tests."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(4, num_classes),
    )
