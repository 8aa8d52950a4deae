"""Photos that ImageFolder would not list, converted once into files it does: nothing usable is lost.

torchvision's ``ImageFolder`` lists only the files whose ending is one of its
``IMG_EXTENSIONS`` (``photos.IMAGE_EXTENSIONS``). A GIF, a ``.jfif`` (what
Windows calls a JPEG saved from a browser), an ``.ico``, a ``.tga``... opens in
Pillow and is a photo all the same, but arranged as it is the loader would not
see it. So ``prepare`` converts each such photo into ``CONVERTED/`` beside the
arranged data (the same folders as under the photo folder), and the arranged
tree links to the converted file:

- a file holding a format ``ImageFolder`` reads under another name (a JPEG
  called ``.jfif`` or ``.jpe``, a camera's ``.mpo``) is copied byte for byte
  under that format's ending (``.jpg``);
- any other (GIF, ICO, TGA, AVIF...) is saved as a PNG of its first frame
  (an animation's first picture, as ``ImageFolder``'s loader and
  ``predict_image`` see it), in its own colours: palette, gray levels and
  transparency kept, so that ``convert("RGB")`` does what it does for any PNG.

A conversion is made once and kept while it is newer than its photo.
"""
import os
import shutil
from pathlib import Path

from ..atomic import atomic_open
from ..i18n import tr
from .index import ImageRecord
from .photos import IMAGE_EXTENSIONS

CONVERTED = "converted"  # beside train/ and val/: the converted copies the arranged tree links to

# Formats ImageFolder's loader opens, by the ending they get when copied (torchvision lists by ending only).
LISTED_ENDING = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "BMP": ".bmp", "PPM": ".ppm", "TIFF": ".tif",
                 "WEBP": ".webp"}
PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")  # what a PNG holds as it is; other modes become RGB(A)


def needs_conversion(path):
    """Is ``path`` a file whose ending ``ImageFolder`` does not list (``.gif``, ``.jfif``...)?"""
    return Path(path).suffix.lower() not in IMAGE_EXTENSIONS


def converted_name(record):
    """The file name ``record``'s photo gets in the arranged tree: its own, or the converted copy's."""
    if not needs_conversion(record.path):
        return record.path.name
    return record.path.stem + LISTED_ENDING.get(record.format, ".png")


def converted_path(record, root, folder):
    """Where the converted copy of ``record`` (a photo under ``root``) goes in ``folder``."""
    try:
        relative = Path(os.path.abspath(record.path)).relative_to(root).parent
    except ValueError:  # a photo from a list, outside the folder
        relative = Path()
    return Path(folder) / relative / converted_name(record)


def convert_photo(record, target):
    """Write the listed copy of ``record``'s photo at ``target`` (atomically); return its ``ImageRecord``.

    Raises Pillow's errors (``OSError``, ``ValueError``...) for a photo whose
    header was fine but whose pixels are not.
    """
    from PIL import Image

    target = Path(target)
    source_time = os.stat(record.path).st_mtime_ns
    if record.format in LISTED_ENDING:
        if not _is_current(target, source_time):
            with atomic_open(target, "wb") as out, open(record.path, "rb") as photo:
                shutil.copyfileobj(photo, out)
        return ImageRecord(target, record.label, record.width, record.height, record.mode, record.format)
    if _is_current(target, source_time):
        with Image.open(target) as done:
            return ImageRecord(target, record.label, *done.size, done.mode, "PNG")
    with Image.open(record.path) as image:
        image.seek(0)  # the first frame
        image.load()
        frame = image if image.mode in PNG_MODES else image.convert(
            "RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
        with atomic_open(target, "wb") as out:
            frame.save(out, format="PNG")
        return ImageRecord(target, record.label, *frame.size, frame.mode, "PNG")


def _is_current(target, source_time):
    return target.is_file() and os.stat(target).st_mtime_ns >= source_time


def convert_unlisted(images, root, folder, skipped):
    """Convert each photo of ``images`` that ``ImageFolder`` would not list into ``folder``.

    Returns ``(images, arranged)``: the photos still usable (one that could
    not be converted goes to ``skipped`` with its reason), and for each of
    them, by its path, the ``ImageRecord`` of the file to arrange: itself, or
    its converted copy. Copies in ``folder`` of photos no longer there are
    removed.
    """
    kept, arranged = [], {}
    for record in images:
        if needs_conversion(record.path):
            try:
                arranged[record.path] = convert_photo(record, converted_path(record, root, folder))
            except (OSError, ValueError, SyntaxError, EOFError) as e:
                skipped.append((record.path, tr("a {format} image that could not be converted for torchvision's "
                                                 "ImageFolder ({error}): save it as JPEG or PNG",
                                                 format=record.format or record.path.suffix, error=e)))
                continue
        else:
            arranged[record.path] = record
        kept.append(record)
    _remove_stale(Path(folder), {os.path.abspath(r.path) for p, r in arranged.items() if r.path != p})
    return kept, arranged


def _remove_stale(folder, wanted):
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
        if path.is_file() and os.path.abspath(path) not in wanted and not path.name.startswith("."):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def report_converted(converted, folder, report=print, limit=10):
    """Tell ``report`` which photos were converted, and into what: the first ``limit``, then how many more."""
    if not converted:
        return
    report(tr("Converted {count} photo(s) that torchvision's ImageFolder would not list (GIF, .jfif...) into "
              "{folder}:", count=len(converted), folder=folder))
    for original, copy in converted[:limit]:
        report(f"  {original} -> {Path(copy).name}")
    if len(converted) > limit:
        report(tr("  ... and {count} more", count=len(converted) - limit))
