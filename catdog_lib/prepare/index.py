"""Index the photos: read each file's header once, keep the readable images with a label, say why any other is left out.

Opening an image reads only its header (size, mode, format), not its pixels,
so indexing thousands of photos takes seconds. A photo Pillow reads in a format
whose ending ``ImageFolder`` does not list (a GIF) is usable: ``prepare``
converts it (``convert``). A JSON cache of the headers
(``index.json``) makes the next run read only the files that changed.
"""
import json
import os
import warnings
from pathlib import Path
from typing import NamedTuple

from ..atomic import atomic_write
from ..data import label_from_filename
from ..errors import CatdogError
from ..i18n import tr
from .photos import IMAGE_EXTENSIONS, SIXTEEN_BIT_MODES, heif_kind, shape_problem, unreadable_kind, unreadable_photo_help
from .reasons import SYSTEM_FILE, reason_words, skip_reason

SYSTEM_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "icon\r"}
SYSTEM_FOLDERS = {"__macosx", "$recycle.bin", "system volume information"}
INDEX_CACHE = "index.json"  # image headers, by file size and time: a second run reads only what changed


class ImageRecord(NamedTuple):
    """One readable photo: where it is, its label, and what its header says."""
    path: Path
    label: str
    width: int
    height: int
    mode: str  # "RGB", "L" (gray), "CMYK", "P" (palette), "RGBA"...
    format: str  # "JPEG", "PNG"...



def is_system_file(path, root=None):
    """``.DS_Store``, ``Thumbs.db``, a hidden file, or a file in ``__MACOSX/`` or a hidden folder.

    Only the folders below ``root`` count (without one, the file's own
    folder): photos kept under ``~/.cache/`` are not hidden files.
    """
    path = Path(path)
    try:
        folders = path.parent.relative_to(root).parts if root else (path.parent.name,)
    except ValueError:
        folders = (path.parent.name,)
    if any(part.lower() in SYSTEM_FOLDERS or (part.startswith(".") and part not in (".", ".."))
           for part in folders):
        return True
    return path.name.lower() in SYSTEM_NAMES or path.name.startswith(".")


def walk_files(folder, exclude=()):
    """Every file under ``folder``, sorted, skipping the folders in ``exclude``."""
    exclude = {os.path.abspath(e) for e in exclude}
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if os.path.abspath(os.path.join(top, d)) not in exclude)
        for name in sorted(files):
            yield Path(top) / name


def _ends_properly(path, fmt):
    """Does the file end the way a complete JPEG or PNG ends? (A cheap test for a cut-off copy.)"""
    marker = {"JPEG": b"\xff\xd9", "PNG": b"IEND"}.get(fmt)
    if marker is None:
        return True
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 64))
        return marker in f.read()


def _label_from_name_or_folder(path):
    """``cat.1.jpg`` -> cat; else a photo in a folder named cat, cats, dog or dogs takes that label."""
    try:
        return label_from_filename(path)
    except ValueError:
        folder = Path(path).parent.name.lower()
        return {"cat": "cat", "cats": "cat", "dog": "dog", "dogs": "dog"}.get(folder)


def _extension_problem(path):
    """Why a file with this ending is no photo, or ``None``.

    Endings ``ImageFolder`` lists are photos; so is any other ending Pillow
    reads (``.gif``, ``.jfif``...): ``prepare`` converts those (``convert``).
    """
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return None
    from PIL import Image

    if suffix in Image.registered_extensions():
        return None
    if suffix in (".heic", ".heif", ".avif", ".hif"):
        kind = "AVIF" if suffix == ".avif" else "HEIC"
        return skip_reason("{kind} photo: {how}", kind=kind, how=unreadable_photo_help(kind, lang="en"))
    if not suffix:
        return skip_reason("not an image file (no extension)")
    return skip_reason("not an image file ({suffix})", suffix=suffix)


def read_image_header(path, label):
    """An ImageRecord for ``path``, or the reason (a string) it cannot be used."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    problem = _extension_problem(path)
    if problem:
        return problem
    try:
        if path.stat().st_size == 0:
            return skip_reason("empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                mode, fmt = im.mode, im.format
                if not _ends_properly(path, fmt):
                    im.load()  # only for files that look cut off: some have harmless extra bytes
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return skip_reason("too many pixels for Pillow's safety limit of {limit}: shrink it",
                           limit=f"{Image.MAX_IMAGE_PIXELS:,}")
    except UnidentifiedImageError:
        kind = unreadable_kind(path)
        if kind:  # an AVIF or HEIC photo under another ending, which this Pillow cannot open
            return skip_reason("{kind} photo: {how}", kind=kind, how=unreadable_photo_help(kind, lang="en"))
        if heif_kind(path):  # one Pillow has the plugin for, and still cannot open
            return skip_reason("unreadable image ({error})", error=f"a broken {heif_kind(path)} file")
        return skip_reason("not an image Pillow can read (the contents are not JPEG, PNG or another image format)")
    except OSError as e:
        if "truncated" in str(e):
            return skip_reason("truncated image (the file was cut off): copy it again")
        return skip_reason("unreadable image ({error})", error=e)
    except (SyntaxError, ValueError, EOFError) as e:  # Pillow's plugins raise these for broken headers
        return skip_reason("broken image header ({error})", error=e)
    if width < 1 or height < 1:
        return skip_reason("image has no pixels")
    if mode in SIXTEEN_BIT_MODES:  # ImageFolder's convert("RGB") would clip it to a white picture
        return skip_reason("16-bit image (mode {mode}), which torchvision's ImageFolder would load as a white picture: "
                           "save it as an ordinary 8-bit JPEG or PNG", mode=mode)
    problem = shape_problem(width, height, lang="en")  # the index keeps its reasons (cached) in English
    if problem:  # the evaluation resize would blow it up to gigabytes
        return skip_reason("the image {problem}", problem=problem)
    return ImageRecord(path, label, width, height, mode, fmt)


def index_images(paths_or_folder, exclude=(), cache=None):
    """Read each photo's header once; return ``(images, skipped)``.

    ``paths_or_folder``: a folder (searched with its subfolders), a list of
    paths, or a list of ``(path, label)`` pairs. Without a label we read it
    from the name with ``label_from_filename`` (``cat.1.jpg`` -> ``"cat"``),
    or else from a ``cats/`` or ``dogs/`` folder the photo is in.

    Opening an image reads only its header (size, mode, format), not its
    pixels, so indexing thousands of photos takes seconds. ``images`` holds an
    ``ImageRecord`` (path, label, width, height, mode, format) for each usable
    photo; ``skipped`` a ``(path, reason)`` for each other file. One bad file
    never stops the run. System files (``.DS_Store``, ``Thumbs.db``,
    ``__MACOSX/``) are skipped with the reason ``SYSTEM_FILE``.

    ``cache``: a JSON file remembering each header by the file's size and
    modification time, so that indexing again (every lesson does) reads only
    the files that changed.
    """
    from tqdm.auto import tqdm

    known = read_json_dict(cache) if cache else {}
    seen = {}

    if isinstance(paths_or_folder, (str, os.PathLike)):
        folder = Path(paths_or_folder)
        if not folder.is_dir():
            raise CatdogError(tr("there is no folder at {folder}: check the path", folder=folder))
        entries = list(walk_files(folder, exclude))
    else:
        folder, entries = None, list(paths_or_folder)

    images, skipped = [], []
    for entry in tqdm(entries, desc="Reading image headers", unit="file", leave=False,
                      disable=len(entries) < 500):
        path, label = (entry if isinstance(entry, (tuple, list)) else (entry, None))
        path = Path(path)
        if is_system_file(path, folder):
            skipped.append((path, SYSTEM_FILE))
            continue
        if not path.is_file():
            skipped.append((path, skip_reason("missing (no such file)")))
            continue
        problem = _extension_problem(path)
        if problem:
            skipped.append((path, problem))
            continue
        if label is None:
            label = _label_from_name_or_folder(path)
            if label is None:
                skipped.append((path, skip_reason("no label: the name should look like cat.123.jpg or dog.7.jpg")))
                continue
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, label]
        old = known.get(str(path))
        if old and old[:3] == stamp:  # unchanged since last time
            result = old[3] if isinstance(old[3], str) else ImageRecord(path, label, *old[3])
        else:
            result = read_image_header(path, label)
        if not (isinstance(result, str) and _pillow_may_learn(result)):  # else read again, with a newer Pillow
            seen[str(path)] = stamp + [result if isinstance(result, str) else list(result[2:])]
        if isinstance(result, str):
            skipped.append((path, result))
        else:
            images.append(result)
    if cache and seen != known:
        atomic_write(cache, json.dumps(seen))
    return images, skipped


def _pillow_may_learn(reason):
    """Is ``reason`` an AVIF or HEIC photo Pillow could read after an install (not to be kept in the cache)?"""
    return reason.startswith(("AVIF photo: ", "HEIC photo: "))


def read_json_dict(path):
    """The dict a JSON cache file holds, or ``{}`` when it is missing, unreadable or not a dict."""
    try:
        with open(path) as f:
            values = json.load(f)
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


def shown_name(path):
    """``path`` on one line: a newline or other control character in a file's name is shown escaped
    (``\\n``), so that it cannot break a list of names into lines that look like others."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(path))


def report_skipped(skipped, report=print, limit=10):
    """Tell ``report`` which files were left out and why: the first ``limit``, then how many more."""
    system = [p for p, reason in skipped if reason == SYSTEM_FILE]
    others = [(p, reason) for p, reason in skipped if reason != SYSTEM_FILE]
    if system:
        report(tr("Ignored {count} system file(s) (.DS_Store, Thumbs.db, __MACOSX/, hidden files).",
                  count=len(system)))
    if others:
        report(tr("Skipped {count} file(s):", count=len(others)))
        for path, reason in others[:limit]:
            report(f"  {shown_name(path)}: {reason_words(reason)}")
        if len(others) > limit:
            report(tr("  ... and {count} more", count=len(others) - limit))
