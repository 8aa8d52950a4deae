"""Loading a learner's piece: where its file is, whether it is still the stub, and the function it defines.

A learner's piece is a file, ``<workspace>/<name>.py``, holding only the
learner's text. ``load_piece`` runs it in a fresh prelude (``prelude.py``) and
returns the function it defines, or raises a ``PieceError`` of one sentence
and a hint. ``reference`` gives the kit's own version, from its library module.
"""
import ast
import importlib
import linecache
from pathlib import Path

from ..errors import CatdogError
from ..i18n import N_, tr
from ..paths import workspace as default_workspace
from .error_hints import error_hint, short_error
from .prelude import prelude
from .registry import get_piece


class PieceError(CatdogError):
    """A piece file that cannot be loaded: its message says which file and what is wrong, its ``hint`` what to do."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


def reference(name):
    """The reference version of piece ``name``, from its library module (``catdog_lib.data`` for ``split_items``)."""
    module = importlib.import_module(f"catdog_lib.{get_piece(name).module}")
    return getattr(module, name)


def piece_path(name, workspace=None):
    """Where a learner's piece is saved: ``<workspace>/<name>.py``."""
    get_piece(name)
    return Path(default_workspace() if workspace is None else workspace) / f"{name}.py"


_MISSING = object()
STUB_MESSAGE = N_("{name} is not written yet: replace 'raise NotImplementedError()' with your code")


def is_stub(text, name=None):
    """Whether a piece's text is still the lesson's stub: a function (``name``, or any) whose body, after its
    docstring, only raises ``NotImplementedError``. A piece that raises it in one branch is written."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False  # loading it says where the syntax is wrong
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or name not in (None, node.name):
            continue
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        if len(body) == 1 and isinstance(body[0], ast.Raise) and _names(body[0].exc, "NotImplementedError"):
            return True
    return False


def _names(expression, name):
    """Whether ``expression`` is ``name`` or a call of it."""
    if isinstance(expression, ast.Call):
        expression = expression.func
    return isinstance(expression, ast.Name) and expression.id == name


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
            raise PieceError(tr("cannot read {path}: {error}", path=path, error=error),
                             tr("Run the piece's cell again: %%piece NAME saves it as UTF-8 text.")) from None
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
        raise PieceError(tr("{file} line {line}: {error}; fix the syntax and run the cell again", file=shown,
                            line=error.lineno, error=error.msg),
                         tr("Python could not read that line: look there (and at the end of the line above) for a "
                            "missing bracket, colon or quote, or an indentation that does not line up.")) from None

    namespace = prelude()
    shared = dict(namespace)
    namespace["__name__"] = f"catdog_piece_{name}"
    try:
        exec(code, namespace)
    except Exception as error:
        raise PieceError(tr("running {file} raised {error_type}: {error}", file=shown,
                            error_type=type(error).__name__, error=short_error(error)),
                         error_hint(error)) from error

    # In a notebook the cell runs among the lesson's names: rebinding one breaks later cells.
    rebound = [other for other, value in shared.items()
               if other != name and namespace.get(other, _MISSING) is not value]
    if rebound:
        raise PieceError(tr("{file} rebinds {names}, a name the lessons share: give your own variables and helpers "
                            "other names", file=shown, names=", ".join(rebound)),
                         tr("Rename yours (my_{name}, or import it under another name): in the notebook, every later "
                            "cell still needs {name} as the lesson's first cell made it.", name=rebound[0]))

    function = namespace.get(name)
    keep_the_def = tr("Keep the lesson's line 'def {name}(...):' at the top of the cell, and write your code under "
                      "it.", name=name)
    if function is None or function is reference(name):
        raise PieceError(tr("{file} does not define {name}: keep the line 'def {name}(...)' from the lesson",
                            file=shown, name=name), keep_the_def)
    if not callable(function):
        raise PieceError(tr("{name} in {file} is a {kind}, not a function: define it with 'def {name}(...)'",
                            name=name, file=shown, kind=type(function).__name__), keep_the_def)
    return function
