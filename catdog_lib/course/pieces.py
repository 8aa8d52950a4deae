"""The ten pieces a learner writes: their names, lessons, points, hints, and how to load one.

Everything that judges or shows a piece (``checks/``, the ``%check`` magic,
``catdog build``) asks this module, so a piece's name, lesson and points
live in one place. A learner's piece is a file, ``<workspace>/<name>.py``,
holding only the learner's text. It runs in the *prelude*: the names every
lesson imports at its top, plus the reference versions of the ten pieces.
"""
import linecache
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CatdogError


@dataclass(frozen=True)
class Piece:
    """One function a learner writes: its name, lesson ("01".."04"), points and title."""

    name: str
    lesson: str
    points: int
    title: str


LESSONS = {
    "01": "Setup and hardware",
    "02": "Data and splits",
    "03": "Preprocessing",
    "04": "Training",
}

# In course order.
PIECES = (
    Piece("pick_device", "01", 1, "Pick the device to train on"),
    Piece("label_from_filename", "02", 1, "Read the label from a file name"),
    Piece("split_items", "02", 2, "Split into training and validation sets"),
    Piece("arrange_imagefolder", "02", 2, "Lay the split out in class folders"),
    Piece("build_transforms", "03", 2, "Turn a photo into a normalized tensor"),
    Piece("make_loaders", "03", 2, "Datasets and data loaders"),
    Piece("build_model", "04", 2, "A ResNet18 with a new last layer"),
    Piece("run_epoch", "04", 3, "One pass over the data"),
    Piece("train_model", "04", 3, "The training loop that keeps the best weights"),
    Piece("predict_image", "04", 2, "Classify one photo"),
)

PIECE_NAMES = tuple(piece.name for piece in PIECES)

# Hints for ``%hint``, from a gentle nudge to nearly the answer.
HINTS = {
    "pick_device": [
        "Ask torch what is there: torch.cuda.is_available(), then torch.backends.mps.is_available().",
        "Return a torch.device, not a string: torch.device('cuda'), torch.device('mps') or torch.device('cpu').",
        "When prefer is given, make torch.device(prefer.lower()) and check that its kind is available "
        "(for 'cuda:N' also that N < torch.cuda.device_count()); if not, raise ValueError(f'device {prefer!r} is not available').",
    ],
    "label_from_filename": [
        "Only the file's name matters, not its folder: Path(path).name.",
        "Kaggle names are <label>.<number>.<extension>: the label is everything before the first dot.",
        "label = Path(path).name.split('.')[0].lower(); if it is not 'cat' or 'dog', raise ValueError naming the file.",
    ],
    "split_items": [
        "Split each label on its own (stratified): group the items by label first.",
        "Shuffle a copy of each group with your own generator, rng = random.Random(seed), never the global random state.",
        "For each group: rng.shuffle(group); n_val = round(len(group) * val_fraction); "
        "val gets group[:n_val], train the rest. Check 0 < val_fraction < 1 first.",
    ],
    "arrange_imagefolder": [
        "ImageFolder wants dest/train/cat/..., dest/train/dog/..., dest/val/cat/..., dest/val/dog/...",
        "Start by removing old dest/train and dest/val (shutil.rmtree), so no file of an earlier split stays behind.",
        "For each (path, label): target = dest / split / label / Path(path).name; target.parent.mkdir(parents=True, exist_ok=True); "
        "then os.symlink(os.path.abspath(path), target) when link, else shutil.copy2(path, target). Count as you go.",
    ],
    "build_transforms": [
        "Both pipelines end with transforms.ToTensor() and transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD).",
        "Training adds randomness: RandomResizedCrop(size) and RandomHorizontalFlip(). Evaluation must be deterministic.",
        "Eval: Resize(round(size * 256 / 224)), then CenterCrop(size). Convert the image to RGB first "
        "(transforms.Lambda(lambda im: im.convert('RGB'))) so grayscale and RGBA photos work.",
    ],
    "make_loaders": [
        "datasets.ImageFolder(folder, transform) reads one sub-folder per class.",
        "Train with build_transforms(train=True, size=size), val with build_transforms(train=False, size=size).",
        "DataLoader(train_set, batch_size, shuffle=True, num_workers=...) and DataLoader(val_set, batch_size, shuffle=False, ...); "
        "class_names is train_set.classes.",
    ],
    "build_model": [
        "models.resnet18(weights=weights) gives the ImageNet network; its last layer is model.fc.",
        "Replace it: model.fc = nn.Linear(model.fc.in_features, num_classes).",
        "To freeze, set requires_grad = False on every parameter *before* you replace fc, so the new fc stays trainable.",
    ],
    "run_epoch": [
        "With an optimizer: model.train(); without: model.eval() and torch.no_grad() (torch.set_grad_enabled(training) does both cases).",
        "Each training batch: optimizer.zero_grad(), outputs = model(inputs), loss = criterion(outputs, labels), loss.backward(), optimizer.step().",
        "Add loss.item() * inputs.size(0) and the number of correct predictions per batch; at the end divide both by the number of samples.",
    ],
    "train_model": [
        "Each epoch: record the lr, run_epoch on loaders['train'] with the optimizer, scheduler.step(), run_epoch on loaders['val'] without.",
        "Keep the best weights as a copy: best = copy.deepcopy(model.state_dict()); state_dict() alone changes as the model trains.",
        "After the last epoch: model.load_state_dict(best). history is a dict of lists: train_loss, train_acc, val_loss, val_acc, lr.",
    ],
    "predict_image": [
        "Open bytes with Image.open(io.BytesIO(data)) and paths with Image.open(path); turn it upright with ImageOps.exif_transpose, then .convert('RGB').",
        "Use build_transforms(train=False, size=size), add a batch dimension with .unsqueeze(0), and move it to the model's device.",
        "model.eval(); with torch.no_grad(): probs = torch.softmax(model(batch), dim=1)[0]; "
        "return {name: float(p) for name, p in zip(class_names, probs)}.",
    ],
}

# What a lesson's first code cell runs: the names every piece may use. prelude()
# runs this same text, so the notebooks and the checks see the same names.
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


class PieceError(CatdogError):
    """A piece file that cannot be loaded: its message says which file and what is wrong, its ``hint`` what to do."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


# Hints for an error a learner's code raised, by the kind of error: (exception types, pattern in its
# message, hint). The first that matches wins; READ_THE_TRACEBACK when none does.
ERROR_HINTS = (
    ((RuntimeError, ValueError), r"shapes cannot be multiplied|size mismatch|must match the size|"
     r"Expected input batch_size|is invalid for input of size|expected input\[|Given groups=",
     "A shape error: the tensor reaching that line has another shape than the layer expects; "
     "print(x.shape) just before it and compare with the sizes the check asked for."),
    ((TypeError,), r"invalid combination of arguments",
     "A torch function got an argument of the wrong kind: print(type(x)) of what you pass it; "
     "the checks pass arguments in the order of the lesson's def line."),
    ((RuntimeError, TypeError, ValueError), r"scalar type|same dtype|should be a float tensor|"
     r"expected .*(Float|Long|Byte|Double)|Found dtype|dtype .* expected",
     "A dtype error, a missing conversion: a tensor holds other numbers than the next step expects "
     "(uint8 0 to 255 where float in [0, 1] is needed, or float labels where int64 is); "
     "transforms.ToTensor() (or v2.ToDtype(torch.float32, scale=True)) makes images float."),
    ((RuntimeError, TypeError, AssertionError), r"same device|device type tensor to numpy|"
     r"not compiled with CUDA|NVIDIA driver|CUDA",
     "A device error: every tensor of one operation must be on the same device; move batches with "
     "x = x.to(device) (keep the result), make new tensors with device=..., and call .cpu() before .numpy()."),
    ((TypeError,), r"unexpected keyword argument|positional argument|required positional|missing \d+ required",
     "The checks call your function as the lesson's def line says: keep its parameter names, order and defaults."),
    ((AttributeError,), r"'str' object has no attribute",
     "A str has no .name, .parent or .suffix: wrap it first, Path(path), which works for a str and a Path alike."),
    ((AttributeError, TypeError), r"'(Posix|Windows)?Path' object|PosixPath|WindowsPath",
     "A Path is not a str: use Path(path).name and Path(path) / 'x' instead of str methods, or str(path) first."),
    ((AttributeError,), r"'NoneType' object has no attribute",
     "Something is None where your code expects an object: an argument the check passed as None "
     "(such as scheduler=None), or a function that returns nothing; test for None first."),
    ((AttributeError,), r"object has no attribute",
     "That object is not what your code takes it for: print(type(x)) to see what it is (arguments passed in "
     "another order than the lesson's def line are a common cause)."),
    ((KeyError,), r"",
     "A dict has no such key: print(list(d)) to see the keys it does have."),
    ((IndexError,), r"",
     "An index past the end: print the length (len(x) or x.shape) of what you index."),
    ((ZeroDivisionError,), r"",
     "Something you divide by is 0: count the samples as you go, and divide once at the end."),
    ((FileExistsError,), r"",
     "The file is there already from an earlier run: remove the old folder first (shutil.rmtree), "
     "or skip what exists."),
    ((FileNotFoundError, NotADirectoryError), r"",
     "A file or folder your code opens is not there: build its path from the arguments "
     "(Path(dest) / 'train' / label) and create folders with mkdir(parents=True, exist_ok=True)."),
    ((ModuleNotFoundError,), r"",
     "That module is not installed here: use what the lesson's first cell imports, or the standard library."),
)
READ_THE_TRACEBACK = ("Read the short traceback below: its last line of your code is where it failed, "
                      "and the error's words say why.")
# Modules a learner's piece often needs that the prelude does not import.
_NOT_IN_THE_PRELUDE = {"shutil", "io", "collections", "itertools", "glob", "re", "tempfile", "json",
                       "functools", "operator", "statistics", "sys", "pathlib", "PIL", "torchvision"}


def error_hint(error):
    """The hint for ``error``, raised by a learner's code: one written for its kind of error."""
    if isinstance(error, NameError):
        missing = getattr(error, "name", None) or (re.findall(r"'(\w+)'", str(error)) or [""])[0]
        if missing in _NOT_IN_THE_PRELUDE:
            return (f"{missing} is not among the names the lesson's first cell imports: "
                    f"add 'import {missing}' at the top of your piece's cell.")
        return (f"{missing or 'A name'} is not defined in your piece's cell: pieces see only the names the "
                "lesson's first cell imports (os, copy, math, random, time, Path, np, torch, nn, F, DataLoader, "
                "datasets, transforms, models, Image, ImageOps, IMAGENET_MEAN, IMAGENET_STD, the pieces), "
                "their own imports and their own definitions.")
    text = str(error)
    for kinds, pattern, hint in ERROR_HINTS:
        if isinstance(error, kinds) and re.search(pattern, text):
            return hint
    return READ_THE_TRACEBACK


def short_error(error, limit=200):
    """``error``'s first line, cut to ``limit`` characters: what a verdict quotes of it."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def get_piece(name):
    """The ``Piece`` called ``name``; a ``CatdogError`` listing the pieces for any other name."""
    for piece in PIECES:
        if piece.name == name:
            return piece
    raise CatdogError(f"there is no piece called {name!r}: the pieces are {', '.join(PIECE_NAMES)}")


def reference(name):
    """The reference version of a piece, from catdog_lib."""
    get_piece(name)
    import catdog_lib

    return getattr(catdog_lib, name)


def piece_path(name, workspace=None):
    """Where a learner's piece is saved: ``<workspace>/<name>.py``."""
    get_piece(name)
    if workspace is None:
        from ..paths import workspace as default_workspace

        workspace = default_workspace()
    return Path(workspace) / f"{name}.py"


def prelude():
    """A fresh namespace with the prelude's names and the ten reference pieces."""
    namespace = {}
    exec(PRELUDE_IMPORTS, namespace)
    namespace.pop("__builtins__", None)
    return namespace


_MISSING = object()
_STUB_LINE = re.compile(r"^\s*raise\s+NotImplementedError\b", re.MULTILINE)


def is_stub(text):
    """Whether a piece's text is still the lesson's stub (it raises ``NotImplementedError``)."""
    return bool(_STUB_LINE.search(text))


def _looks_like_path(value):
    if isinstance(value, Path):
        return True
    return isinstance(value, str) and "\n" not in value and value.endswith(".py") and Path(value).is_file()


def load_piece(name, text_or_path):
    """Run a piece's text in a fresh prelude and return the function it defines.

    ``text_or_path`` is the file's text, or its path (a ``Path``, or a ``str``
    ending in ``.py`` that names a file). Raises ``PieceError`` with one
    sentence when the text does not parse, fails while it runs, or does not
    define a function called ``name``. ``SystemExit`` and other
    ``BaseException`` s from the file's top level pass through.
    """
    get_piece(name)
    if _looks_like_path(text_or_path):
        path = Path(text_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PieceError(f"cannot read {path}: {error}",
                             "Run the piece's cell again: %%piece NAME saves it as UTF-8 text.") from None
        filename = str(path)
        shown = path.name
    else:
        text = text_or_path
        filename = f"<piece {name}>"
        shown = f"{name}.py"
    # Let tracebacks show the learner's lines, also when the text never was a file.
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)

    try:
        code = compile(text, filename, "exec")
    except SyntaxError as error:
        raise PieceError(f"{shown} line {error.lineno}: {error.msg}; fix the syntax and run the cell again",
                         "Python could not read that line: look there (and at the end of the line above) for a "
                         "missing bracket, colon or quote, or an indentation that does not line up.") from None

    namespace = prelude()
    shared = dict(namespace)
    namespace["__name__"] = f"catdog_piece_{name}"
    try:
        exec(code, namespace)
    except Exception as error:
        raise PieceError(f"running {shown} raised {type(error).__name__}: {short_error(error)}",
                         error_hint(error)) from error

    # In a notebook the cell runs among the lesson's names: rebinding one breaks later cells.
    rebound = [other for other, value in shared.items()
               if other != name and namespace.get(other, _MISSING) is not value]
    if rebound:
        raise PieceError(f"{shown} rebinds {', '.join(rebound)}, a name the lessons share: "
                         "give your own variables and helpers other names",
                         f"Rename yours (my_{rebound[0]}, or import it under another name): in the notebook, "
                         f"every later cell still needs {rebound[0]} as the lesson's first cell made it.")

    function = namespace.get(name)
    keep_the_def = f"Keep the lesson's line 'def {name}(...):' at the top of the cell, and write your code under it."
    if function is None or function is reference(name):
        raise PieceError(f"{shown} does not define {name}: keep the line 'def {name}(...)' from the lesson", keep_the_def)
    if not callable(function):
        raise PieceError(f"{name} in {shown} is a {type(function).__name__}, not a function: "
                         f"define it with 'def {name}(...)'", keep_the_def)
    return function
