"""One exception for every problem a learner can fix: its message says how."""


class CatdogError(Exception):
    """A problem with a clear fix. The CLI prints its message as one line, and
    the notebooks show it without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of a traceback
        return [f"\033[31m{type(self).__name__}: {self}\033[0m"]
