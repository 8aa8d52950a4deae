"""The state guard: what a piece may not leave changed, put back around every check.

A piece runs in the same process as the checks of the other pieces. Around
every check (and the loading of a piece's file) the guard saves the global
state (random, numpy and torch generators, torch's default dtype and grad
mode, the working folder, the environment, the attributes of the prelude's
modules and of their classes, such as ``nn.Linear.forward``) and puts it
back afterwards, so the other pieces are judged as if this one were not
there. It stops ``os._exit`` (``PieceExit``). It reports (``violations``, and
``verdict()`` in words) only what would break the learner's notebook:
gradient tracking left off, another default dtype, another working folder, a
library's name or class patched. Random generators, the environment and
torch's thread count are put back silently: the contract lets a piece use them.
"""
import builtins
import os
import random
import sys

from ..i18n import N_, tr
from .expect import CheckFailed


class PieceExit(BaseException):
    """Raised in place of ``os._exit`` while a check runs."""


def watched_modules():
    """The modules whose names a piece could rebind (``torch.softmax = ...``): the prelude's, and catdog_lib."""
    import copy
    import math
    import pathlib
    import time

    import numpy as np
    import PIL.Image
    import PIL.ImageOps
    import torch
    import torch.backends.mps
    import torch.nn.functional
    import torch.optim
    import torch.optim.lr_scheduler
    import torch.utils.data
    import torchvision
    import torchvision.transforms.functional

    return (builtins, os, os.path, copy, math, random, time, pathlib, np, np.random, torch, torch.nn,
            torch.nn.functional, torch.cuda, torch.backends.mps, torch.random, torch.utils.data,
            torch.optim, torch.optim.lr_scheduler,
            torchvision.datasets, torchvision.transforms, torchvision.transforms.functional,
            torchvision.models, PIL.Image, PIL.ImageOps, sys.modules["catdog_lib"])


_CLASSES = []


def watched_classes():
    """The classes a piece may use and could patch (``nn.Linear.forward = ...``): layers, optimizers,
    schedulers, data sets and loaders, transforms, the model, tensors, PIL images."""
    if not _CLASSES:
        import PIL.Image
        import torch
        import torch.optim.lr_scheduler
        import torchvision

        found = {}
        for module in (torch.nn, torch.optim, torch.optim.lr_scheduler, torch.utils.data, torchvision.datasets,
                       torchvision.transforms):
            found.update((id(value), value) for value in vars(module).values() if isinstance(value, type))
        found.update((id(cls), cls) for cls in (torch.Tensor, torchvision.models.ResNet, PIL.Image.Image))
        _CLASSES.extend(found.values())
    return _CLASSES


# What a piece may not leave changed, because it would break the learner's notebook: the words
# for it (after "<piece> ") and its hint. Random generators, the environment and torch's thread
# count are put back silently: the contract lets a piece use them (split_items's own check
# judges its use of the global random state).
_SWITCHED = {"on": N_("on"), "off": N_("off")}  # gradient tracking, as "switched {what}" says it
_BREAKS = {
    "grad": (N_("left gradient tracking switched {what} (torch.set_grad_enabled with nothing to switch it back): "
                "every later training step in your notebook would {effect}"),
             N_("Switch gradients off for a block only: with torch.no_grad(): ... or "
                "with torch.set_grad_enabled(training): ..., which switch them back at the end.")),
    "dtype": (N_("set torch's default dtype to {what} (torch.set_default_dtype): every tensor and model made after it "
                 "in your notebook would be {what}"),
              N_("Leave the default dtype alone: convert the one tensor that needs it, with .float() or .double().")),
    "cwd": (N_("changed the working folder to {what} (os.chdir): every relative path in your later cells would "
               "point somewhere else"),
            N_("Leave the working folder alone: build full paths, Path(folder) / name, instead of os.chdir(folder).")),
    "module": (N_("changed {what}, which every later cell of your notebook would use"),
               N_("Never assign to a library's names (torch.softmax = ...): give your own function a name of its own.")),
    "class": (N_("changed {what}, a library class every later cell of your notebook would use"),
              N_("Never patch a library's classes (nn.Linear.forward = ...): write a function or a subclass of your "
                 "own.")),
}


class StateGuard:
    """Save the global state and stop ``os._exit``; on exit, put everything back and list
    what the piece changed that would break a notebook (``violations``: (kind, words)).

    ``filename`` is the piece's file: a function written there and set on a library
    class is the piece's doing; other changes to a class are the library's own."""

    def __init__(self, filename):
        self.filename = filename
        self.violations = []

    def __enter__(self):
        import numpy as np
        import torch

        self.random = random.getstate()
        self.np_random = np.random.get_state()
        self.torch_rng = torch.get_rng_state()
        self.dtype = torch.get_default_dtype()
        self.grad = torch.is_grad_enabled()
        self.threads = torch.get_num_threads()
        try:
            self.cwd = os.getcwd()
        except OSError:
            self.cwd = None
        self.environ = dict(os.environ)
        self.modules = [(module, dict(vars(module))) for module in watched_modules()]
        self.classes = [(cls, dict(vars(cls))) for cls in watched_classes()]
        self.patches = []
        self._patch(os, "_exit", self._no_exit)
        return self

    def _patch(self, owner, attribute, value):
        self.patches.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, value)

    def _no_exit(self, status=0):
        raise PieceExit(status)

    def __exit__(self, *exc):
        import numpy as np
        import torch

        for owner, attribute, value in reversed(self.patches):
            setattr(owner, attribute, value)
        random.setstate(self.random)
        np.random.set_state(self.np_random)
        torch.set_rng_state(self.torch_rng)
        if torch.get_default_dtype() != self.dtype:
            self.violations.append(("dtype", str(torch.get_default_dtype())))
            torch.set_default_dtype(self.dtype)
        if torch.is_grad_enabled() != self.grad:
            self.violations.append(("grad", "on" if torch.is_grad_enabled() else "off"))
            torch.set_grad_enabled(self.grad)
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = None
        if self.cwd is not None and cwd != self.cwd:
            self.violations.append(("cwd", cwd))
            os.chdir(self.cwd)
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        for module, saved in self.modules:
            now = vars(module)
            if _unchanged(now, saved):
                continue
            for key, value in saved.items():
                if key.startswith("_") or module is builtins and key == "_":
                    continue
                if now.get(key, _MISSING) is not value:
                    label = "builtins" if module is builtins else module.__name__.replace("numpy", "np")
                    self.violations.append(("module", f"{label}.{key}"))
                    setattr(module, key, value)
        for cls, saved in self.classes:
            now = vars(cls)
            if _unchanged(now, saved):
                continue
            for key in set(saved) | set(now):
                value = now.get(key, _MISSING)
                if key.startswith("_") or value is saved.get(key, _MISSING):
                    continue
                if callable(value) and not _made_in(value, self.filename):
                    continue  # the library's own doing (torch wraps an optimizer's step on first use)
                self.violations.append(("class", f"{_class_label(cls)}.{key}"))
                if key in saved:
                    setattr(cls, key, saved[key])
                else:
                    delattr(cls, key)
        return False

    def verdict(self, who):
        """A ``CheckFailed`` saying what ``who`` (the piece, or "running its file") changed, with the
        hint for the first of those changes."""
        words = []
        for kind, what in self.violations:
            template = _BREAKS[kind][0]
            if kind == "grad":
                words.append(tr(template, what=tr(_SWITCHED[what]), effect=tr("learn nothing") if what == "off"
                                else tr("track gradients")))
            else:
                words.append(tr(template, what=what))
        message = tr("{who} {what}", who=who, what=words[0])
        if len(words) > 1:
            message = tr("{first}; it also {more}", first=message, more=tr("; ").join(words[1:]))
        return CheckFailed(message, tr(_BREAKS[self.violations[0][0]][1]))


_MISSING = object()


def _unchanged(now, saved):
    """Whether a module's or class's namespace still holds the same objects: one comparison in C, which
    takes identical values as equal without calling their __eq__ (hundreds of classes, every check)."""
    try:
        return len(now) == len(saved) and now == saved
    except Exception:  # a changed value whose == is not a plain bool (a tensor, an array)
        return False


def _made_in(value, filename):
    """Was the function ``value`` written in ``filename`` (the piece's file)?"""
    code = getattr(value, "__code__", None) or getattr(getattr(value, "__func__", None), "__code__", None)
    return code is not None and code.co_filename == filename


def _class_label(cls):
    """``nn.Linear``, ``torch.Tensor``, ``Image.Image``...: the name a lesson writes."""
    import torch

    if cls.__module__.startswith("torch.nn.") and getattr(torch.nn, cls.__name__, None) is cls:
        return f"nn.{cls.__name__}"
    if cls.__module__.startswith("torch.optim.lr_scheduler"):
        return f"torch.optim.lr_scheduler.{cls.__name__}"
    for prefix, short in (("torch.optim", "torch.optim"), ("torch.utils.data", "torch.utils.data"),
                          ("torchvision.datasets", "datasets"), ("torchvision.transforms", "transforms"),
                          ("torchvision.models", "models"), ("PIL.Image", "Image"), ("torch", "torch")):
        if cls.__module__.startswith(prefix):
            return f"{short}.{cls.__name__}"
    return cls.__qualname__
