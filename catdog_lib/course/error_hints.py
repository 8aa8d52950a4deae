"""Hints for an error a learner's own code raised, by the kind of error: a shape, a dtype, a device,
a missing import... and the error's first line, as a verdict quotes it.

``load_piece`` gives them to a piece file that fails as it runs, the plugin to a
check during which the learner's code raised.
"""
import re

from ..errors import first_line
from ..i18n import N_, tr
from .prelude import PRELUDE_NAMES


# Hints for an error a learner's code raised, by the kind of error: (exception types, pattern in its
# message, hint). The first that matches wins; READ_THE_TRACEBACK when none does.
ERROR_HINTS = (
    ((RuntimeError, ValueError), r"shapes cannot be multiplied|size mismatch|must match the size|"
     r"Expected input batch_size|is invalid for input of size|expected input\[|Given groups=",
     N_("A shape error: the tensor reaching that line has another shape than the layer expects; "
        "print(x.shape) just before it and compare with the sizes the check asked for.")),
    ((TypeError,), r"invalid combination of arguments",
     N_("A torch function got an argument of the wrong kind: print(type(x)) of what you pass it; "
        "the checks pass arguments in the order of the lesson's def line.")),
    ((RuntimeError, TypeError, ValueError), r"scalar type|same dtype|should be a float tensor|"
     r"expected .*(Float|Long|Byte|Double)|Found dtype|dtype .* expected",
     N_("A dtype error, a missing conversion: a tensor holds other numbers than the next step expects "
        "(uint8 0 to 255 where float in [0, 1] is needed, or float labels where int64 is); "
        "transforms.ToTensor() (or v2.ToDtype(torch.float32, scale=True)) makes images float.")),
    ((RuntimeError, TypeError, AssertionError), r"same device|device type tensor to numpy|"
     r"not compiled with CUDA|NVIDIA driver|CUDA",
     N_("A device error: every tensor of one operation must be on the same device; move batches with "
        "x = x.to(device) (keep the result), make new tensors with device=..., and call .cpu() before .numpy().")),
    ((TypeError,), r"unexpected keyword argument|positional argument|required positional|missing \d+ required",
     N_("The checks call your function as the lesson's def line says: keep its parameter names, order and defaults.")),
    ((AttributeError,), r"'str' object has no attribute",
     N_("A str has no .name, .parent or .suffix: wrap it first, Path(path), which works for a str and a Path alike.")),
    ((AttributeError, TypeError), r"'(Posix|Windows)?Path' object|PosixPath|WindowsPath",
     N_("A Path is not a str: use Path(path).name and Path(path) / 'x' instead of str methods, or str(path) first.")),
    ((AttributeError,), r"'NoneType' object has no attribute",
     N_("Something is None where your code expects an object: an argument the check passed as None "
        "(such as scheduler=None), or a function that returns nothing; test for None first.")),
    ((AttributeError,), r"object has no attribute",
     N_("That object is not what your code takes it for: print(type(x)) to see what it is (arguments passed in "
        "another order than the lesson's def line are a common cause).")),
    ((KeyError,), r"", N_("A dict has no such key: print(list(d)) to see the keys it does have.")),
    ((IndexError,), r"", N_("An index past the end: print the length (len(x) or x.shape) of what you index.")),
    ((ZeroDivisionError,), r"", N_("Something you divide by is 0: count the samples as you go, and divide once at the end.")),
    ((FileExistsError,), r"",
     N_("The file is there already from an earlier run: remove the old folder first (shutil.rmtree), "
        "or skip what exists.")),
    ((FileNotFoundError, NotADirectoryError), r"",
     N_("A file or folder your code opens is not there: build its path from the arguments "
        "(Path(dest) / 'train' / label) and create folders with mkdir(parents=True, exist_ok=True).")),
    ((ModuleNotFoundError,), r"",
     N_("That module is not installed here: use what the lesson's first cell imports, or the standard library.")),
)
READ_THE_TRACEBACK = (N_("Read the short traceback below: its last line of your code is where it failed, "
                         "and the error's words say why."))
# Modules a learner's piece often needs that the prelude does not import.
_NOT_IN_THE_PRELUDE = {"shutil", "io", "collections", "itertools", "glob", "re", "tempfile", "json",
                       "functools", "operator", "statistics", "sys", "pathlib", "PIL", "torchvision"}


def error_hint(error):
    """The hint for ``error``, raised by a learner's code: one written for its kind of error."""
    if isinstance(error, NameError):
        missing = getattr(error, "name", None) or (re.findall(r"'(\w+)'", str(error)) or [""])[0]
        if missing in _NOT_IN_THE_PRELUDE:
            return tr("{name} is not among the names the lesson's first cell imports: add 'import {name}' at the top "
                      "of your piece's cell.", name=missing)
        return tr("{name} is not defined in your piece's cell: pieces see only the names the lesson's first cell "
                  "imports ({names}, the pieces), their own imports and their own definitions.",
                  name=missing or tr("A name"), names=", ".join(PRELUDE_NAMES))
    text = str(error)
    for kinds, pattern, hint in ERROR_HINTS:
        if isinstance(error, kinds) and re.search(pattern, text):
            return tr(hint)
    return tr(READ_THE_TRACEBACK)


def short_error(error, limit=200):
    """``error``'s first line, cut to ``limit`` characters with "..." to show the cut: what a verdict quotes of it."""
    text = first_line(str(error), limit=None)
    return text if len(text) <= limit else text[:limit - 3] + "..."
