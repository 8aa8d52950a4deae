"""A way on for a stuck learner: the next hint, one more each time, and after the last the solution.

``%hint NAME`` shows the piece's hints from a gentle nudge to nearly the
answer; how many were seen is kept in the workspace (``.hints_seen.json``),
so a restarted kernel goes on where it was. After the last one it offers
``%solution NAME``: the reference piece from the library, highlighted,
unless the instructor turned solutions off (``grading.solutions_shown``).
As Kaggle Learn's ``hint()`` and ``solution()``; the words are plain text
and HTML, shown by the magics.
"""
import html
import inspect
import json
from pathlib import Path

from ..atomic import atomic_write
from ..i18n import N_, tr
from ..paths import workspace as default_workspace
from .grading import solutions_off_words, solutions_shown
from .loading import reference
from .registry import HINTS, get_piece


def _hints_file(workspace=None):
    return Path(workspace if workspace else default_workspace()) / ".hints_seen.json"


def hints_seen(workspace=None):
    """``{piece name: how many hints have been shown}``."""
    try:
        return json.loads(_hints_file(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def next_hint(name, workspace=None):
    """``(number, count, hint)`` of the next hint for ``name`` and count it as seen; ``hint`` is None when none are left."""
    hints = HINTS.get(name, [])
    seen = hints_seen(workspace)
    shown = seen.get(name, 0)
    if shown >= len(hints):
        return shown, len(hints), None
    seen[name] = shown + 1
    atomic_write(_hints_file(workspace), json.dumps(seen, indent=1, sort_keys=True))
    return shown + 1, len(hints), tr(hints[shown])


def no_more_hints(name, count):
    """``(text, html)`` after the last hint: the way on is the solution, or why there is none here."""
    e = html.escape
    seen = (tr("No more hints for {name}: you have seen all {count}.", name=name, count=count) if count
            else tr("There are no hints for {name}.", name=name))
    if solutions_shown():
        words = N_("{seen} To see the kit's own version: {solution}")
        return (tr(words, seen=seen, solution=f"%solution {name}"),
                "<div>" + tr(words, seen=e(seen), solution=f"<code>%solution {e(name)}</code>") + "</div>")
    off = solutions_off_words()
    return tr("{seen} {off}", seen=seen, off=off), "<div>" + e(tr("{seen} {off}", seen=seen, off=off)) + "</div>"


def solution_words(name):
    """``(text, html)`` of ``%solution NAME``: the reference piece, its source highlighted; or why not here."""
    e = html.escape
    get_piece(name)
    if not solutions_shown():
        off = solutions_off_words()
        return off, f"<div>{e(off)}</div>"
    function = reference(name)
    source = inspect.getsource(function)
    where = f"catdog_lib/{function.__module__.split('.', 1)[1].replace('.', '/')}.py"
    intro_words = N_("The reference {name}, as {where} holds it. Read it, then write yours in your own words in its "
                     "{piece} cell: {check} judges what you write there.")
    intro = tr(intro_words, name=name, where=where, piece="%%piece", check="%check")
    intro_html = "<div>" + tr(intro_words, name=f"<code>{e(name)}</code>", where=f"<code>{e(where)}</code>",
                              piece="<code>%%piece</code>", check="<code>%check</code>") + "</div>"
    return f"{intro}\n\n{source}", intro_html + highlighted(source)


def highlighted(source):
    """Python ``source`` as HTML with colours (pygments, as IPython's ``Code`` does), or plain ``<pre>``."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(source)}</pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))
