"""The course's notebook commands: ``%%piece``, ``%check``, ``%hint``, ``%progress``.

``%load_ext catdog_lib`` registers them. They are plain IPython magics, so
they work in JupyterLab, in Colab and in a terminal IPython alike:

- ``%%piece NAME`` saves the cell (without its first line) to
  ``<workspace>/NAME.py`` and runs it, so the function is defined here too.
- ``%check NAME`` judges the saved piece in a fresh process (forked from the
  warm judge this extension starts, see ``warm.py``) and shows the verdict;
  anything but a pass then fails the cell with one short line (so nbgrader
  sees a graded cell fail, and you see no wall of traceback).
- ``%hint NAME`` shows the next hint for a piece, one more each time.
- ``%progress`` shows every piece of every lesson: not started, failing or
  passing, and the points.
"""
import json

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ..errors import CatdogError


class CheckFailed(CatdogError):
    """A ``%check`` that did not pass: IPython shows only its one line, the verdict above says the rest."""


class PieceRaised(CatdogError):
    """The code of a ``%%piece`` cell raised: its traceback is shown above this line."""


def piece_name(line, magic):
    """The piece named on a magic's line, checked against the course's pieces."""
    from .pieces import PIECES

    known = [piece.name for piece in PIECES]
    words = line.split()
    if len(words) != 1:
        raise CatdogError(f"name one piece: {magic} NAME, where NAME is one of {', '.join(known)}")
    if words[0] not in known:
        raise CatdogError(f"there is no piece called {words[0]!r}: the pieces are {', '.join(known)}")
    return words[0]


def show(text, html_text, handle=None):
    """Show HTML where the front end can (a notebook), the text elsewhere (a terminal).

    With ``handle`` (from ``waiting``), replace what that handle shows.
    """
    from IPython.display import display

    bundle = {"text/plain": text, "text/html": html_text}
    if handle is not None:
        handle.update(bundle, raw=True)
    else:
        display(bundle, raw=True)


def waiting(what):
    """Show "judging ..." while the checks run (a fresh process takes a few seconds); returns its handle."""
    from IPython.display import display

    return display({"text/plain": f"judging {what} ..."}, raw=True, display_id=True)


# ----- hints seen, kept in the workspace so a restart does not start them over ---------------

def _hints_file(workspace=None):
    from ..paths import workspace as default_workspace

    from pathlib import Path

    return (Path(workspace) if workspace else default_workspace()) / ".hints_seen.json"


def hints_seen(workspace=None):
    """``{piece name: how many hints have been shown}``."""
    path = _hints_file(workspace)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def next_hint(name, workspace=None):
    """``(number, count, hint)`` of the next hint for ``name`` and count it as seen; ``hint`` is None when none are left."""
    from .pieces import HINTS

    hints = HINTS.get(name, [])
    seen = hints_seen(workspace)
    shown = seen.get(name, 0)
    if shown >= len(hints):
        return shown, len(hints), None
    seen[name] = shown + 1
    path = _hints_file(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seen, indent=1, sort_keys=True), encoding="utf-8")
    return shown + 1, len(hints), hints[shown]


@magics_class
class CourseMagics(Magics):

    @cell_magic
    def piece(self, line, cell):
        """``%%piece NAME``: save this cell to the workspace as piece NAME, then run it here."""
        from .collect import save_piece

        name = piece_name(line, "%%piece")
        save_piece(name, cell)
        result = self.shell.run_cell(cell, store_history=False)
        if not result.success:  # the traceback is shown above; fail this cell with one line
            raise PieceRaised(f"{name} is saved, but running its cell raised an error (see above)")

    @line_magic
    def check(self, line):
        """``%check NAME``: judge the saved piece NAME in a fresh process and show the verdict."""
        from .judge import judge, verdict_html, verdict_text
        from .pieces import piece_path

        name = piece_name(line, "%check")
        handle = waiting(name) if piece_path(name).is_file() else None
        result = judge([name])[name]
        show(verdict_text(name, result), verdict_html(name, result), handle)
        if result.get("status") == "not_started":
            raise CheckFailed(f"{name} is not started yet")
        if result.get("status") != "passed":
            raise CheckFailed(f"{name} does not pass its checks yet")

    @line_magic
    def hint(self, line):
        """``%hint NAME``: the next hint for piece NAME (one more each time)."""
        import html

        name = piece_name(line, "%hint")
        number, count, hint = next_hint(name)
        if hint is None:
            text = f"No more hints for {name}: you have seen all {count}." if count else f"There are no hints for {name}."
            show(text, f"<div>{html.escape(text)}</div>")
            return
        text = f"Hint {number} of {count} for {name}: {hint}"
        show(text, f"<div><b>Hint {number} of {count}</b> for <code>{html.escape(name)}</code>: {html.escape(hint)}</div>")

    @line_magic
    def progress(self, line):
        """``%progress``: every piece of every lesson, judged at once: not started, failing or passing, and points."""
        from .judge import judge, progress_table

        handle = waiting("every piece")
        table = progress_table(judge())
        show(str(table), table._repr_html_(), handle)


def load_ipython_extension(ipython):
    """Register the course magics (``%load_ext catdog_lib`` calls this) and start warming the judge."""
    from .warm import start_in_background

    ipython.register_magics(CourseMagics)
    start_in_background()  # a process of its own imports torch and the checks while the learner reads
