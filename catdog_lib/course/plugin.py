"""The pytest plugin that judges a learner's pieces: ``pytest checks``.

``checks/conftest.py`` registers it. Each check asks for one piece by name
(``def test_val_is_stratified(split_items): ...``) and gets the function
under judgment: the learner's, loaded from ``<workspace>/<name>.py`` in a
fresh prelude, or the reference with ``--reference``. The plugin then:

- skips a piece with no file as *not started*, fails a stub as *not written yet*;
- shows a failing check as one sentence and a hint, never a wall of
  traceback; when the learner's own code raised, a short traceback of the
  piece file's lines only;
- stops a check that runs too long (``--catdog-timeout``, default 20 s; the
  rest of that piece's checks then fail at once; a piece that swallows the
  stop and runs on ends the run, whose JSON then names it under ``"stopped"``,
  so that ``judge`` judges the other pieces in a new run), turns ``sys.exit`` and
  ``os._exit`` into failures, fails a check that prints more than 1 MB;
- saves and restores the global state around every check (random, numpy
  and torch generators, torch's default dtype and grad mode, the working
  folder, the environment, the attributes of the prelude's modules and of
  their classes, such as ``nn.Linear.forward``), so the other pieces are
  judged as if it were not there; it fails a piece only for what would break
  the learner's notebook (gradient tracking left off, another default dtype,
  another working folder, a library's name or class patched). What the
  contract forbids besides (``split_items`` reseeding ``random``) fails the
  one check about it;
- gives every failure a hint of its own: the check's, or one for the kind of
  error the learner's code raised (a shape, a dtype, a device, a missing
  import...), never the piece's first hint in place of one;
- ends with a summary per lesson, and with ``--catdog-json PATH`` writes::

    {"reference": false, "workspace": "/path/to/my_pieces",
     "pieces": {"split_items": {
        "lesson": "02", "title": "...",
        "status": "passed" | "failed" | "not_started",
        "passed": 5, "total": 7,            # checks run for this piece
        "points": 0, "max_points": 2,        # points earned: all or nothing
        "message": "first failing check's sentence" | null,
        "hint": "the hint written for that failure" | null,
        "traceback": "short traceback of the learner's code" | null,
        "failures": [{"check": "test_...", "message": "...", "hint": "...",
                      "traceback": null}, ...]}}}

  Only pieces that had a check selected appear (``-k NAME`` gives one).

Checks use ``expect(condition, message, hint=...)`` or raise ``CheckFailed``.
"""
import builtins
import json
import os
import random
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

from .pieces import (HINTS, LESSONS, PIECE_NAMES, PIECES, PieceError, error_hint, get_piece, is_stub, load_piece,
                     piece_path, reference, short_error)

DEFAULT_TIMEOUT = 20
HARD_STOP = 2  # seconds a piece may go on swallowing the stop before the whole run is ended
STOPPED_EXIT = 12  # the exit status of a run ended that way (judge() then judges the other pieces)
_real_exit = os._exit  # the guard replaces os._exit while a check runs
OUTPUT_LIMIT = 1_000_000  # characters a check may print
SHOWN_OUTPUT = 2_000  # characters of a failing check's output shown


# -- what checks use ----------------------------------------------------------

class CheckFailed(AssertionError):
    """A check's verdict: one sentence saying what is wrong, and a hint."""

    def __init__(self, message, hint=None, learner_traceback=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.learner_traceback = learner_traceback


def expect(condition, message, hint=None):
    """Fail the check with ``message`` (and ``hint``) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message, hint)


def expect_raises(exception, function, *args, message, hint=None, **kwargs):
    """Call ``function``; fail with ``message`` unless it raises ``exception``. Returns the exception."""
    try:
        function(*args, **kwargs)
    except exception as error:
        return error
    raise CheckFailed(message, hint)


def expect_signature(function, name):
    """Fail unless ``function`` can be called as the contract's ``name(...)`` is: the same parameter names
    in the same order, the same defaults (or ``*args``/``**kwargs`` that take them), no new required ones."""
    import inspect

    wanted = inspect.signature(reference(name)).parameters
    try:
        got = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return
    line = f"def {name}({', '.join(str(p) for p in wanted.values())})"
    hint = f"Keep the lesson's def line as it is: {line}:"
    kinds = {p.kind for p in got.values()}
    mine = [p for p in got.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, want in enumerate(wanted.values()):
        have = got.get(want.name)
        if have is None:
            if inspect.Parameter.VAR_KEYWORD in kinds and (i < len(mine) or inspect.Parameter.VAR_POSITIONAL in kinds):
                continue
            raise CheckFailed(f"{name} has no parameter {want.name!r} (its def line is def {name}"
                              f"{inspect.signature(function)}): the course calls it as {line}", hint)
        if i < len(mine) and mine[i].name != want.name:
            order = ", ".join(p.name for p in mine)
            raise CheckFailed(f"{name}'s parameters come in the order ({order}), the lesson's in the order "
                              f"({', '.join(wanted)}): callers pass them by position", hint)
        if want.default is not want.empty:
            if have.default is have.empty:
                raise CheckFailed(f"{name}'s {want.name} has no default, the lesson's defaults to {want.default!r}: "
                                  f"a call that leaves {want.name} out would fail", hint)
            if not _same_default(have.default, want.default):
                raise CheckFailed(f"{name}'s {want.name} defaults to {have.default!r}, the lesson's to "
                                  f"{want.default!r}: a call that leaves {want.name} out would get another result",
                                  hint)
    for extra in got.values():
        if (extra.name not in wanted and extra.default is extra.empty
                and extra.kind not in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD)):
            raise CheckFailed(f"{name} needs a parameter {extra.name!r} that the lesson's def line does not have: "
                              f"the course calls it as {line}", f"Give {extra.name} a default, or leave it out.")


def _same_default(got, wanted):
    """Equal, or two names of the same torchvision weights ("DEFAULT" and ResNet18_Weights.DEFAULT)."""
    if got is wanted or (type(got) is type(wanted) and got == wanted):
        return True
    imagenet = {"DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT", "ResNet18_Weights.IMAGENET1K_V1"}
    return str(wanted) in imagenet and str(got) in imagenet


class CheckTimeout(BaseException):
    """Raised in the learner's code when a check runs out of time (a BaseException,
    so that ``except Exception`` in a learner's loop does not swallow it)."""


class PieceExit(BaseException):
    """Raised in place of ``os._exit`` while a check runs."""


# -- options and collection ----------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("catdog", "judging the course pieces")
    group.addoption("--workspace", default=None,
                    help="folder holding the learner's pieces (default: $CATDOG_WORKSPACE or my_pieces/)")
    group.addoption("--reference", action="store_true", default=False,
                    help="judge the reference implementations instead of the learner's files")
    group.addoption("--catdog-json", default=None, metavar="PATH", help="write the verdicts as JSON to PATH")
    group.addoption("--catdog-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                    help=f"time limit of each check (default {DEFAULT_TIMEOUT})")


_pieces_key = pytest.StashKey()
_piece_of_item = pytest.StashKey()


class _PieceState:
    """What the run knows about one piece: the function under judgment, or why there is none."""

    def __init__(self, name):
        self.name = name
        self.loaded = False
        self.function = None
        self.filename = None  # the file whose frames are the learner's
        self.skip_reason = None
        self.failure = None  # a CheckFailed every check of this piece repeats
        self.results = {}  # nodeid -> {"outcome", "message", "hint", "traceback", "check"}


def pytest_configure(config):
    config.addinivalue_line("markers", "piece(name): the piece a check judges (set from its fixture)")
    # pytest-timeout's marker, named here too so that a check's own limit is no unknown mark without it (Colab).
    config.addinivalue_line("markers", "timeout(seconds): the time limit of one check")
    config.stash[_pieces_key] = {name: _PieceState(name) for name in PIECE_NAMES}
    _offline_torch_home(config)
    # The checks' tensors are tiny: one thread is faster, and on a busy machine far faster.
    import torch

    config._catdog_old_threads = torch.get_num_threads()
    torch.set_num_threads(1)


def pytest_unconfigure(config):
    threads = getattr(config, "_catdog_old_threads", None)
    if threads:
        import torch

        torch.set_num_threads(threads)
    old = getattr(config, "_catdog_old_torch_home", False)
    if old is not False:
        if old is None:
            os.environ.pop("TORCH_HOME", None)
        else:
            os.environ["TORCH_HOME"] = old


def _offline_torch_home(config):
    """Point torch's cache at a temporary folder holding a stand-in for the ImageNet
    ResNet18 file, so ``weights="DEFAULT"`` loads without the network. Every
    weight of the stand-in is ``FAKE_WEIGHT``, so a check can tell it was loaded."""
    import tempfile

    import torch

    home = Path(tempfile.mkdtemp(prefix="catdog_torch_home_"))
    checkpoints = home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    from torchvision import models

    with torch.device("meta"):
        shapes = models.resnet18().state_dict()
    # Expanded one-element tensors: the file stays a few kilobytes.
    fake = {key: torch.tensor(FAKE_WEIGHT if value.is_floating_point() else 0, dtype=value.dtype).expand(value.shape)
            for key, value in shapes.items()}
    torch.save(fake, checkpoints / "resnet18-f37072fd.pth")
    config._catdog_old_torch_home = os.environ.get("TORCH_HOME")
    config._catdog_torch_home = home
    os.environ["TORCH_HOME"] = str(home)


FAKE_WEIGHT = 0.0123


def pytest_collection_modifyitems(config, items):
    timeout = config.getoption("catdog_timeout")
    own_timeout = config.getoption("timeout", None) is not None
    for item in items:
        names = [name for name in getattr(item, "fixturenames", ()) if name in PIECE_NAMES]
        if len(names) != 1:
            continue
        item.stash[_piece_of_item] = names[0]
        item.add_marker(pytest.mark.piece(names[0]))
        item.extra_keyword_matches.add(names[0])
        if not own_timeout and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(timeout))


def _piece_of(item):
    return item.stash.get(_piece_of_item, None)


def _state(config, name):
    return config.stash[_pieces_key][name]


# -- the fixtures: one per piece ------------------------------------------------

def _judged_function(request, name):
    config = request.config
    state = _state(config, name)
    if not state.loaded:
        _load(config, state)
    if state.skip_reason:
        pytest.skip(state.skip_reason)
    if state.failure:
        raise state.failure
    return state.function


def _load(config, state):
    state.loaded = True
    name = state.name
    if config.getoption("reference"):
        import inspect

        state.function = reference(name)
        state.filename = inspect.getsourcefile(state.function)
        return
    workspace = config.getoption("workspace")
    path = piece_path(name, Path(workspace).expanduser() if workspace else None)
    state.filename = str(path)
    if not path.is_file():
        lesson = get_piece(name).lesson
        state.skip_reason = f"{name}: not started (no {path.name} yet: write it in lesson {lesson} and run its cell)"
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        state.failure = CheckFailed(f"cannot read {path}: {error}")
        return
    if is_stub(text):
        # The piece's first hint is the one about how to start: the right one here.
        state.failure = CheckFailed(_STUB_MESSAGE.format(name=name), HINTS[name][0])
        return
    guard = _Guard(state)
    with guard:
        try:
            state.function = load_piece(name, path)
        except PieceError as error:
            cause = error.__cause__
            state.failure = CheckFailed(str(error), error.hint,
                                        _learner_traceback(cause, state.filename) if cause else None)
        except SystemExit:
            state.failure = CheckFailed(_EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT)
        except PieceExit:
            state.failure = CheckFailed(_EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT)
        except CheckTimeout:
            state.failure = CheckFailed(
                f"running {path.name} took longer than the time limit: does code outside the function loop forever?",
                "Code outside the def runs when the cell runs: move loops and experiments into another cell.")
    if guard.violations and not state.failure:
        state.failure = guard.verdict(f"running {path.name}")


_STUB_MESSAGE = "{name} is not written yet: replace 'raise NotImplementedError()' with your code"
_EXIT_MESSAGE = ("{name} called {what}, which would end the whole program: "
                 "return a value or raise an exception instead")
_EXIT_HINT = ("Replace sys.exit(), exit(), quit() or os._exit() with return (or raise ValueError(...) for input "
              "you refuse): they would end the notebook's kernel, not only your function.")
_TIMEOUT_HINT = ("Look for a loop that never ends: a while loop whose condition never changes, or a loop over a "
                 "list that grows as you append to it.")


def _make_fixture(name):
    @pytest.fixture(name=name)
    def piece_fixture(request):
        return _judged_function(request, name)

    piece_fixture.__doc__ = f"The {name} under judgment (the learner's, or the reference with --reference)."
    return piece_fixture


for _name in PIECE_NAMES:
    globals()[f"_fixture_{_name}"] = _make_fixture(_name)
del _name


# -- guarding the global state around each check --------------------------------

def _watched_modules():
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

    import catdog_lib

    return (builtins, os, os.path, copy, math, random, time, pathlib, np, np.random, torch, torch.nn,
            torch.nn.functional, torch.cuda, torch.backends.mps, torch.random, torch.utils.data,
            torch.optim, torch.optim.lr_scheduler,
            torchvision.datasets, torchvision.transforms, torchvision.transforms.functional,
            torchvision.models, PIL.Image, PIL.ImageOps, catdog_lib)


_CLASSES = []


def _watched_classes():
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
_BREAKS = {
    "grad": ("left gradient tracking switched {what} (torch.set_grad_enabled with nothing to switch it back): "
             "every later training step in your notebook would {effect}",
             "Switch gradients off for a block only: with torch.no_grad(): ... or "
             "with torch.set_grad_enabled(training): ..., which switch them back at the end."),
    "dtype": ("set torch's default dtype to {what} (torch.set_default_dtype): every tensor and model made after it "
              "in your notebook would be {what}",
              "Leave the default dtype alone: convert the one tensor that needs it, with .float() or .double()."),
    "cwd": ("changed the working folder to {what} (os.chdir): every relative path in your later cells would "
            "point somewhere else",
            "Leave the working folder alone: build full paths, Path(folder) / name, instead of os.chdir(folder)."),
    "module": ("changed {what}, which every later cell of your notebook would use",
               "Never assign to a library's names (torch.softmax = ...): give your own function a name of its own."),
    "class": ("changed {what}, a library class every later cell of your notebook would use",
              "Never patch a library's classes (nn.Linear.forward = ...): write a function or a subclass of your own."),
}


class _Guard:
    """Save the global state and stop ``os._exit``; on exit, put everything back and list
    what the piece changed that would break a notebook (``violations``: (kind, words))."""

    def __init__(self, state):
        self.state = state
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
        self.modules = [(module, dict(vars(module))) for module in _watched_modules()]
        self.classes = [(cls, dict(vars(cls))) for cls in _watched_classes()]
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
                if callable(value) and not _made_in(value, self.state.filename):
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
            words.append(template.format(what=what, effect="learn nothing" if what == "off" else "track gradients"))
        message = f"{who} {words[0]}" + (f"; it also {'; '.join(words[1:])}" if len(words) > 1 else "")
        return CheckFailed(message, _BREAKS[self.violations[0][0]][1])


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


# Only the call phase runs the learner's code: the setup phase loads the piece once, under a guard of
# its own (_load), and otherwise runs the checks' own fixtures.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _guarded(item))


def _guarded(item):
    name = _piece_of(item)
    if name is None:
        return (yield)
    state = _state(item.config, name)
    if state.loaded and state.failure is not None:
        return (yield)
    guard = _Guard(state)
    try:
        with guard:
            result = yield
    except SystemExit:
        raise CheckFailed(_EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT) from None
    except PieceExit:
        raise CheckFailed(_EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT) from None
    except Exception as error:
        # Changed global state explains whatever else went wrong: say that first.
        if guard.violations:
            raise guard.verdict(name) from error
        raise
    if guard.violations:
        raise guard.verdict(name)
    return result


# -- time limits (through pytest-timeout's hooks, without its stack dumps) -------

@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item, settings):
    name = _piece_of(item)
    if name is None or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own timer
    state = _state(item.config, name)
    fired = []

    def handler(signum, frame):
        # The first alarm stops whatever runs; later ones (every half second)
        # only while the piece's code runs, in case it swallowed the first.
        if fired and not _in_file(frame, state.filename):
            return
        fired.append(time.monotonic())
        if fired[-1] - fired[0] >= HARD_STOP:
            _stop_the_run(item, name, settings.timeout)  # it swallows every stop: nothing else can end it
        raise CheckTimeout(settings.timeout)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout, 0.5)
    return True


_stopped_key = pytest.StashKey()


def _stop_the_run(item, name, timeout):
    """End the whole run from inside a piece that will not stop: record its failure, write the
    verdicts so far (naming it under ``"stopped"``), say so, and leave with ``STOPPED_EXIT``."""
    config = item.config
    state = _state(config, name)
    message = (f"{name} ran for more than {timeout:g} s and would not stop when told to: an 'except:' "
               f"(or 'except BaseException:') inside a loop catches the stop; catch only the errors you "
               f"expect, such as 'except ValueError:'")
    state.results[item.nodeid] = {"check": item.name, "outcome": "failed", "message": message,
                                  "hint": _SWALLOWED_HINT, "traceback": None}
    config.stash[_stopped_key] = name
    path = config.getoption("catdog_json")
    if path:
        Path(path).write_text(json.dumps(_summary(config), indent=2) + "\n", encoding="utf-8")
    capture = config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)
    sys.stderr.write(f"\n{message}\nThe checks stopped there: judge the other pieces with "
                     f"pytest checks -k 'not {name}'\n")
    sys.stderr.flush()
    sys.stdout.flush()
    _real_exit(STOPPED_EXIT)


_SWALLOWED_HINT = ("Catch only the errors you expect (except ValueError:, except OSError:), never a bare except: "
                   "or except BaseException: inside a loop.")


def _in_file(frame, filename):
    while frame is not None:
        if frame.f_code.co_filename == filename:
            return True
        frame = frame.f_back
    return False


# -- verdicts --------------------------------------------------------------------

def _learner_traceback(error, filename, limit=6):
    """The frames of ``error``'s traceback that lie in the piece's file, and the error line."""
    if error is None:
        return None
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == filename]
    if not frames:
        return None
    lines = ["Traceback (your code, most recent call last):\n"]
    lines += traceback.format_list(frames[-limit:])
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


def _verdict(item, name, excinfo):
    """(message, hint, traceback) for a failed phase of a check: each with a hint written for it."""
    state = _state(item.config, name)
    error = excinfo.value
    if isinstance(error, CheckFailed):
        learner_tb = error.learner_traceback
        if learner_tb is None and error.__cause__ is not None:
            learner_tb = _learner_traceback(error.__cause__, state.filename)
        return error.message, error.hint, learner_tb
    if isinstance(error, CheckTimeout):
        limit = error.args[0] if error.args else "the"
        message = (f"{name} ran for more than {limit:g} s and was stopped: is there a loop that never ends?"
                   if isinstance(limit, (int, float)) else f"{name} ran out of time")
        state.failure = CheckFailed(f"not judged further: an earlier check of {name} ran out of time",
                                    "Mend the loop that ran too long first, then run the checks again.")
        return message, _TIMEOUT_HINT, _learner_traceback(error, state.filename)
    if isinstance(error, PieceExit):
        return _EXIT_MESSAGE.format(name=name, what="os._exit()"), _EXIT_HINT, None
    if isinstance(error, SystemExit):
        return _EXIT_MESSAGE.format(name=name, what="sys.exit()"), _EXIT_HINT, None
    learner_tb = _learner_traceback(error, state.filename)
    if isinstance(error, NotImplementedError) and learner_tb:
        return _STUB_MESSAGE.format(name=name), HINTS[name][0], learner_tb
    if learner_tb:
        return f"{name} raised {type(error).__name__}: {short_error(error)}", error_hint(error), learner_tb
    if isinstance(error, pytest.fail.Exception) and "Timeout" in str(error):
        return f"{name} ran out of time and was stopped: is there a loop that never ends?", _TIMEOUT_HINT, None
    return (f"the check could not use what {name} gave ({type(error).__name__}: {short_error(error)}): "
            f"check what it returns against the lesson",
            "Compare what your function returns with the lesson's description: its type, its keys, its length.",
            None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    name = _piece_of(item)
    if name is None:
        return report
    state = _state(item.config, name)
    check = item.name

    printed = sum(len(content) for title, content in report.sections if title.startswith("Captured"))
    if printed > OUTPUT_LIMIT and report.passed and call.when == "call":
        report.outcome = "failed"
        message = (f"{name} printed {printed / 1e6:.1f} million characters: "
                   f"print a short line now and then, never inside a loop over every image")
        hint = "Print one line per epoch at most; a print for every image or batch floods the notebook."
        report.longrepr = _render(name, message, hint, None)
        _record(state, report, check, message, hint, None)
    report.sections = [(title, _shorten(content)) for title, content in report.sections]

    if call.excinfo is not None and report.failed and not hasattr(report, "_catdog_done"):
        message, hint, learner_tb = _verdict(item, name, call.excinfo)
        report.longrepr = _render(name, message, hint, learner_tb)
        _record(state, report, check, message, hint, learner_tb)
    elif report.skipped:
        _record(state, report, check, None, None, None)
    elif report.passed and call.when == "call":
        _record(state, report, check, None, None, None)
    return report


def _shorten(content):
    if len(content) <= SHOWN_OUTPUT:
        return content
    return content[:SHOWN_OUTPUT // 2] + f"\n[... {len(content) - SHOWN_OUTPUT:,} characters left out ...]\n" + \
        content[-SHOWN_OUTPUT // 2:]


def _render(name, message, hint, learner_tb):
    lines = [message if message.startswith(name) else f"{name}: {message}"]
    if hint:
        lines.append(f"Hint: {hint}")
    if learner_tb:
        lines += ["", learner_tb]
    return "\n".join(lines)


def _record(state, report, check, message, hint, learner_tb):
    report._catdog_done = True
    previous = state.results.get(report.nodeid)
    if previous and previous["outcome"] == "failed":
        return  # a check that failed in setup or call stays failed
    outcome = "skipped" if report.skipped else report.outcome
    state.results[report.nodeid] = {"check": check, "outcome": outcome, "message": message,
                                    "hint": hint, "traceback": learner_tb}


# -- the summary -------------------------------------------------------------------

def _summary(config):
    pieces = {}
    for piece in PIECES:
        state = _state(config, piece.name)
        results = list(state.results.values())
        if not results:
            continue
        failures = [r for r in results if r["outcome"] == "failed"]
        passed = sum(r["outcome"] == "passed" for r in results)
        if failures:
            status = "failed"
        elif passed:
            status = "passed"
        else:
            status = "not_started"
        first = failures[0] if failures else None
        pieces[piece.name] = {
            "lesson": piece.lesson, "title": piece.title, "status": status,
            "passed": passed, "total": len(results),
            "points": piece.points if status == "passed" else 0, "max_points": piece.points,
            "message": first["message"] if first else None,
            "hint": first["hint"] if first else None,
            "traceback": first["traceback"] if first else None,
            "failures": [{key: r[key] for key in ("check", "message", "hint", "traceback")} for r in failures],
        }
    workspace = config.getoption("workspace")
    if not config.getoption("reference"):
        from ..paths import workspace as default_workspace

        workspace = str(Path(workspace).expanduser() if workspace else default_workspace())
    summary = {"reference": bool(config.getoption("reference")), "workspace": workspace, "pieces": pieces}
    if config.stash.get(_stopped_key, None):
        summary["stopped"] = config.stash[_stopped_key]
    return summary


_STATUS_WORDS = {"passed": "passing", "failed": "FAILING", "not_started": "not started"}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    path = session.config.getoption("catdog_json")
    if path:
        summary = _summary(session.config)
        Path(path).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter, config):
    summary = _summary(config)
    pieces = summary["pieces"]
    if not pieces:
        return
    writer = terminalreporter
    writer.section("catdog: your pieces" if not summary["reference"] else "catdog: the reference pieces")
    earned = total = 0
    for lesson, title in LESSONS.items():
        rows = [(name, verdict) for name, verdict in pieces.items() if verdict["lesson"] == lesson]
        if not rows:
            continue
        writer.write_line(f"Lesson {lesson}: {title}")
        for name, verdict in rows:
            earned += verdict["points"]
            total += verdict["max_points"]
            status = _STATUS_WORDS[verdict["status"]]
            line = (f"  {name:<20} {status:<12} {verdict['passed']}/{verdict['total']} checks   "
                    f"{verdict['points']}/{verdict['max_points']} points")
            markup = {"passed": {"green": True}, "failed": {"red": True}}.get(verdict["status"], {})
            writer.write_line(line, **markup)
            if verdict["message"]:
                writer.write_line(f"      {verdict['message']}")
    writer.write_line(f"Points: {earned} of {total}", bold=True)
