"""The lessons in another language, kept in step with the English ones by ``catdog build``.

The translation of ``solutions/NN_name.ipynb`` into Chinese is a gettext
catalogue, ``solutions/zh/NN_name.po``, keyed by cell id: one entry per
markdown cell (``msgctxt`` the cell's id, ``msgid`` its English text,
``msgstr`` the translation) and one per piece docstring (``msgctxt``
``"<id> docstring"``). A translator edits it with any PO editor (Poedit,
Weblate, a text editor) and sees the English next to each translation.
``catdog build`` then

- updates the catalogue from the English notebook: a new cell gets an empty
  entry; a cell whose English changed keeps its translation, marked *fuzzy*,
  with the previous English text beside it (``#| msgid``), so the translator
  sees what changed; entries of cells that are gone are dropped;
- writes ``solutions/zh/NN_name.ipynb``: the English notebook with every
  markdown cell and piece docstring translated, the same cell ids, the same
  code, but for the one word that tells the course its language: the setup
  cell's ``start_lesson(KIT)`` reads ``start_lesson(KIT, lang="zh")``;
- releases ``lessons/zh/NN_name.ipynb`` from it, as it releases the English
  lessons.

A cell without a translation, or with a fuzzy one, keeps the English text (or
the old translation) in the Chinese notebook and is reported: ``catdog build
--check`` fails until it is translated. Nothing in a catalogue is code: the
code cells are never translated, only copied.
"""
import ast
import copy
import re
from pathlib import Path

from ..errors import CatdogError

TRANSLATIONS = ("zh",)  # the languages the course is translated into
DOCSTRING = " docstring"  # the context suffix of a piece docstring's entry


_START_LESSON = re.compile(r"\bstart_lesson\((?P<args>[^()\n]*)\)")


def with_language(setup, lang):
    """The setup cell ``setup`` of the ``lang`` edition: its ``start_lesson(...)`` call gains ``lang="<lang>"``.

    ``start_lesson`` then sets the language of everything the course says
    (checks, hints, plots) in this kernel and the processes it starts. This is
    the one difference between the code of the two editions. ``None`` when
    ``setup`` calls no ``start_lesson``, or already names a language.
    """
    found = _START_LESSON.search(setup)
    if not found or "lang=" in found["args"]:
        return None
    args = found["args"].strip()
    call = f'start_lesson({args + ", " if args else ""}lang="{lang}")'
    return setup[:found.start()] + call + setup[found.end():]


def catalogue_path(solution, lang):
    """Where the ``lang`` translation of a solution notebook lives: ``solutions/<lang>/NN_name.po``."""
    solution = Path(solution)
    return solution.parent / lang / solution.with_suffix(".po").name


# ----- what there is to translate --------------------------------------------------------

def _piece_docstring(cell):
    """``(name, docstring, function node)`` of a ``%%piece`` cell's function, or ``None``."""
    from .cells import split_piece_cell

    parsed = split_piece_cell(cell.source)
    if not parsed:
        return None
    try:
        function = ast.parse(parsed[1]).body[0]
    except (SyntaxError, IndexError):
        return None
    doc = ast.get_docstring(function) if isinstance(function, ast.FunctionDef) else None
    return (parsed[0], doc, function) if doc else None


def english_entries(nb):
    """``[(context, English text)]``: every markdown cell of ``nb`` and every piece docstring, in order."""
    entries = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            entries.append((cell.id, cell.source))
        elif cell.cell_type == "code":
            found = _piece_docstring(cell)
            if found:
                entries.append((cell.id + DOCSTRING, found[1]))
    return entries


# ----- catalogues --------------------------------------------------------------------------
# polib reads and writes PO files exactly, the previous English of a fuzzy entry (``#| msgid``) included;
# Babel's writer folds a multi-line previous msgid onto comment lines its own reader cannot parse back.

def _new_catalogue(lang):
    import polib

    catalogue = polib.POFile(wrapwidth=0)
    catalogue.metadata = {"Project-Id-Version": "catdog course", "Language": lang,
                          "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                          "Content-Transfer-Encoding": "8bit"}
    return catalogue


def read_catalogue(path, lang):
    """The catalogue at ``path`` (an empty one when there is none)."""
    import polib

    path = Path(path)
    if not path.is_file():
        return _new_catalogue(lang)
    try:
        return polib.pofile(str(path), wrapwidth=0, encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise CatdogError(f"{path} is not a readable PO file ({e}): fix it in a PO editor") from None


def catalogue_text(catalogue):
    """The text a catalogue is saved as: its entries in the notebook's order, long lines unwrapped."""
    text = str(catalogue)
    return text if text.endswith("\n") else text + "\n"


def update_catalogue(catalogue, entries):
    """``(catalogue in step with the English entries, what changed: one line each)``; ``catalogue`` is not changed."""
    import polib

    by_context = {entry.msgctxt: entry for entry in catalogue if not entry.obsolete}
    fresh = _new_catalogue(catalogue.metadata.get("Language", ""))
    fresh.metadata = dict(catalogue.metadata) or fresh.metadata
    fresh.header = catalogue.header
    changed = []
    for context, english in entries:
        old = by_context.pop(context, None)
        entry = polib.POEntry(msgctxt=context, msgid=english, msgstr="")
        if old is None:
            changed.append(f"cell {context}: new, to translate")
        else:
            entry.msgstr, entry.tcomment, entry.flags = old.msgstr, old.tcomment, list(old.flags)
            entry.previous_msgid = old.previous_msgid
            if old.msgid != english:
                if old.msgstr and "fuzzy" not in entry.flags:
                    entry.flags.append("fuzzy")
                if not ("fuzzy" in old.flags and old.previous_msgid):
                    entry.previous_msgid = old.msgid  # what the translation was made from
                changed.append(f"cell {context}: the English changed, its translation is marked fuzzy")
            elif "fuzzy" not in entry.flags:
                entry.previous_msgid = None
        fresh.append(entry)
    for context in by_context:
        changed.append(f"cell {context}: gone from the English notebook, its translation dropped")
    return fresh, changed


def why_untranslated(entry):
    """Why a learner would read catalogue ``entry`` in English, or out of date; None when it is translated."""
    if entry.obsolete:
        return None
    if not entry.msgstr:
        return "not translated yet"
    if "fuzzy" in entry.flags:
        return "the English changed since it was translated (fuzzy)"
    return None


def untranslated(catalogue):
    """``[(context, why)]`` for each entry a learner would still read in English, or read out of date."""
    return [(entry.msgctxt, why) for entry in catalogue if (why := why_untranslated(entry))]


# ----- the translated notebook ---------------------------------------------------------------

def _replace_docstring(source, function, translated):
    """The piece cell ``source`` with ``function``'s docstring replaced by ``translated``."""
    from .cells import split_piece_cell

    magic, _, body = source.partition("\n")
    lines = body.split("\n")
    doc = function.body[0]
    indent = " " * doc.col_offset
    text = translated.strip("\n").replace('"""', '\\"\\"\\"')
    doc_lines = text.split("\n")
    new = [indent + '"""' + doc_lines[0]] + [(indent + line) if line.strip() else "" for line in doc_lines[1:]]
    if len(doc_lines) > 1:
        new.append(indent + '"""')
    else:
        new[0] += '"""'
    lines[doc.lineno - 1:doc.end_lineno] = new
    result = magic + "\n" + "\n".join(lines)
    assert split_piece_cell(result)
    return result


def translate_notebook(nb, catalogue, lang):
    """The ``lang`` edition of solution notebook ``nb`` (a new notebook; ``nb`` is not changed).

    Markdown cells and piece docstrings take their translation where the
    catalogue has one that is not empty (fuzzy ones too: an old translation
    reads better than English); everything else is copied. The setup cell
    (the first code cell) passes ``lang`` to ``start_lesson`` (``with_language``).
    """
    strings = {entry.msgctxt: entry.msgstr for entry in catalogue if entry.msgstr and not entry.obsolete}
    out = copy.deepcopy(nb)
    setup_done = False
    for cell in out.cells:
        if cell.cell_type == "markdown" and cell.id in strings:
            cell.source = strings[cell.id]
        elif cell.cell_type == "code":
            if not setup_done:
                cell.source = with_language(cell.source, lang) or cell.source  # none: code_differences says so
                setup_done = True
            found = _piece_docstring(cell)
            if found and cell.id + DOCSTRING in strings:
                cell.source = _replace_docstring(cell.source, found[2], strings[cell.id + DOCSTRING])
    out.metadata.setdefault("catdog", {})["lang"] = lang
    return out


def code_differences(english, translated, lang):
    """Sentences naming each place where ``translated`` is not ``english`` apart from its words."""
    problems = []
    en_ids = [(c.id, c.cell_type) for c in english.cells]
    tr_ids = [(c.id, c.cell_type) for c in translated.cells]
    if en_ids != tr_ids:
        return ["the cells are not those of the English notebook (ids or kinds differ)"]
    first_code = True
    for en, other in zip(english.cells, translated.cells):
        if en.cell_type != "code":
            continue
        source = other.source
        if first_code:
            first_code = False
            wanted = with_language(en.source, lang)
            if wanted is None:
                problems.append(f"cell {en.id}: the setup cell calls no start_lesson(...), so the {lang} edition "
                                f"cannot tell the course its language: call start_lesson(KIT) in it")
            elif source != wanted:
                problems.append(f"cell {en.id}: the setup cell must be the English one with "
                                f'start_lesson(..., lang="{lang}"), and nothing else changed')
            continue
        en_doc, tr_doc = _piece_docstring(en), _piece_docstring(other)
        if en_doc and tr_doc:
            source = _replace_docstring(source, tr_doc[2], en_doc[1])
            if source != _replace_docstring(en.source, en_doc[2], en_doc[1]):
                problems.append(f"cell {en.id}: its code differs from the English cell's")
        elif source != en.source:
            problems.append(f"cell {en.id}: its code differs from the English cell's")
    return problems
