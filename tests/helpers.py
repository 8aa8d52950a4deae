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


# The PyTorch tutorial's loop as a learner might write the train_model piece: its own phase loop, no run_epoch,
# prints of its own. Text, as a piece file holds it (it runs in the pieces' prelude: copy, torch...).
TUTORIAL_TRAIN_MODEL = '''
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = -1.0
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    for epoch in range(num_epochs):
        print(f"Epoch {epoch}/{num_epochs - 1}")
        history["lr"].append(optimizer.param_groups[0]["lr"])
        for phase in ["train", "val"]:
            model.train() if phase == "train" else model.eval()
            running_loss, running_corrects = 0.0, 0
            for inputs, labels in loaders[phase]:
                inputs = inputs.to(device)
                labels = labels.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    loss = criterion(outputs, labels)
                    preds = outputs.argmax(1)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * labels.size(0)
                running_corrects += (preds == labels).sum()
            if phase == "train" and scheduler is not None:
                scheduler.step()
            epoch_loss = running_loss / len(loaders[phase].dataset)
            epoch_acc = running_corrects.double().item() / len(loaders[phase].dataset)
            history[phase + "_loss"].append(epoch_loss)
            history[phase + "_acc"].append(epoch_acc)
            print(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}")
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_model_wts)
    return model, history
'''


def tutorial_train_model():
    """``TUTORIAL_TRAIN_MODEL`` as a function."""
    import copy

    import torch

    namespace = {"copy": copy, "torch": torch}
    exec(TUTORIAL_TRAIN_MODEL, namespace)
    return namespace["train_model"]
