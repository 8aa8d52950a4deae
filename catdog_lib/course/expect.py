"""What a check uses to fail: ``expect``, ``expect_raises``, ``expect_signature`` and ``CheckFailed``.

A check in ``checks/`` is a pytest test that takes the piece under judgment
as a fixture and fails with one sentence and a hint of its own::

    def test_val_is_stratified(split_items):
        train, val = split_items(ITEMS, 0.25, seed=0)
        expect(counts(val) == {"cat": 10, "dog": 10}, tr("val holds {counts}: not stratified", counts=counts(val)),
               hint=tr("Split each label on its own."))

The plugin (``plugin.py``) turns a ``CheckFailed`` into the learner's verdict.
"""
import inspect

from ..i18n import tr
from .loading import reference


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


def expect_raises(exception, function, *args, message, hint=None, other=None, other_hint=None, **kwargs):
    """Call ``function``; fail with ``message`` unless it raises ``exception``. Returns the exception.

    ``message`` may be a function of what ``function`` returned instead. With ``other`` (a function of
    the error), an error of another kind fails with ``other(error)`` and ``other_hint``; without, it
    goes on up (the plugin then words it as an error the learner's code raised).
    """
    try:
        result = function(*args, **kwargs)
    except exception as error:
        return error
    except Exception as error:
        if other is None:
            raise
        raise CheckFailed(other(error), other_hint) from error
    raise CheckFailed(message(result) if callable(message) else message, hint)


def expect_signature(function, name):
    """Fail unless ``function`` can be called as the contract's ``name(...)`` is: the same parameter names
    in the same order, the same defaults (or ``*args``/``**kwargs`` that take them), no new required ones."""
    wanted = inspect.signature(reference(name)).parameters
    try:
        got = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return
    line = f"def {name}({', '.join(str(p) for p in wanted.values())})"
    hint = tr("Keep the lesson's def line as it is: {line}:", line=line)
    kinds = {p.kind for p in got.values()}
    mine = [p for p in got.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, want in enumerate(wanted.values()):
        have = got.get(want.name)
        if have is None:
            if inspect.Parameter.VAR_KEYWORD in kinds and (i < len(mine) or inspect.Parameter.VAR_POSITIONAL in kinds):
                continue
            raise CheckFailed(tr("{name} has no parameter {parameter!r} (its def line is def {name}{signature}): "
                                 "the course calls it as {line}", name=name, parameter=want.name,
                                 signature=inspect.signature(function), line=line), hint)
        if i < len(mine) and mine[i].name != want.name:
            order = ", ".join(p.name for p in mine)
            raise CheckFailed(tr("{name}'s parameters come in the order ({order}), the lesson's in the order "
                                 "({lesson_order}): callers pass them by position", name=name, order=order,
                                 lesson_order=", ".join(wanted)), hint)
        if want.default is not want.empty:
            if have.default is have.empty:
                raise CheckFailed(tr("{name}'s {parameter} has no default, the lesson's defaults to {default!r}: "
                                     "a call that leaves {parameter} out would fail", name=name, parameter=want.name,
                                     default=want.default), hint)
            if not _same_default(have.default, want.default):
                raise CheckFailed(tr("{name}'s {parameter} defaults to {got!r}, the lesson's to {default!r}: a call "
                                     "that leaves {parameter} out would get another result", name=name,
                                     parameter=want.name, got=have.default, default=want.default), hint)
    for extra in got.values():
        if (extra.name not in wanted and extra.default is extra.empty
                and extra.kind not in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD)):
            raise CheckFailed(tr("{name} needs a parameter {parameter!r} that the lesson's def line does not have: "
                                 "the course calls it as {line}", name=name, parameter=extra.name, line=line),
                              tr("Give {parameter} a default, or leave it out.", parameter=extra.name))


def _same_default(got, wanted):
    """Equal, or two names of the same torchvision weights ("DEFAULT" and ResNet18_Weights.DEFAULT)."""
    if got is wanted or (type(got) is type(wanted) and got == wanted):
        return True
    imagenet = {"DEFAULT", "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT", "ResNet18_Weights.IMAGENET1K_V1"}
    return str(wanted) in imagenet and str(got) in imagenet
