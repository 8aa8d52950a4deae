"""catdog_lib: teach a ResNet18 to tell cats from dogs.

The ten pieces a learner writes in the lessons, in their reference versions:

- hardware:    pick_device
- data:        label_from_filename, split_items, arrange_imagefolder
- transforms:  build_transforms, make_loaders (and IMAGENET_MEAN, IMAGENET_STD)
- model:       build_model
- training:    run_epoch, train_model
- prediction:  predict_image

Around them, by the job they do: ``prepare/`` (files to class folders),
``train/`` (the training loops, checkpoints, the model bundle), ``plots``,
``notebook/`` (what the lessons call), ``course/`` (pieces, checks, magics)
and ``cli`` (the ``catdog`` command). ``%load_ext catdog_lib`` in a notebook
adds ``%%piece``, ``%check``, ``%hint``, ``%solution`` and ``%progress``.
"""
import importlib

from .course.registry import PIECES

__version__ = "0.1.0"

# Where each public name lives: the pieces where the course's registry says, and the constants. They are
# imported on first use, so that `catdog prepare` or `catdog --help` starts without loading torch.
_EXPORTS = {**{piece.name: piece.module for piece in PIECES},
            "IMAGENET_MEAN": "transforms", "IMAGENET_STD": "transforms"}

PIECE_NAMES = tuple(piece.name for piece in PIECES)

__all__ = [*_EXPORTS, "PIECE_NAMES", "load_ipython_extension"]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'catdog_lib' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


def load_ipython_extension(ipython):
    """``%load_ext catdog_lib``: register the course magics."""
    from .course.magics import load_ipython_extension as load

    load(ipython)
