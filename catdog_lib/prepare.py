"""Get the photos, index them, split them once, and lay them out for ``ImageFolder``.

``prepare()`` is what ``catdog prepare`` and the notebooks call:

1. get the photos from a source (Kaggle, Oxford-IIIT Pet, or a folder);
2. index them: open each file's header once, keep what is a readable image
   with a label, and say why each other file was skipped;
3. split them into train and val, and save the split as a manifest
   (``split.json``) beside the arranged data, so that running again reuses
   the same split: a restart never moves a val photo into training;
4. arrange them as ``train/<label>/`` and ``val/<label>/`` (links, not copies).
"""
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .data import arrange_imagefolder, label_from_filename, split_items
from .errors import CatdogError

# The extensions torchvision's ImageFolder reads (its IMG_EXTENSIONS): a file
# with another one would be left out by the loader, so we leave it out here.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
SYSTEM_FILE = "system file, ignored"  # .DS_Store and the like: counted, not listed
SYSTEM_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "icon\r"}
SYSTEM_FOLDERS = {"__macosx", "$recycle.bin", "system volume information"}
MANIFEST = "split.json"
INDEX_CACHE = "index.json"  # image headers, by file size and time: a second run reads only what changed
SOURCES = ("kaggle", "oxford-pets", "folder")


class ImageRecord(NamedTuple):
    """One readable photo: where it is, its label, and what its header says."""
    path: Path
    label: str
    width: int
    height: int
    mode: str  # "RGB", "L" (gray), "CMYK", "P" (palette), "RGBA"...
    format: str  # "JPEG", "PNG"...


@dataclass
class Prepared:
    """What ``prepare()`` made: ``data_dir`` holds ``train/<label>/`` and ``val/<label>/``."""
    data_dir: Path
    class_names: list
    counts: dict  # {"train": {"cat": n, ...}, "val": {...}}, as arrange_imagefolder returns
    skipped: list  # (path, reason) for each file left out
    manifest: Path
    source: str
    images: list = field(default_factory=list, repr=False)  # ImageRecord of every photo used


# --- Indexing -----------------------------------------------------------------------------------

def _is_system_file(path, root=None):
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


def _walk(folder, exclude=()):
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
    suffix = Path(path).suffix.lower()
    if suffix in (".heic", ".heif", ".avif"):
        return f"{suffix[1:].upper()} photo, which Pillow cannot read here: convert it to JPEG"
    if suffix not in IMAGE_EXTENSIONS:
        from PIL import Image

        if suffix in Image.registered_extensions():
            return f"a {suffix} image, which torchvision's ImageFolder does not read: convert it to JPEG or PNG"
        return f"not an image file ({suffix or 'no extension'})"
    return None


def read_image_header(path, label):
    """An ImageRecord for ``path``, or the reason (a string) it cannot be used."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    problem = _extension_problem(path)
    if problem:
        return problem
    try:
        if path.stat().st_size == 0:
            return "empty file (0 bytes)"
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                mode, fmt = im.mode, im.format
                if not _ends_properly(path, fmt):
                    im.load()  # only for files that look cut off: some have harmless extra bytes
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"too many pixels for Pillow's safety limit of {Image.MAX_IMAGE_PIXELS:,}: shrink it"
    except UnidentifiedImageError:
        return "not an image Pillow can read (the contents are not JPEG, PNG or another image format)"
    except OSError as e:
        if "truncated" in str(e):
            return "truncated image (the file was cut off): copy it again"
        return f"unreadable image ({e})"
    except (SyntaxError, ValueError, EOFError) as e:  # Pillow's plugins raise these for broken headers
        return f"broken image header ({e})"
    if width < 1 or height < 1:
        return "image has no pixels"
    from .images import SIXTEEN_BIT_MODES, shape_problem

    if mode in SIXTEEN_BIT_MODES:  # ImageFolder's convert("RGB") would clip it to a white picture
        return (f"16-bit image (mode {mode}), which torchvision's ImageFolder would load as a white picture: "
                f"save it as an ordinary 8-bit JPEG or PNG")
    problem = shape_problem(width, height)
    if problem:  # the evaluation resize would blow it up to gigabytes
        return f"the image {problem}"
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

    known = _read_json(cache) if cache else {}
    seen = {}

    if isinstance(paths_or_folder, (str, os.PathLike)):
        folder = Path(paths_or_folder)
        if not folder.is_dir():
            raise CatdogError(f"there is no folder at {folder}: check the path")
        entries = list(_walk(folder, exclude))
    else:
        folder, entries = None, list(paths_or_folder)

    images, skipped = [], []
    for entry in tqdm(entries, desc="Reading image headers", unit="file", leave=False,
                      disable=len(entries) < 500):
        path, label = (entry if isinstance(entry, (tuple, list)) else (entry, None))
        path = Path(path)
        if _is_system_file(path, folder):
            skipped.append((path, SYSTEM_FILE))
            continue
        if not path.is_file():
            skipped.append((path, "missing (no such file)"))
            continue
        problem = _extension_problem(path)
        if problem:
            skipped.append((path, problem))
            continue
        if label is None:
            label = _label_from_name_or_folder(path)
            if label is None:
                skipped.append((path, "no label: the name should look like cat.123.jpg or dog.7.jpg"))
                continue
        st = path.stat()
        stamp = [st.st_size, st.st_mtime_ns, label]
        old = known.get(str(path))
        if old and old[:3] == stamp:  # unchanged since last time
            result = old[3] if isinstance(old[3], str) else ImageRecord(path, label, *old[3])
        else:
            result = read_image_header(path, label)
        seen[str(path)] = stamp + [result if isinstance(result, str) else list(result[2:])]
        if isinstance(result, str):
            skipped.append((path, result))
        else:
            images.append(result)
    if cache and seen != known:
        write_manifest(cache, seen, indent=None)
    return images, skipped


def _read_json(path):
    try:
        with open(path) as f:
            values = json.load(f)
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


def report_skipped(skipped, report=print, limit=10):
    """Tell ``report`` which files were left out and why: the first ``limit``, then how many more."""
    system = [p for p, reason in skipped if reason == SYSTEM_FILE]
    others = [(p, reason) for p, reason in skipped if reason != SYSTEM_FILE]
    if system:
        report(f"Ignored {len(system)} system file(s) (.DS_Store, Thumbs.db, __MACOSX/, hidden files).")
    if others:
        report(f"Skipped {len(others)} file(s):")
        for path, reason in others[:limit]:
            report(f"  {path}: {reason}")
        if len(others) > limit:
            report(f"  ... and {len(others) - limit} more")


# --- The split manifest -------------------------------------------------------------------------

def write_manifest(path, manifest, indent=1):
    """Save the manifest as JSON in one step (a temp file, then ``os.replace``)."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(manifest, f, indent=indent)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read_manifest(path):
    """The manifest saved at ``path``, or ``None`` when there is none (or it is unreadable)."""
    try:
        manifest = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not {"train", "val"} <= manifest.keys():
        return None
    return manifest


def _relative(path, root):
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def _some(names, limit=10):
    """``a, b, c ... and 7 more``"""
    return ", ".join(names[:limit]) + (f" ... and {len(names) - limit} more" if len(names) > limit else "")


def _split_with_manifest(images, root, manifest_path, source, seed, val_fraction, report):
    """Reuse the saved split when it was made the same way; else make one and save it.

    The manifest holds only what defines the split (no date), so the same
    split always gives the same file: a checkpoint can name it by its hash.
    """
    by_name = {_relative(r.path, root): r for r in images}
    settings = {"source": source, "root": str(root), "layout": "flat", "seed": seed, "val_fraction": val_fraction}
    old = read_manifest(manifest_path)
    if old is not None and all(old.get(k) == v for k, v in settings.items()):
        listed = {name for part in ("train", "val") for name, _ in old[part]}
        train = [by_name[name] for name, _ in old["train"] if name in by_name]
        val = [by_name[name] for name, _ in old["val"] if name in by_name]
        report(f"Reusing the split saved in {manifest_path} (seed {seed}, val_fraction {val_fraction}).")
        gone = sorted(name for name in listed if name not in by_name)
        if gone:
            report(f"{len(gone)} file(s) of the saved split are gone or unusable now, left out: {_some(gone)}")
        new = sorted(name for name in by_name if name not in listed)
        if new:
            report(f"{len(new)} new file(s) are not in the saved split and were left out "
                   f"(delete {manifest_path} to split again with them): {_some(new)}")
        return train, val

    if old is not None:
        changed = ", ".join(f"{k} was {old.get(k)!r}" for k in settings if old.get(k) != settings[k])
        report(f"The split in {manifest_path} was made another way ({changed}): making a new split.")
    train, val = split_items(images, val_fraction=val_fraction, seed=seed)
    write_manifest(manifest_path, dict(settings, train=[[_relative(r.path, root), r.label] for r in train],
                                       val=[[_relative(r.path, root), r.label] for r in val]))
    report(f"New split (seed {seed}, val_fraction {val_fraction}) saved to {manifest_path}.")
    return train, val


# --- Folder layouts -----------------------------------------------------------------------------

def _split_folder_name(folder, split):
    for name in ((split,) if split == "train" else ("val", "valid", "validation")):
        if (folder / name).is_dir():
            return folder / name
    return None


def is_split_layout(folder):
    """Is ``folder`` already ``train/<label>/`` and ``val/<label>/`` (class folders)?"""
    folder = Path(folder)
    train, val = _split_folder_name(folder, "train"), _split_folder_name(folder, "val")
    return (train is not None and val is not None
            and any(d.is_dir() and not d.name.startswith(".") for d in train.iterdir()))


def _split_layout_entries(folder):
    """``{split: [(path, label)]}`` from class folders, plus the files that sit in no class folder."""
    entries, loose = {}, []
    for split in ("train", "val"):
        split_dir = _split_folder_name(folder, split)
        entries[split] = []
        for child in sorted(split_dir.iterdir()):
            if child.is_dir() and not _is_system_file(child / "x", split_dir):
                entries[split].extend((path, child.name) for path in _walk(child))
            elif child.is_file():
                loose.append(child)
    return entries, loose


def _drop_duplicate_names(images, skipped):
    """Two photos of one label with the same file name cannot share a class folder: keep the first."""
    seen, kept = {}, []
    for r in images:
        key = (r.label, r.path.name)
        if key in seen:
            skipped.append((r.path, f"another {r.label} photo has the same name ({seen[key]}): rename one"))
        else:
            seen[key] = r.path
            kept.append(r)
    return kept


# --- prepare() ----------------------------------------------------------------------------------

def choose_source(source="auto", report=print):
    """``auto`` -> ``folder`` when ``$CATDOG_DATA`` is set, else ``kaggle`` with credentials, else ``oxford-pets``."""
    from .sources import find_kaggle_credentials

    if source not in ("auto",) + SOURCES:
        raise CatdogError(f"unknown source {source!r}: use one of auto, {', '.join(SOURCES)}")
    if source != "auto":
        return source
    if os.environ.get("CATDOG_DATA"):
        report(f"Using the photos in $CATDOG_DATA ({os.environ['CATDOG_DATA']}).")
        return "folder"
    where = find_kaggle_credentials()
    if where:
        report(f"Using Kaggle's dogs-vs-cats (credentials from {where}).")
        return "kaggle"
    report("No $CATDOG_DATA and no Kaggle credentials: using the Oxford-IIIT Pet photos (no account needed).")
    return "oxford-pets"


def collect_photos(source, dest, from_dir=None, report=print):
    """Get the photos of ``source`` and index them.

    Returns ``(root, images, skipped, given_split)``: the folder the photos
    are in, their ImageRecords, the skipped files, and for a folder already
    split into ``train/`` and ``val/`` the ``{"train": [...], "val": [...]}``
    records (else ``None``).
    """
    from . import sources

    if source == "kaggle":
        root = Path(os.path.abspath(sources.download_kaggle(dest, report)))
        return (root, *index_images(root, cache=dest / INDEX_CACHE), None)
    if source == "oxford-pets":
        pairs = sources.download_oxford_pets(dest, report)
        root = Path(os.path.abspath(dest / "raw" / "oxford-iiit-pet" / "images"))
        return (root, *index_images(pairs, cache=dest / INDEX_CACHE), None)

    from_dir = from_dir or os.environ.get("CATDOG_DATA")
    if not from_dir:
        raise CatdogError("no folder given: use --from DIR (or from_dir=...), or set CATDOG_DATA to a folder of photos")
    root = Path(os.path.abspath(Path(from_dir).expanduser()))
    uploaded = root.is_file()
    if uploaded:  # a zip: Kaggle's, its train.zip, or any zip of photos
        root = Path(os.path.abspath(sources.unpack_upload(root, dest, report)))
    if not root.is_dir():
        raise CatdogError(f"there is no folder at {root}: check the path given by --from or CATDOG_DATA")
    if root == dest:
        raise CatdogError(f"{dest} is the photo folder itself: give another --dest for the arranged data")

    if is_split_layout(root):
        entries, loose = _split_layout_entries(root)
        skipped = [(p, "not in a class folder (train/<label>/...)") for p in loose]
        images, more = index_images(entries["train"] + entries["val"], cache=dest / INDEX_CACHE)
        in_train = {path for path, _ in entries["train"]}
        given = {"train": [r for r in images if r.path in in_train],
                 "val": [r for r in images if r.path not in in_train]}
        return root, images, skipped + more, given

    images, skipped = index_images(root, exclude=[dest], cache=dest / INDEX_CACHE)
    if uploaded:  # our own marker of a finished unpack is no learner's file
        skipped = [(p, r) for p, r in skipped if p != root / sources.COMPLETE]
    return root, images, skipped, None


def prepare(source="auto", dest=None, from_dir=None, val_fraction=0.25, seed=0, report=print, link=True):
    """Get, index, split and arrange the photos; return a ``Prepared``.

    ``source``: ``"kaggle"``, ``"oxford-pets"``, ``"folder"`` or ``"auto"``
    (see ``choose_source``). For ``"folder"``, ``from_dir`` (default
    ``$CATDOG_DATA``) is a folder of ``cat.N.jpg``/``dog.N.jpg`` files (in
    subfolders too), a folder already split as ``train/<label>/`` and
    ``val/<label>/`` (kept as it is), or a zip of either.
    ``dest`` (default ``data/<source>`` in the kit) gets ``train/``, ``val/``
    and ``split.json``. ``report`` gets one line at a time for a person.
    """
    from .paths import data_root

    if not (isinstance(val_fraction, (int, float)) and 0 < val_fraction < 1):
        raise CatdogError(f"val_fraction must be between 0 and 1 (e.g. 0.25), not {val_fraction!r}")
    source = choose_source(source, report)
    dest = Path(os.path.abspath(Path(dest).expanduser() if dest else data_root() / source))
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST

    root, images, skipped, given = collect_photos(source, dest, from_dir, report)
    report(f"Indexed {len(images) + len(skipped)} file(s) in {root}: {len(images)} usable photo(s), "
           f"{len(skipped)} skipped.")

    images = _drop_duplicate_names(images, skipped)
    if not images:
        report_skipped(skipped, report)
        raise CatdogError(f"found no usable cat or dog photos in {root}: expected files named like cat.1.jpg "
                          f"and dog.1.jpg, or train/<label>/ and val/<label>/ folders")

    if given is not None:  # the folder's own split, kept as it is
        kept = {r.path for r in images}
        train = [r for r in given["train"] if r.path in kept]
        val = [r for r in given["val"] if r.path in kept]
        write_manifest(manifest_path, {
            "source": source, "root": str(root), "layout": "split", "seed": None, "val_fraction": None,
            "train": [[_relative(r.path, root), r.label] for r in train],
            "val": [[_relative(r.path, root), r.label] for r in val]})
        report(f"{root} is already split into train/ and val/: keeping that split ({manifest_path}).")
    else:
        train, val = _split_with_manifest(images, root, manifest_path, source, seed, val_fraction, report)

    class_names = sorted({r.label for r in train} | {r.label for r in val})
    for label in class_names:
        for part, items in (("train", train), ("val", val)):
            if not any(r.label == label for r in items):
                raise CatdogError(f"the {part} set has no {label} photo: give at least a few photos of each label "
                                  f"(or a larger val_fraction)")
    if len(class_names) < 2:
        raise CatdogError(f"only one label ({class_names[0]}) among the photos: a classifier needs two or more")

    try:
        counts = arrange_imagefolder([(r.path, r.label) for r in train], [(r.path, r.label) for r in val],
                                     dest, link=link)
    except ValueError as e:
        raise CatdogError(f"arranging the photos in {dest} failed: {e}") from None

    report_skipped(skipped, report)
    width = max(len(label) for label in class_names)
    for part in ("train", "val"):
        per_label = ", ".join(f"{counts[part].get(label, 0)} {label:<{width}}" for label in class_names)
        report(f"{part:>5}: {sum(counts[part].values()):6} photos ({per_label})")
    report(f"Data ready in {dest} (train/ and val/).")
    return Prepared(data_dir=dest, class_names=class_names, counts=counts, skipped=skipped,
                    manifest=manifest_path, source=source, images=images)
