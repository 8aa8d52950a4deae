"""The learner's language: English, or Simplified Chinese (``zh``).

Every sentence a learner reads (check verdicts and hints, ``%progress``, the
errors a lesson shows, plot labels) is written in English in the code and
passed through ``tr``::

    raise CatdogError(tr("there is no folder {path}: prepare the data first", path=path))

``tr`` looks the English text up in the gettext catalogue of the learner's
language, ``catdog_lib/locale/<lang>/LC_MESSAGES/catdog.mo`` (``catdog build``
compiles it from the ``.po`` next to it, with Babel), and fills in the named
values. Placeholders are always named (``{path}``, never ``{}``): a
translation may need them in another order. A message with no translation
stays English, so a missing entry never breaks anything.

The language is ``CATDOG_LANG`` (``en`` or ``zh``), which a Chinese lesson's
setup cell sets and every process it starts (the checks run in one) inherits.
Python's own ``gettext`` reads the catalogue: nothing to install.
"""
import functools
import gettext
import os
import unicodedata
from pathlib import Path

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "catdog"


def language():
    """The learner's language: ``CATDOG_LANG`` when it names one the kit has (``zh``, ``zh_CN``...), else ``en``."""
    wanted = os.environ.get("CATDOG_LANG", "").strip().lower().replace("-", "_")
    for lang in LANGUAGES:
        if wanted == lang or wanted.startswith(lang + "_"):
            return lang
    return "en"


def set_language(lang):
    """Use ``lang`` from now on, here and in the processes started from here (the checks run in one)."""
    if lang not in LANGUAGES:
        raise ValueError(f"the kit speaks {', '.join(LANGUAGES)}, not {lang!r}")
    os.environ["CATDOG_LANG"] = lang


@functools.lru_cache(maxsize=None)
def _catalogue(lang):
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)


def tr(message, lang=None, **values):
    """``message`` in the learner's language (or ``lang``), with the named ``values`` filled in.

    ``message`` is the English text and the key of the catalogue. Like
    ``str.format``: ``{name}`` is a value, ``{{`` and ``}}`` are braces.
    """
    lang = lang or language()
    text = message if lang == "en" else _catalogue(lang).gettext(message)
    return text.format(**values)


def N_(message):
    """Mark ``message`` for the catalogue without translating it now (a constant read at import time);
    pass it through ``tr`` where it is shown."""
    return message


def text_width(text):
    """The columns ``text`` takes in a terminal or a ``<pre>``: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def padded(text, width):
    """``text`` with spaces after it to fill ``width`` columns (``str.ljust`` counts a Chinese character as one)."""
    text = str(text)
    return text + " " * max(0, width - text_width(text))
