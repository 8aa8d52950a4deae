"""The catalogue of the sentences a learner reads, for ``tr`` (catdog_lib/i18n.py), kept by ``catdog build``.

Every ``tr("...")`` and ``N_("...")`` with a literal English text, in the
library, the checks and the lessons' code cells, is a message. ``catdog build``

- extracts them (Python's own parser: no message is missed for being on a
  line of its own or inside a notebook cell);
- updates ``catdog_lib/locale/<lang>/LC_MESSAGES/catdog.po``: a new message gets
  an empty entry; when a message changed a little, its old translation is kept,
  marked fuzzy, with the previous English (``#| msgid``) beside it, as GNU
  ``msgmerge`` does; messages no longer in the code are dropped;
- compiles ``catdog.mo`` next to it, which Python's ``gettext`` reads at run
  time, so Colab needs nothing installed. Fuzzy entries are not compiled: the
  learner then reads the English until the translation is updated.

A message without a translation, a fuzzy one, or a translation whose
placeholders (``{name}``) differ from the English is reported, and
``catdog build --check`` fails on it.
"""
import ast
import difflib
import string
from pathlib import Path

from ..errors import CatdogError
from ..i18n import DOMAIN, LOCALE_DIR
from .translate import why_untranslated

MARKERS = ("tr", "N_")


def placeholders(text):
    """The names of the ``{placeholders}`` of a message (``{{`` and ``}}`` are braces, not placeholders)."""
    try:
        return sorted({field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(text)
                       if field is not None})
    except ValueError as e:
        raise CatdogError(f"the message {text[:60]!r} is not a valid format string ({e}): double a literal brace") from None


def messages_in_source(text, filename="<source>"):
    """``[(English text, line)]`` of every ``tr``/``N_`` call with a literal first argument in Python ``text``."""
    found = []
    for node in ast.walk(ast.parse(text, filename)):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            first = node.args[0]
            if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((first.value, node.lineno))
    return found


def _notebook_code(path):
    """The Python of a notebook's code cells, magics turned into calls as IPython would."""
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    nb = nbformat.read(path, as_version=4)
    return [(cell.id, transform(cell.source)) for cell in nb.cells if cell.cell_type == "code"]


def extract(root):
    """``{English text: [where, ...]}`` of every message of the kit at ``root``, in the order found."""
    root = Path(root)
    found = {}
    files = sorted((root / "catdog_lib").rglob("*.py")) + sorted((root / "checks").glob("*.py"))
    for path in files:
        for text, line in messages_in_source(path.read_text(encoding="utf-8"), str(path)):
            found.setdefault(text, []).append(f"{path.relative_to(root)}:{line}")
    for path in sorted((root / "solutions").glob("*.ipynb")):
        for cell_id, code in _notebook_code(path):
            for text, _ in messages_in_source(code, f"{path.name} cell {cell_id}"):
                found.setdefault(text, []).append(f"{path.relative_to(root)}#{cell_id}")
    for text in found:
        placeholders(text)  # a clear error for a broken one
    return found


def catalogue_path(lang):
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(catalogue, found):
    """``(catalogue in step with the messages ``found``, what changed)``; ``catalogue`` is not changed."""
    import polib

    old = {entry.msgid: entry for entry in catalogue if not entry.obsolete}
    fresh = polib.POFile(wrapwidth=0)
    fresh.metadata, fresh.header = dict(catalogue.metadata), catalogue.header
    changed, unmatched = [], [msgid for msgid in old if msgid not in found]
    for text, places in found.items():
        entry = polib.POEntry(msgid=text, msgstr="", occurrences=[(place, "") for place in places[:3]])
        previous = old.get(text)
        if previous is not None:
            entry.msgstr, entry.flags, entry.tcomment = previous.msgstr, list(previous.flags), previous.tcomment
            entry.previous_msgid = previous.previous_msgid if "fuzzy" in previous.flags else None
        else:
            close = difflib.get_close_matches(text, unmatched, n=1, cutoff=0.75)
            if close and old[close[0]].msgstr:
                entry.msgstr, entry.flags = old[close[0]].msgstr, ["fuzzy"]
                entry.previous_msgid = close[0]
                unmatched.remove(close[0])
                changed.append(f"changed, its translation marked fuzzy: {text[:70]!r}")
            else:
                changed.append(f"new: {text[:70]!r}")
        fresh.append(entry)
    changed += [f"gone: {msgid[:70]!r}" for msgid in unmatched]
    return fresh, changed


def problems(catalogue):
    """Sentences naming each message a learner would read in English, out of date, or broken."""
    found = []
    for entry in catalogue:
        why = why_untranslated(entry)
        if why:
            found.append(f"{why}: {entry.msgid[:80]!r}")
        elif not entry.obsolete and placeholders(entry.msgstr) != placeholders(entry.msgid):
            found.append(f"its placeholders {placeholders(entry.msgstr)} are not the English's "
                         f"{placeholders(entry.msgid)}: {entry.msgid[:60]!r}")
    return found


def compiled(catalogue):
    """The ``.mo`` bytes of ``catalogue``: translated, non-fuzzy entries only."""
    import os
    import tempfile

    import polib

    usable = polib.POFile()
    usable.metadata = dict(catalogue.metadata)
    for entry in catalogue:
        if entry.msgstr and "fuzzy" not in entry.flags and not entry.obsolete:
            usable.append(polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr))
    fd, tmp = tempfile.mkstemp(suffix=".mo")
    os.close(fd)
    try:
        usable.save_as_mofile(tmp)
        return Path(tmp).read_bytes()
    finally:
        os.unlink(tmp)
