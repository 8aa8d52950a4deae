"""One exception for every problem a learner can fix: its message says how."""


class CatdogError(Exception):
    """A problem with a clear fix. The CLI prints its message as one line, and
    the notebooks show it without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"\033[31m{type(self).__name__}: {self}\033[0m"]


def first_line(error, limit=200):
    """The first line of ``error``'s message, cut to ``limit`` characters; its type's name when it has none.

    ``error`` may also be a message (a ``str``): an empty one gives ``""``.

    Another library's error can run to pages (torch's unpickling errors quote
    whole files): our messages quote only this much of it, so they stay one line.
    """
    lines = str(error).strip().splitlines()
    if lines:
        return lines[0][:limit]
    return "" if isinstance(error, str) else type(error).__name__
