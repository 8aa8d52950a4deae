"""Helpers the tests import: ``from helpers import tiny_model``."""


def photo_items(photos_dir, per_class, start=0):
    """``(path, label)`` pairs for ``per_class`` cats and as many dogs."""
    return [(photos_dir / f"{label}.{i}.jpg", label)
            for label in ("cat", "dog") for i in range(start, start + per_class)]


def tiny_model(num_classes=2):
    """A few-hundred-parameter CNN that trains in milliseconds: for loop tests."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(4, num_classes),
    )
