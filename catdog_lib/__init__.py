"""catdog_lib: teach a ResNet18 to tell cats from dogs.

The ten pieces a learner writes in the lessons, in their reference versions:

- hardware:    pick_device
- data:        label_from_filename, split_items, arrange_imagefolder
- transforms:  build_transforms, make_loaders (and IMAGENET_MEAN, IMAGENET_STD)
- model:       build_model
- training:    run_epoch, train_model
- prediction:  predict_image

``%load_ext catdog_lib`` in a notebook adds ``%%piece``, ``%check``,
``%hint`` and ``%progress``.
"""
__version__ = "0.1.0"

from .data import arrange_imagefolder, label_from_filename, split_items
from .hardware import pick_device
from .model import build_model
from .prediction import predict_image
from .training import run_epoch, train_model
from .transforms import IMAGENET_MEAN, IMAGENET_STD, build_transforms, make_loaders

PIECE_NAMES = (
    "pick_device",
    "label_from_filename", "split_items", "arrange_imagefolder",
    "build_transforms", "make_loaders",
    "build_model", "run_epoch", "train_model", "predict_image",
)


def load_ipython_extension(ipython):
    """``%load_ext catdog_lib``: register the course magics."""
    from .course.magics import load_ipython_extension as load

    load(ipython)
