"""Checkpoints: save a training run after each epoch, and pick it up again.

A checkpoint is a plain dict (as in torchvision's reference training script):
the model's and optimizer's and scheduler's states, the number of epochs done,
the history so far, the best weights, the random number generators' states,
and an ``identity``: what the run was made from (split, architecture, class
names, image size...). Resuming with other data or another model would mix
two runs into one, so :func:`load_checkpoint` refuses it with a message.

Writes are atomic: we write a temporary file in the same folder, flush it to
the disk, then rename it over the old one. A crash or a kill at any moment
leaves either the old checkpoint or the new one, never half of one.
"""
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from .errors import CatdogError


def atomic_torch_save(obj, path):
    """``torch.save(obj, path)``, but a crash mid-write never leaves a half-written ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed run
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder):
    """Make the rename itself survive a power cut (POSIX only; Windows cannot open folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rng_states():
    """The states of Python's, NumPy's and torch's random generators, in types ``torch.load`` accepts safely."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states = {
        "python": random.getstate(),
        "numpy": (kind, keys.tolist(), pos, has_gauss, cached),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states):
    """Put the generators back as :func:`rng_states` found them."""
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available() and len(states["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(states["cuda"])


def save_checkpoint(path, state):
    """Write the checkpoint dict ``state`` to ``path`` atomically."""
    atomic_torch_save(state, path)


def load_checkpoint(path, expect=None):
    """Read a checkpoint, refusing one made for another run.

    ``expect`` is a dict of identity fields (for example ``{"arch": "resnet18",
    "size": 224, "class_names": ["cat", "dog"], "split": "..."}``). Each one
    must equal the checkpoint's ``identity`` entry, else a ``CatdogError`` says
    which differs and what to do. We load with ``weights_only=True``: tensors
    and plain Python values only, never arbitrary code.
    """
    path = Path(path)
    if not path.is_file():
        raise CatdogError(f"there is no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for damaged files
        raise CatdogError(f"{path} is not a readable checkpoint ({_first_line(e)}): "
                          f"delete it to start the training afresh") from None
    if not isinstance(state, dict) or "epoch" not in state or "model" not in state:
        raise CatdogError(f"{path} is not a training checkpoint: delete it or choose another path")
    identity = state.get("identity") or {}
    for key, wanted in (expect or {}).items():
        found = identity.get(key, "(not recorded)")
        if _plain(found) != _plain(wanted):
            raise CatdogError(
                f"checkpoint {path} belongs to another run: its {key} is {_short(found)}, this run's is "
                f"{_short(wanted)}; delete the checkpoint or choose another path to start afresh")
    return state


def _plain(value):
    """Tuples and lists compare equal: a checkpoint stores lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _first_line(error):
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__
