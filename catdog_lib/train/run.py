"""Train on a prepared folder with a set of pieces: what ``catdog train`` and lesson 05 both call.

``train_on_folder(data_dir, pieces=..., ...)`` reads top to bottom like the
recipe: seed everything, make the loaders (the ``make_loaders`` piece, or
the fast loaders), build the model (the ``build_model`` piece), and train it
with the ``train_model`` piece through the one loop (``loop.train``).
``pieces`` maps piece names to functions: the reference pieces for
``catdog train``, the learner's where they pass for lesson 05. The same
seed, data and settings give the same weights either way.
"""
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..errors import CatdogError
from ..i18n import tr
from .fingerprint import split_fingerprint
from .loop import bars_fit_output, seed_everything, train
from .recipe import RECIPE, recipe_for


def reference_pieces():
    """The pieces this module uses, in their reference versions: ``{name: function}``."""
    from ..hardware import pick_device
    from ..model import build_model
    from ..training import run_epoch, train_model
    from ..transforms import make_loaders

    return {"pick_device": pick_device, "make_loaders": make_loaders, "build_model": build_model,
            "run_epoch": run_epoch, "train_model": train_model}


@dataclass
class TrainingRun:
    """What ``train_on_folder`` made: the model with its best epoch's weights, and what goes with it."""

    model: torch.nn.Module
    history: dict
    class_names: list
    loaders: dict
    identity: dict = field(default_factory=dict)

    @property
    def best_epoch(self):
        """The epoch (counted from 1) with the best validation accuracy."""
        return max(range(len(self.history["val_acc"])), key=self.history["val_acc"].__getitem__) + 1

    @property
    def best_val_acc(self):
        return self.history["val_acc"][self.best_epoch - 1]


def describe(model_weights, freeze_backbone, device, size, loaders, epochs, batch_size, lr, fast, recipe=RECIPE):
    """One line: what is about to be trained, on what, how."""
    start = tr("ImageNet weights") if model_weights else tr("random weights")
    if freeze_backbone:
        start += tr(", backbone frozen")
    kind = tr("the fast loaders (decoded once, augmented on the device)") if fast else tr("the classic loaders")
    return tr("training a ResNet18 ({start}) on {device} at {size} px with {kind}: {train} train and {val} val "
              "photos, {epochs} epochs, batch {batch_size}, lr {lr:g}, {recipe}",
              start=start, device=device, size=size, kind=kind, train=len(loaders["train"].dataset),
              val=len(loaders["val"].dataset), epochs=epochs, batch_size=batch_size, lr=lr,
              recipe=recipe.describe())


def train_on_folder(data_dir, *, pieces=None, fast=False, epochs=RECIPE.epochs, size=RECIPE.size,
                    batch_size=None, lr=None, weights="DEFAULT", freeze_backbone=False, recipe=None,
                    device=None, workers=0, seed=RECIPE.seed, checkpoint=None, model=None, cache_dir=None,
                    progress=True, bars=None, on_epoch=None, available_memory=None):
    """Train on ``data_dir/train``, validate on ``data_dir/val``; return a ``TrainingRun``.

    - ``pieces``: ``{name: function}`` for ``make_loaders``, ``build_model``
      and ``train_model`` (and ``pick_device`` when ``device`` is ``None``);
      the reference versions for names it lacks.
    - ``fast``: the fast loaders (``train.fast``) instead of ``make_loaders``.
    - ``weights``, ``freeze_backbone``: passed to ``build_model``; the
      ImageNet weights are fetched first, or a ``CatdogError`` says why not.
      ``model``: train this module instead (tests use tiny ones).
    - ``recipe``: what ``train_model`` is given (``recipe.Recipe``); default
      ``recipe_for(weights)``: fine-tuning from ImageNet's weights, the
      from-scratch recipe from random ones. ``batch_size`` and ``lr``
      default to the recipe's (``recipe.scaled_lr`` scales a rate to another batch).
    - ``checkpoint``: a path; saved after every epoch, resumed from when it
      exists and was made by the same run (data, size, model, recipe).
    - ``on_epoch(history)``, ``progress``, ``bars``: as ``loop.train``.
    """
    from ..model import build_model_or_explain
    from .fast import fast_loaders

    record, pieces = pieces, {**reference_pieces(), **dict(pieces or {})}
    recipe = recipe or recipe_for(weights)
    batch_size = batch_size or recipe.batch_size
    lr = recipe.lr if lr is None else lr
    try:
        device = pieces["pick_device"](device) if not isinstance(device, torch.device) else device
    except ValueError as e:
        raise CatdogError(tr("{error}: choose another device, or none for the best there is", error=e)) from None
    data_dir = Path(data_dir)
    seed_everything(seed)
    if fast:
        shown = progress and (bars_fit_output() if bars is None else bars)  # the cache's bar, as the epochs'
        loaders, class_names = fast_loaders(data_dir, batch_size, size, device, seed, cache_dir, shown,
                                            available_memory)
    else:
        loaders, class_names = _classic_loaders(pieces["make_loaders"], data_dir, batch_size, workers, size)
        if hasattr(record, "trained_with_loaders"):  # lesson 05's record of the pieces: make_loaders' loaders train
            record.trained_with_loaders = True
    built = model is None
    if built:
        model = build_model_or_explain(len(class_names), weights, freeze_backbone, build=pieces["build_model"])
    identity = {"path": "fast" if fast else "classic", "arch": "resnet18" if built else type(model).__name__,
                "class_names": list(class_names), "size": size, "split": split_fingerprint(data_dir),
                "weights": str(weights or "none"), "freeze_backbone": bool(freeze_backbone),
                "batch_size": batch_size, "lr": lr, "seed": seed}
    if recipe.name != RECIPE.name or not weights:
        # Not recorded for fine-tuning pretrained weights: what every checkpoint before the recipes had names was.
        identity["recipe"] = recipe.name
    if progress:
        print(describe(weights, freeze_backbone, device, size, loaders, epochs, batch_size, lr, fast, recipe),
              flush=True)
    model, history = train(model, loaders, epochs=epochs, lr=lr, train_model=pieces["train_model"], recipe=recipe,
                           device=device, checkpoint=checkpoint, identity=identity, progress=progress, bars=bars,
                           on_epoch=on_epoch)
    return TrainingRun(model, history, list(class_names), loaders, identity)


def _classic_loaders(make_loaders, data_dir, batch_size, workers, size):
    """``make_loaders`` on ``data_dir``, with a clear error for a folder it cannot read."""
    try:
        loaders, class_names = make_loaders(data_dir, batch_size=batch_size, num_workers=workers, size=size)
    except FileNotFoundError as e:
        raise CatdogError(tr("cannot read the photos in {data_dir} ({error}): run catdog prepare again",
                             data_dir=data_dir, error=e)) from None
    val_classes = getattr(loaders["val"].dataset, "classes", class_names)
    if list(val_classes) != list(class_names):
        raise CatdogError(tr("{data_dir}/train has the classes {class_names} but {data_dir}/val has "
                             "{val_classes}: run catdog prepare again",
                             data_dir=data_dir, class_names=class_names, val_classes=val_classes))
    return loaders, class_names
