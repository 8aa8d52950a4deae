"""Photos the model can take: the checks and fixes every way in shares (a folder, ``catdog predict``, uploads).

torchvision's ``ImageFolder`` lists only files with the endings in
``IMAGE_EXTENSIONS``: a photo with another ending that Pillow reads (a GIF, a
``.jfif``) would be left out by the loader, so ``prepare`` converts it into
one it lists (``convert``).

Two kinds of image open fine in Pillow and still go wrong later:

- a *strip*: one side hundreds of times the other. The evaluation transforms
  resize the short side to the model's size, so a 1 x 40,000 PNG of 160 bytes
  becomes 256 x 10 million pixels: many gigabytes, minutes of work, a dead
  kernel. Pillow's decompression-bomb limit counts pixels before resizing, so
  it lets such a file through.
- a *16-bit* image (mode ``I;16``, some PNG and TIFF files): ``convert("RGB")``
  clips every value above 255, so the photo turns white. Scaled to 8 bits
  first, it is the photo again.

AVIF photos (what many phones save now) open in Pillow 11.3 and newer; HEIC
ones (an iPhone's) with the pillow-heif plugin (``register_heif``). Where the
running Pillow cannot open one, ``heif_kind`` tells the kind from its first
bytes and ``unreadable_photo_help`` says in one sentence what to do.
"""
import os


def register_heif():
    """Let Pillow open HEIC photos (an iPhone's) when pillow-heif is installed; whether it can now.

    Pillow reads AVIF itself from 11.3 on, but HEIC only through the
    pillow-heif plugin, an optional dependency (``pip install pillow-heif``,
    or the kit's ``heic`` extra): its wheel carries libheif and an HEVC
    decoder, and a phone's browser usually uploads a HEIC photo as a JPEG
    anyway. Called when this module is imported, so every way in (``prepare``,
    ``catdog predict``, the upload box, ``predict_image`` in a lesson) has it.
    """
    import importlib.util

    if importlib.util.find_spec("pillow_heif") is None:
        return False
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except Exception:  # a broken install: HEIC photos stay unreadable, and say so
        return False
    return True


HEIF_BRANDS = {b"avif": "AVIF", b"avis": "AVIF", b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC",
               b"hevx": "HEIC", b"heim": "HEIC", b"heis": "HEIC", b"mif1": "HEIC", b"msf1": "HEIC"}


def heif_kind(head):
    """``"AVIF"`` or ``"HEIC"`` when ``head`` (a file's first bytes, or its path) starts like one, else ``None``.

    Both are ISO media files: a ``ftyp`` box whose brand names the kind.
    """
    if not isinstance(head, (bytes, bytearray, memoryview)):
        try:
            with open(head, "rb") as f:
                head = f.read(16)
        except OSError:
            return None
    head = bytes(head[:16])
    return HEIF_BRANDS.get(head[8:12]) if head[4:8] == b"ftyp" else None


def unreadable_kind(head):
    """``"AVIF"`` or ``"HEIC"`` when ``head`` starts such a photo and this Pillow has no plugin to open it, else ``None``."""
    from PIL import Image

    kind = heif_kind(head)
    Image.init()
    return kind if kind and {"AVIF": "AVIF", "HEIC": "HEIF"}[kind] not in Image.OPEN else None


class UnreadableFormat(OSError):
    """A photo in a format this Pillow cannot open (AVIF, HEIC); the message says what to do."""


def unreadable_photo_help(kind, lang=None):
    """What to do about an AVIF or HEIC photo this Pillow cannot open: one sentence, no end stop."""
    from ..i18n import tr

    from .reasons import AVIF_UNREADABLE, HEIC_UNREADABLE

    if kind == "AVIF":
        return tr(AVIF_UNREADABLE, lang=lang)
    return tr(HEIC_UNREADABLE, lang=lang)


# torchvision's IMG_EXTENSIONS, written out so that `catdog prepare` starts without
# importing torch (tests/data/test_index.py checks that the two agree).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
MAX_ASPECT = 50  # a panorama is 10:1 at most; past 50:1 it is no photo


def shape_problem(width, height, lang=None):
    """Why a ``width x height`` image is no photo to classify (one sentence, no end stop), or ``None``; in
    the learner's language, or ``lang``."""
    from ..i18n import tr

    from .reasons import NO_PIXELS, STRIP

    short, long = min(width, height), max(width, height)
    if short < 1:
        return tr(NO_PIXELS, lang=lang)
    if long > MAX_ASPECT * short:
        return tr(STRIP, lang=lang, width=width, height=height, times=MAX_ASPECT)
    return None


SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def to_8bit(image):
    """``image`` with 16-bit gray values scaled to 8 bits (mode ``L``); any other image as it is.

    Mode ``I`` (32-bit integers) is how Pillow may give a 16-bit PNG: we
    take its values as 16-bit ones too.
    """
    if image.mode not in SIXTEEN_BIT_MODES:
        return image
    import numpy as np
    from PIL import Image

    values = np.asarray(image).astype(np.int64)
    converted = Image.fromarray((np.clip(values, 0, 65535) >> 8).astype(np.uint8), mode="L")
    converted.info.update(image.info)  # keeps the EXIF orientation, if any
    return converted


def open_photo(source):
    """Open a path or a file object for the model: bombs and strips refused, 16-bit scaled, pixels decoded.

    Raises Pillow's ``DecompressionBombError`` (also where Pillow would only
    warn), ``UnidentifiedImageError``/``OSError`` for what is no image or is
    broken, and ``ValueError`` for a strip.
    """
    import warnings

    from PIL import Image

    from ..i18n import tr

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except Image.DecompressionBombWarning as warning:
            raise Image.DecompressionBombError(str(warning)) from None
        except Image.UnidentifiedImageError:
            kind = unreadable_kind(source) if isinstance(source, (str, os.PathLike)) else None
            if kind:  # an AVIF or HEIC photo this Pillow cannot read: say what to do
                raise UnreadableFormat(tr("the photo is in {kind}: {how}", kind=kind, how=unreadable_photo_help(kind))) from None
            raise
    problem = shape_problem(*image.size)
    if problem:
        image.close()
        raise ValueError(tr("the image {problem}", problem=problem))
    image.load()
    return to_8bit(image)


HEIC_READABLE = register_heif()  # every way in to the photos imports this module
