"""``output.register_callback`` as colabtools has it (google/colab/output/_js.py).

In Colab, JavaScript in a cell's output calls
``google.colab.kernel.invokeFunction(name, args, kwargs)``; the front end runs
``_invoke_function(name, json_args, json_kwargs)`` in the kernel, and the
promise resolves to the returned object's display data
(``result.data["application/json"]`` for an ``IPython.display.JSON``). A test
plays that front end with ``invoke`` (below), which does the same two steps.
"""
import json

_functions = {}


def register_callback(function_name, callback):
    _functions[function_name] = callback


def _invoke_function(function_name, json_args, json_kwargs):
    args = json.loads(json_args)
    kwargs = json.loads(json_kwargs)
    callback = _functions.get(function_name, None)
    if not callback:
        raise ValueError(f"Function not found: {function_name}")
    return callback(*args, **kwargs)


def invoke(function_name, args, kwargs=None):
    """What the front end's ``invokeFunction`` gives the page: the result's display data (the stand-in's own)."""
    from IPython import get_ipython

    result = _invoke_function(function_name, json.dumps(args), json.dumps(kwargs or {}))
    data, _ = get_ipython().display_formatter.format(result)
    return {"data": data}
