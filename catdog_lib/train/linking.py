"""What a piece reaches when its code names another piece.

A function finds the names it uses but does not define, such as
``run_epoch`` in ``train_model``, in its *globals*: the namespace of the
module (or of the piece file) it was written in. To make the reference
``train_model`` call a learner's ``run_epoch``, we give it a copy of its
globals in which that name means the learner's function. The module itself
is left alone, so nothing else changes.
"""
import functools
import types


def with_names(function, **names):
    """A copy of ``function`` that finds ``names`` (``run_epoch=my_run_epoch``...) in place of its globals' own.

    Same code, defaults, closure, name and docstring; only the namespace it
    reads global names from differs. Returns ``function`` itself when every
    name already means what it should.
    """
    if all(function.__globals__.get(name, object()) is value for name, value in names.items()):
        return function
    namespace = {**function.__globals__, **names}
    copy = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__,
                              function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    functools.update_wrapper(copy, function, updated=())
    del copy.__wrapped__  # a copy, not a wrapper: inspect reads its own code
    return copy
