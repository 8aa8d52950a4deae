"""The model: an ImageNet ResNet18 with a new last layer for our classes.

The piece of lesson 04 that builds the network.
"""
from torch import nn
from torchvision import models


def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    """torchvision's ResNet18 with its last layer replaced for ``num_classes`` classes.

    ``weights="DEFAULT"`` starts from the weights learned on ImageNet's 1.2
    million photos (downloaded once into torch's cache); ``weights=None``
    starts from random numbers. ImageNet's ResNet ends in ``fc``, a linear
    layer from 512 features to 1000 classes; we replace it with a new
    ``nn.Linear(512, num_classes)``: transfer learning.

    With ``freeze_backbone=True`` only the new ``fc`` learns: every other
    parameter gets ``requires_grad = False``. We freeze *before* replacing
    ``fc``, so the new layer, made afterwards, stays trainable.
    """
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


# ---------------------------------------------------------------------------
# Around the piece: getting the ImageNet weights, or saying why we could not.
# build_model stays the plain lesson code; the CLI and the notebooks call
# build_model_or_explain, which makes sure the weights file is in torch's
# cache first, so that build_model only ever loads a good local file.

def parse_weights(text):
    """``"DEFAULT"`` (or a torchvision weights name) stays; ``"none"``/``None`` means random weights."""
    if text is None or str(text).strip().lower() in ("none", "random", ""):
        return None
    text = str(text).strip()
    return "DEFAULT" if text.upper() == "DEFAULT" else text


def pretrained_weights_path(weights="DEFAULT"):
    """Where torchvision looks for the ImageNet weights: ``<torch.hub.get_dir()>/checkpoints/resnet18-f37072fd.pth``."""
    import os
    from pathlib import Path

    import torch

    url = models.ResNet18_Weights.verify(weights).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def ensure_pretrained_weights(weights="DEFAULT", url=None, progress=True):
    """Make sure torch's cache holds a good ResNet18 ImageNet weights file; return its path.

    Downloads it when it is missing (from ``url``, by default torchvision's),
    checking its hash. When the download fails (no internet, a proxy's page
    instead of the file) or the file in the cache is damaged, raises a
    ``CatdogError`` that says where to put the file, or how to go on without it.
    """
    from urllib.error import URLError

    import torch

    from .errors import CatdogError

    try:
        weights_enum = models.ResNet18_Weights.verify(weights)
    except (KeyError, ValueError, TypeError):
        raise CatdogError(f"unknown weights {weights!r}: use 'DEFAULT' (ImageNet) or none (random)") from None
    path = pretrained_weights_path(weights)
    name = path.name
    where = (f"put {name} (from {weights_enum.url}) into {path.parent}/, "
             f"or train from random weights with weights=None (catdog train --weights none)")
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        hash_prefix = name.rsplit("-", 1)[-1].split(".")[0]
        try:
            torch.hub.download_url_to_file(url or weights_enum.url, str(path), hash_prefix=hash_prefix,
                                           progress=progress)
        except (URLError, OSError, RuntimeError, ValueError) as e:
            reason = str(getattr(e, "reason", "") or e).strip().splitlines()
            reason = reason[0][:150] if reason else type(e).__name__
            raise CatdogError(f"could not download the ImageNet weights ({reason}): {where}") from None
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a page saved instead of the file, a cut-off copy...
        raise CatdogError(f"{path} is damaged (not a PyTorch weights file): delete it and {where}") from None
    return path


def build_model_or_explain(num_classes=2, weights="DEFAULT", freeze_backbone=False, build=None):
    """``build(num_classes, weights, freeze_backbone)`` (default: the ``build_model`` piece), with the
    ImageNet weights fetched first, so that a missing file becomes a clear ``CatdogError``.

    ``weights`` may also be ``"none"`` (what ``--weights none`` gives): random weights.
    Pass ``build`` to use a learner's own ``build_model``.
    """
    weights = parse_weights(weights)
    if weights is not None:
        ensure_pretrained_weights(weights)
    return (build or build_model)(num_classes=num_classes, weights=weights, freeze_backbone=freeze_backbone)
