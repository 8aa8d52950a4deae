"""Why a file is left out of the photos, in English where it is kept and in the learner's words where it is shown.

The index remembers each file's reason in its cache (``INDEX_CACHE``), which
every session reads, in any language: so a reason is kept as English text,
made from one of the templates below (``skip_reason``), and put into the
learner's language only when it is shown (``reason_words``), by matching it
against the templates again. A reason no template matches (from an older
cache) is shown as it is.
"""
import functools
import re
import string

from ..i18n import N_, tr

SYSTEM_FILE = N_("system file, ignored")  # .DS_Store and the like: counted, not listed
NO_PIXELS = N_("has no pixels")  # what photos.shape_problem says, after "the image"
AVIF_UNREADABLE = N_('this Pillow cannot read AVIF: pip install -U "pillow>=11.3" and restart, or convert it to JPEG')
HEIC_UNREADABLE = N_("Pillow reads HEIC only with pillow-heif: pip install pillow-heif and restart, or convert it "
                     "to JPEG")
STRIP = N_("is a strip of {width} x {height} pixels (one side over {times} times the other), "
           "which resizing would turn into a gigantic image: crop it to a photo")
TEMPLATES = (
    SYSTEM_FILE,
    N_("missing (no such file)"),
    N_("empty file (0 bytes)"),
    N_("not an image file (no extension)"),
    N_("not an image file ({suffix})"),
    N_("{kind} photo, which Pillow cannot read here: convert it to JPEG"),  # in caches of older kits
    N_("{kind} photo: {how}"),
    AVIF_UNREADABLE,
    HEIC_UNREADABLE,
    N_("too many pixels for Pillow's safety limit of {limit}: shrink it"),
    N_("not an image Pillow can read (the contents are not JPEG, PNG or another image format)"),
    N_("truncated image (the file was cut off): copy it again"),
    N_("unreadable image ({error})"),
    N_("broken image header ({error})"),
    N_("image has no pixels"),
    N_("16-bit image (mode {mode}), which torchvision's ImageFolder would load as a white picture: "
       "save it as an ordinary 8-bit JPEG or PNG"),
    N_("the image {problem}"),
    NO_PIXELS,
    STRIP,
    N_("no label: the name should look like cat.123.jpg or dog.7.jpg"),
    N_("not in a class folder (train/<label>/...)"),
    N_("another {label} photo has the same name ({other}): rename one"),
    N_("another {label} photo has the same name once converted ({name}) ({other}): rename one"),
)


def skip_reason(template, **values):
    """The English reason made from ``template`` (one of ``TEMPLATES``) and its values."""
    assert template in TEMPLATES, template
    return template.format(**values)


def reason_words(reason, lang=None):
    """``reason`` in the learner's language (or ``lang``); the values in it (a suffix, a path) stay as they are."""
    for template, pattern in _patterns():
        match = pattern.fullmatch(reason)
        if match:
            values = {name: reason_words(value, lang) for name, value in match.groupdict().items()}
            return tr(template, lang=lang, **values)
    return reason


@functools.lru_cache(maxsize=None)
def _patterns():
    """Each template with the regular expression that reads its values back out of a reason."""
    compiled = []
    for template in TEMPLATES:
        parts = []
        for literal, field, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(f"(?P<{field}>.+?)")
        compiled.append((template, re.compile("".join(parts), re.S)))
    return compiled
