"""Checkpoints: save a training run after each epoch, and pick it up again.

A checkpoint is a plain dict (as in torchvision's reference training script):
the model's and optimizer's and scheduler's states, the number of epochs done,
the history so far, the best weights, the random number generators' states,
and an ``identity``: what the run was made from (split, architecture, class
names, image size...). Resuming with other data or another model would mix
two runs into one, so :func:`load_checkpoint` refuses it with a message.

Writes are atomic (``catdog_lib.atomic``): a crash or a kill at any moment
leaves either the old checkpoint or the new one, never half of one.
:func:`resume` is how both training loops pick a run up again.
"""
import copy
import random
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_open, remove_stale_temporaries
from ..errors import CatdogError, first_line
from ..i18n import tr

HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def atomic_torch_save(obj, path):
    """``torch.save(obj, path)``, but a crash mid-write never leaves a half-written ``path``."""
    remove_stale_temporaries(path)  # left by a killed run (one run writes a checkpoint at a time)
    with atomic_open(path, "wb") as f:
        torch.save(obj, f)


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
        raise CatdogError(tr("there is no checkpoint at {path}", path=path))
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for damaged files
        raise CatdogError(tr("{path} is not a readable checkpoint ({error}): delete it to start the training "
                             "afresh", path=path, error=first_line(e))) from None
    if not isinstance(state, dict) or "epoch" not in state or "model" not in state:
        raise CatdogError(tr("{path} is not a training checkpoint: delete it or choose another path", path=path))
    identity = state.get("identity") or {}
    for key, wanted in (expect or {}).items():
        found = identity.get(key, "(not recorded)")
        if _plain(found) != _plain(wanted):
            raise CatdogError(
                tr("checkpoint {path} belongs to another run: its {key} is {found}, this run's is {wanted}; "
                   "delete the checkpoint or choose another path to start afresh",
                   path=path, key=key, found=_short(found), wanted=_short(wanted)))
    return state


def _plain(value):
    """Tuples and lists compare equal: a checkpoint stores lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def resume(checkpoint, identity, model, optimizer, scheduler, scaler=None):
    """Load ``checkpoint`` (when it exists and was made by the same run) into the model, optimizer,
    scheduler and scaler. Returns ``(history, best_acc, best_weights, start_epoch, state)``;
    a fresh start when there is no checkpoint (``state`` is then ``None``)."""
    if checkpoint is None or not Path(checkpoint).exists():
        return {key: [] for key in HISTORY_KEYS}, -1.0, copy.deepcopy(model.state_dict()), 0, None
    state = load_checkpoint(checkpoint, expect=identity)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    history = {key: list(state["history"].get(key, [])) for key in HISTORY_KEYS}
    return history, state["best_acc"], state["best_weights"], state["epoch"], state
