"""The course's notebook commands: ``%%piece``, ``%check``, ``%hint``, ``%solution``, ``%progress``.

``%load_ext catdog_lib`` registers them. They are plain IPython magics, so
they work in JupyterLab, in Colab and in a terminal IPython alike:

- ``%%piece NAME`` saves the cell (without its first line) to
  ``<workspace>/NAME.py`` and runs it, so the function is defined here too.
  A cell that still holds the lesson's stub is neither saved nor run: the
  reference stays in place for the rest of the notebook (the demo cells after
  it run), and a piece saved earlier is never overwritten by the stub.
- ``%check NAME`` judges the saved piece in a fresh process (forked from the
  warm judge this extension starts, see ``warm.py``) and shows the verdict,
  with one line on why the piece matters when it passes. What a failing
  check does besides depends on who runs the notebook (``grading.py``): a
  learner's notebook goes on; under nbgrader the cell fails, or gives
  nbgrader the points earned (partial credit).
- ``%hint NAME`` shows the next hint for a piece, one more each time; after the
  last it offers ``%solution NAME``, which shows the reference piece.
- ``%progress`` shows every piece of every lesson: not started, failing or
  passing, and the points.
"""
import html

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ..errors import CatdogError
from ..i18n import N_, tr
from .collect import save_piece
from .grading import earned_points, when_a_check_fails
from .hints import next_hint, no_more_hints, solution_words
from .judge import judge, not_written
from .loading import is_stub, piece_path, reference
from .registry import PIECE_NAMES, get_piece
from .verdicts import progress_table, verdict_html, verdict_text


class PieceNotPassing(CatdogError):
    """The ``%check`` cell fails (under nbgrader, or with ``CATDOG_STRICT_CHECKS=1``): IPython shows only
    its one line, the verdict above says the rest. Unlike ``expect.CheckFailed``, one check's verdict inside
    the checks, this is what the notebook sees."""


class PieceRaised(CatdogError):
    """The code of a ``%%piece`` cell raised: its traceback is shown above this line."""


def piece_name(line, magic):
    """The piece named on a magic's line, checked against the course's pieces."""
    words = line.split()
    if len(words) != 1:
        raise CatdogError(tr("name one piece: {magic} NAME, where NAME is one of {piece_names}",
                             magic=magic, piece_names=', '.join(PIECE_NAMES)))
    get_piece(words[0])
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


def waiting(words):
    """Show ``words`` ("judging ...") while the checks run (a fresh process takes a few seconds); returns its handle."""
    from IPython.display import display

    return display({"text/plain": words}, raw=True, display_id=True)


_NOT_PASSING = {("not_started", True): N_("{name} is not written yet"),
                ("not_started", False): N_("{name} is not started yet"),
                ("failed", False): N_("{name} does not pass its checks yet")}

# The pieces whose cell held the lesson's stub when it last ran in this kernel.
_STUBS_RUN = set()


def stub_words(name, saved):
    """``(text, html)``: the one line a stub piece cell shows; ``saved`` is the piece's file, when there is one."""
    e = html.escape
    text = tr("{name} is still the lesson's stub: the reference {name} runs in its place in this notebook until "
              "you write yours here.", name=name)
    if saved is not None:
        text += tr(" Your {name} saved earlier ({saved}) is kept, and %check judges it.", name=name, saved=saved)
    return text, f'<div style="color:#6e7781">{e(text)}</div>'


@magics_class
class CourseMagics(Magics):

    @cell_magic
    def piece(self, line, cell):
        """``%%piece NAME``: save this cell to the workspace as piece NAME, then run it here."""
        name = piece_name(line, "%%piece")
        if is_stub(cell, name):
            _STUBS_RUN.add(name)
            self.shell.user_ns[name] = reference(name)
            saved = piece_path(name)
            show(*stub_words(name, saved if saved.is_file() else None))
            return
        _STUBS_RUN.discard(name)
        save_piece(name, cell)
        result = self.shell.run_cell(cell, store_history=False)
        if not result.success:  # the traceback is shown above; fail this cell with one line
            raise PieceRaised(tr("{name} is saved, but running its cell raised an error (see above)", name=name))

    @line_magic
    def check(self, line):
        """``%check NAME``: judge the saved piece NAME in a fresh process and show the verdict."""
        name = piece_name(line, "%check")
        started = piece_path(name).is_file()
        if not started and name in _STUBS_RUN:
            handle, result = None, not_written(name)  # its cell is the stub: nothing to judge
        else:
            handle = waiting(tr("judging {name} ...", name=name)) if started else None
            result = judge([name])[name]
        show(verdict_text(name, result), verdict_html(name, result), handle)
        if result.get("status") == "passed":
            return None
        outcome = when_a_check_fails()
        if outcome == "points":
            return earned_points(result)
        if outcome == "fail":
            raise PieceNotPassing(tr(_NOT_PASSING[result.get("status"), bool(result.get("stub"))], name=name))
        return None

    @line_magic
    def hint(self, line):
        """``%hint NAME``: the next hint for piece NAME (one more each time); after the last, the way to the solution."""
        name = piece_name(line, "%hint")
        number, count, hint = next_hint(name)
        if hint is None:
            show(*no_more_hints(name, count))
            return
        text = tr("Hint {number} of {count} for {name}: {hint}", number=number, count=count, name=name, hint=hint)
        show(text, tr("<div><b>Hint {number} of {count}</b> for <code>{name}</code>: {hint}</div>",
                      number=number, count=count, name=html.escape(name), hint=html.escape(hint)))

    @line_magic
    def solution(self, line):
        """``%solution NAME``: the reference version of piece NAME (unless the instructor turned solutions off)."""
        show(*solution_words(piece_name(line, "%solution")))

    @line_magic
    def progress(self, line):
        """``%progress``: every piece of every lesson, judged at once: not started, failing or passing, and points."""
        handle = waiting(tr("judging every piece ..."))
        table = progress_table(judge())
        show(str(table), table._repr_html_(), handle)


def load_ipython_extension(ipython):
    """Register the course magics (``%load_ext catdog_lib`` calls this) and start warming the judge."""
    from .warm import start_in_background

    ipython.register_magics(CourseMagics)
    start_in_background()  # a process of its own imports torch and the checks while the learner reads
