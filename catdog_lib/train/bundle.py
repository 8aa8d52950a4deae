"""The model bundle: one file with everything needed to use a trained model.

Weights alone are not enough to classify a photo: we also need the class
names (which output is "cat"), the image size and the normalization the
model was trained with. A bundle holds them all in a plain dict, saved with
``torch.save`` and read back with ``weights_only=True`` (tensors and plain
values only, so opening a bundle from someone else cannot run their code).
``catdog predict`` and the upload box load one.
"""
import pickle
import re
import warnings
from pathlib import Path

import torch

from ..errors import CatdogError, first_line
from ..i18n import tr
from ..model import build_model
from ..transforms import IMAGENET_MEAN, IMAGENET_STD
from .checkpoint import atomic_torch_save

BUNDLE_FORMAT = "catdog-bundle"
BUNDLE_VERSION = 1


def save_bundle(path, model, class_names, size, mean=IMAGENET_MEAN, std=IMAGENET_STD, extra=None):
    """Save ``model`` (a ResNet18) with its class names, image size and normalization to ``path``.

    ``extra`` is a dict of plain values (numbers, strings, lists) kept in the
    bundle, for example the training history. The write is atomic.
    """
    weights = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    bundle = {
        "format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "arch": "resnet18",
        "class_names": [str(name) for name in class_names], "size": int(size),
        "mean": [float(m) for m in mean], "std": [float(s) for s in std],
        "state_dict": weights, "extra": dict(extra or {}),
    }
    atomic_torch_save(bundle, path)
    return Path(path)


def read_bundle(path):
    """The bundle dict in ``path``, checked, with clear errors for a missing, damaged or foreign file."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CatdogError(tr("there is no model at {path}: train one with catdog train (it writes OUT/model.pt)",
                             path=path))
    if path.is_dir():
        hint = tr(" (did you mean its model.pt?)") if (path / "model.pt").is_file() else ""
        raise CatdogError(tr("{path} is a folder, not a model bundle{hint}", path=path, hint=hint))
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of a file it then refuses
            warnings.simplefilter("ignore")
            bundle = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights_only" not in str(e) and "Weights only" not in str(e):
            raise CatdogError(tr("{path} is not a readable model bundle (damaged or cut off: {error}): train again "
                                 "with catdog train", path=path, error=first_line(e, 150))) from None
        found = re.search(r"GLOBAL (\S+)", str(e))
        raise CatdogError(tr("{path} holds Python objects that could run code when loaded ({what}): refused; "
                             "load only a model.pt written by catdog train", path=path,
                             what=found.group(1) if found else tr("objects other than tensors and plain values"))) \
            from None
    except Exception as e:  # torch raises several kinds for a damaged file
        raise CatdogError(tr("{path} is not a readable model bundle (damaged or cut off: {error}): train again "
                             "with catdog train",
                             path=path, error=first_line(e, 150))) from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        if isinstance(bundle, dict) and "optimizer" in bundle and "epoch" in bundle:
            what = tr("a training checkpoint")
        elif isinstance(bundle, dict) and bundle and all(torch.is_tensor(v) for v in bundle.values()):
            what = tr("bare weights (a state_dict)")
        else:
            what = tr("something else")
        raise CatdogError(tr("{path} holds {what}, not a model bundle: use the model.pt that catdog train wrote, "
                             "or save one with catdog_lib.train.bundle.save_bundle",
                             path=path, what=what))
    if bundle.get("version", 0) > BUNDLE_VERSION:
        raise CatdogError(tr("{path} was saved by a newer catdog_lib (bundle version {version}): update the kit",
                             path=path, version=bundle['version']))
    if bundle.get("arch") != "resnet18":
        raise CatdogError(tr("{path} holds a {arch!r} model; this kit loads resnet18 only",
                             path=path, arch=bundle.get('arch')))
    return bundle


def load_bundle(path, device=None):
    """Load a model bundle: returns ``(model, info)``, the model in eval mode on ``device`` (default CPU).

    ``info`` holds ``class_names``, ``size``, ``mean``, ``std``, ``arch``
    and ``extra`` (whatever was saved with it, such as the history).
    """
    bundle = read_bundle(path)
    model = build_model(num_classes=len(bundle["class_names"]), weights=None)
    try:
        model.load_state_dict(bundle["state_dict"])
    except (RuntimeError, KeyError) as e:
        raise CatdogError(tr("{path}: the weights do not fit a ResNet18 with {count} classes ({error})",
                             path=path, count=len(bundle['class_names']), error=first_line(e, 150))) from None
    model.to(torch.device(device) if device is not None else "cpu").eval()
    info = {key: bundle[key] for key in ("arch", "class_names", "size", "mean", "std")}
    info["extra"] = bundle.get("extra", {})
    return model, info
