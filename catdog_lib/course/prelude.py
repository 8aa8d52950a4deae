"""The prelude: the names every piece may use, as a lesson's first cell imports them.

A learner's piece file holds only the learner's text; it runs in a fresh
prelude (``prelude()``), which runs this same ``PRELUDE_IMPORTS`` text, so the
notebooks and the checks see the same names: the contract's list
(``PRELUDE_NAMES``) and the ten reference pieces.
"""

PRELUDE_IMPORTS = """\
import os
import copy
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms, models
from PIL import Image, ImageOps

from catdog_lib import IMAGENET_MEAN, IMAGENET_STD
from catdog_lib import (pick_device, label_from_filename, split_items, arrange_imagefolder,
                        build_transforms, make_loaders, build_model, run_epoch, train_model,
                        predict_image)
"""

PRELUDE_NAMES = (
    "os", "copy", "math", "random", "time", "Path", "np", "torch", "nn", "F",
    "DataLoader", "datasets", "transforms", "models", "Image", "ImageOps",
    "IMAGENET_MEAN", "IMAGENET_STD",
)


def prelude():
    """A fresh namespace with the prelude's names and the ten reference pieces."""
    namespace = {}
    exec(PRELUDE_IMPORTS, namespace)
    namespace.pop("__builtins__", None)
    return namespace
