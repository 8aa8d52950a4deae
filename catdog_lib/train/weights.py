"""The ImageNet weights the model starts from: where torch keeps them, fetching them, or saying why not.

The ``build_model`` piece stays the plain lesson code: ``models.resnet18(weights="DEFAULT")``
downloads the file into torch's cache the first time. Offline, or behind a
proxy that answers with a web page, that download fails with a long
traceback; :func:`ensure_pretrained_weights` fetches (or finds) the file
first and checks it, so that a missing or damaged file becomes one sentence
that says where to put it.
"""
import os
from pathlib import Path

from ..errors import CatdogError, first_line
from ..i18n import tr


def parse_weights(text):
    """``"DEFAULT"`` (or a torchvision weights name) stays; ``"none"``/``None`` means random weights."""
    if text is None or str(text).strip().lower() in ("none", "random", ""):
        return None
    text = str(text).strip()
    return "DEFAULT" if text.upper() == "DEFAULT" else text


def weights_file_name(weights="DEFAULT"):
    """The name of torchvision's ResNet18 weights file: ``resnet18-f37072fd.pth`` for ``"DEFAULT"``."""
    from torchvision import models

    return os.path.basename(models.ResNet18_Weights.verify(weights).url)


def pretrained_weights_path(weights="DEFAULT"):
    """Where torchvision looks for the ImageNet weights: ``<torch.hub.get_dir()>/checkpoints/resnet18-f37072fd.pth``."""
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints" / weights_file_name(weights)


WEIGHTS_URL_VARIABLE = "CATDOG_WEIGHTS_URL"  # a mirror of the weights file, or a test's server on 127.0.0.1


def weights_url(weights="DEFAULT"):
    """Where the weights file is downloaded from: ``$CATDOG_WEIGHTS_URL`` when set, else torchvision's URL."""
    from torchvision import models

    return os.environ.get(WEIGHTS_URL_VARIABLE) or models.ResNet18_Weights.verify(weights).url


def ensure_pretrained_weights(weights="DEFAULT", url=None, progress=True, folder=None):
    """Make sure torch's cache holds a good ResNet18 ImageNet weights file; return its path.

    Downloads it when it is missing with torch.hub's own download (and its
    progress bar), from ``url``, by default ``weights_url()``, and keeps it
    under torchvision's name in ``folder`` (default: torch's cache), where
    ``resnet18(weights="DEFAULT")`` loads it. The file's SHA-256 must start
    with the hex digits in the downloaded file's name (``resnet18-f37072fd.pth``),
    as torch.hub checks them. When the download fails (no internet, a proxy's
    page instead of the file) or the file in the cache is damaged, raises a
    ``CatdogError`` that says where to put the file, or how to go on without it.
    """
    from urllib.error import URLError

    import torch
    from torchvision import models

    try:
        weights_enum = models.ResNet18_Weights.verify(weights)
    except (KeyError, ValueError, TypeError):
        raise CatdogError(tr("unknown weights {weights!r}: use 'DEFAULT' (ImageNet) or none (random)",
                             weights=weights)) from None
    path = Path(folder) / weights_file_name(weights) if folder else pretrained_weights_path(weights)
    name = path.name
    url = url or weights_url(weights)
    where = tr("put {name} (from {url}) into {folder}/, or train from random weights with weights=None "
               "(catdog train --weights none)", name=name, url=weights_enum.url, folder=path.parent)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        from urllib.parse import urlparse

        named = torch.hub.HASH_REGEX.search(os.path.basename(urlparse(url).path))
        try:
            torch.hub.download_url_to_file(url, str(path), hash_prefix=named.group(1) if named else None,
                                           progress=progress)
        except (URLError, OSError, RuntimeError, ValueError) as e:
            reason = first_line(getattr(e, "reason", "") or e, 150)
            raise CatdogError(tr("could not download the ImageNet weights ({reason}): {where}",
                                 reason=reason, where=where)) from None
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a page saved instead of the file, a cut-off copy...
        raise CatdogError(tr("{path} is damaged (not a PyTorch weights file): delete it and {where}",
                             path=path, where=where)) from None
    return path
