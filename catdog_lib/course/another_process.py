"""Call a piece in a fresh Python process, with other string hashes than this one.

"The same seed gives the same split" must hold after a restart too, in
another process. A piece that leans on the order in which a ``set`` (or
``hash``) gives strings back passes two calls in one process and fails
across processes: string hashes, and with them the order of a set of
labels, change from one process to the next. ``call_in_another_process``
runs the piece in a new process whose ``PYTHONHASHSEED`` puts ``{"cat", "dog"}``
in the other order than this process does, and returns what it gave.

The new process gives the piece the lesson's names (``os``, ``random``,
``Path``, ``np``, ``torch``, ``transforms``, the other pieces...), but
imports numpy, torch, torchvision and PIL only when the piece first uses
them, so a piece that needs none starts in a fraction of a second.

Run as ``python -m catdog_lib.course.another_process``: reads
``{"name", "file", "args", "kwargs"}`` as JSON on stdin (``file`` null for the
reference), writes ``{"result": ..., "set_order": [...]}`` or ``{"error": "..."}``.
"""
import json
import os
import subprocess
import sys

from ..i18n import tr

# A hash seed for each order in which a set gives back {"cat", "dog"} (CPython 3.11 to 3.13).
HASH_SEED_FOR_ORDER = {("cat", "dog"): 0, ("dog", "cat"): 1}


def call_in_another_process(function, name, *args, timeout=30, **kwargs):
    """``(hash seed, result, error)``: ``function(*args, **kwargs)`` called in a new process whose string
    hashes differ from this one's, so that a set of labels comes out in the other order. ``args`` and
    the result go through JSON (tuples come back as lists). ``function`` is a learner's piece (loaded
    from its file) or the reference."""
    from .loading import reference

    here = tuple(set(("cat", "dog")))
    other = HASH_SEED_FOR_ORDER[tuple(reversed(here))]
    source = None if function is reference(name) else function.__code__.co_filename
    request = json.dumps({"name": name, "file": source, "args": list(args), "kwargs": kwargs})
    for seed in (other, HASH_SEED_FOR_ORDER[here]):
        seed_, result, error, order = _ask(request, seed, timeout)
        if error or order is None or tuple(order) != here:
            return seed_, result, error
    return seed_, result, error  # this Python orders {"cat", "dog"} alike under both seeds


def _ask(request, seed, timeout):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONHASHSEED": str(seed),
           "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, text=True)
    try:
        out, err = child.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return seed, None, tr("it ran for more than {timeout} s in a new process", timeout=timeout), None
    try:
        answer = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return seed, None, tr("the new process ended without an answer: {error}", error=err.strip()[-300:]), None
    return seed, answer.get("result"), answer.get("error"), answer.get("set_order")


class _Lazy:
    """A module (or a name in one) that is imported when first used."""

    def __init__(self, module, attribute=None):
        self.__dict__.update(_module=module, _attribute=attribute, _value=None)

    def _get(self):
        if self._value is None:
            import importlib

            value = importlib.import_module(self._module)
            self.__dict__["_value"] = getattr(value, self._attribute) if self._attribute else value
        return self._value

    def __getattr__(self, attribute):
        return getattr(self._get(), attribute)

    def __call__(self, *args, **kwargs):
        return self._get()(*args, **kwargs)

    def __repr__(self):
        return repr(self._get())


def _lazy_prelude():
    import copy
    import math
    import random
    import time
    from pathlib import Path

    from .registry import PIECE_NAMES

    namespace = {"os": os, "copy": copy, "math": math, "random": random, "time": time, "Path": Path,
                 "np": _Lazy("numpy"), "torch": _Lazy("torch"), "nn": _Lazy("torch.nn"),
                 "F": _Lazy("torch.nn.functional"), "DataLoader": _Lazy("torch.utils.data", "DataLoader"),
                 "datasets": _Lazy("torchvision.datasets"), "transforms": _Lazy("torchvision.transforms"),
                 "models": _Lazy("torchvision.models"), "Image": _Lazy("PIL.Image"),
                 "ImageOps": _Lazy("PIL.ImageOps"),
                 "IMAGENET_MEAN": (0.485, 0.456, 0.406), "IMAGENET_STD": (0.229, 0.224, 0.225)}
    namespace.update({piece: _Lazy("catdog_lib", piece) for piece in PIECE_NAMES})
    return namespace


def _main():
    request = json.loads(sys.stdin.read())
    name = request["name"]
    try:
        if request["file"] is None:
            from .loading import reference as reference_of

            function = reference_of(name)
        else:
            with open(request["file"], encoding="utf-8") as f:
                code = compile(f.read(), request["file"], "exec")
            namespace = _lazy_prelude()
            namespace["__name__"] = f"catdog_piece_{name}"
            exec(code, namespace)
            function = namespace[name]
        result = function(*request["args"], **request["kwargs"])
        answer = {"result": result}
        text = json.dumps(answer, default=lambda value: value.tolist() if hasattr(value, "tolist") else str(value))
    except BaseException as error:  # the piece's own error, whatever it is, is the answer
        text = json.dumps({"error": f"{type(error).__name__}: {error}"})
    order = list({"cat", "dog"})
    sys.stdout.write("\n" + text[:-1] + f', "set_order": {json.dumps(order)}}}\n')
    sys.stdout.flush()


if __name__ == "__main__":
    _main()
