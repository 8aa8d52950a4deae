"""``prepare()``: get the photos, index them, split them once, and lay them out for ``ImageFolder``.

``prepare()`` is what ``catdog prepare`` and the notebooks call:

1. get the photos from a source (``sources``: Kaggle, Oxford-IIIT Pet, or a folder);
2. index them (``index``): open each file's header once, keep what is a readable image
   with a label, and say why each other file was skipped;
3. split them into train and val, and save the split as a manifest
   (``manifest``: ``split.json``) beside the arranged data, so that running again reuses
   the same split: a restart never moves a val photo into training;
   The same photo under two names (``duplicates``: a perceptual hash) stays on one side;
   with ``test_fraction`` a test set is held out first, into ``test/<label>/``;
4. arrange them as ``train/<label>/`` and ``val/<label>/`` (links, not copies); a photo
   whose ending ``ImageFolder`` does not list (a GIF) is converted first (``convert``), so
   nothing usable is lost.
"""
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..data import arrange_imagefolder
from ..errors import CatdogError
from ..i18n import N_, tr
from ..paths import data_root
from ..sample import sample_dir, sample_photos, sample_summary
from . import sources
from .convert import CONVERTED, convert_unlisted, converted_name, report_converted
from .index import INDEX_CACHE, index_images, report_skipped
from .reasons import skip_reason
from .layouts import is_split_layout, split_layout_entries
from .duplicates import FINGERPRINTS, duplicate_groups
from .manifest import MANIFEST, relative_name, split_with_manifest, write_manifest

SOURCES = ("kaggle", "oxford-pets", "folder", "sample")
SERVER_NAMES = {"kaggle": "Kaggle", "oxford-pets": N_("the Oxford-IIIT Pet server")}
SOURCE_VARIABLE = "CATDOG_SOURCE"  # what "auto" means, for the lessons and the demo: one of SOURCES


@dataclass
class Prepared:
    """What ``prepare()`` made: ``data_dir`` holds ``train/<label>/`` and ``val/<label>/``."""
    data_dir: Path
    class_names: list
    counts: dict  # {"train": {"cat": n, ...}, "val": {...}}, as arrange_imagefolder returns
    skipped: list  # (path, reason) for each file left out
    manifest: Path
    source: str
    images: list = field(default_factory=list, repr=False)  # ImageRecord of every photo used, as arranged
    converted: list = field(default_factory=list, repr=False)  # (original, copy) of each photo converted
    test: list = field(default_factory=list, repr=False)  # ImageRecord of each held-out test photo, in test/<label>/
    duplicates: list = field(default_factory=list, repr=False)  # groups of paths that hold one photo


def _drop_duplicate_names(images, skipped):
    """Two photos of one label with the same file name (once converted) cannot share a class folder: keep the first."""
    seen, kept = {}, []
    for r in images:
        key = (r.label, converted_name(r))
        if key in seen:
            if key[1] == r.path.name:
                why = skip_reason("another {label} photo has the same name ({other}): rename one",
                                  label=r.label, other=seen[key])
            else:
                why = skip_reason("another {label} photo has the same name once converted ({name}) ({other}): "
                                  "rename one", label=r.label, name=key[1], other=seen[key])
            skipped.append((r.path, why))
        else:
            seen[key] = r.path
            kept.append(r)
    return kept


def choose_source(source="auto", report=print):
    """``auto`` -> ``folder`` when ``$CATDOG_DATA`` is set (as in a lesson), else ``$CATDOG_SOURCE`` when set,
    else ``kaggle`` with credentials, else ``oxford-pets`` (``prepare`` falls back to ``sample`` when those
    cannot be reached)."""
    if source not in ("auto",) + SOURCES:
        raise CatdogError(tr("unknown source {source!r}: use one of auto, {sources}",
                             source=source, sources=', '.join(SOURCES)))
    if source != "auto":
        return source
    if os.environ.get("CATDOG_DATA"):
        report(tr("Using the photos in $CATDOG_DATA ({folder}).", folder=os.environ['CATDOG_DATA']))
        return "folder"
    wanted = os.environ.get(SOURCE_VARIABLE, "").strip().lower()
    if wanted and wanted != "auto":
        if wanted not in SOURCES:
            raise CatdogError(tr("{variable}={value} is not a source: set it to one of auto, {choices}",
                                 variable=SOURCE_VARIABLE, value=repr(wanted), choices=", ".join(SOURCES)))
        return wanted
    where = sources.find_kaggle_credentials()
    if where:
        report(tr("Using Kaggle's dogs-vs-cats (credentials from {where}).", where=where))
        return "kaggle"
    report(tr("No $CATDOG_DATA and no Kaggle credentials: using the Oxford-IIIT Pet photos (no account needed)."))
    return "oxford-pets"


def collect_photos(source, dest, from_dir=None, report=print):
    """Get the photos of ``source`` and index them.

    Returns ``(root, images, skipped, given_split)``: the folder the photos
    are in, their ImageRecords, the skipped files, and for a folder already
    split into ``train/`` and ``val/`` the ``{"train": [...], "val": [...]}``
    records (else ``None``).
    """
    if source == "kaggle":
        root = Path(os.path.abspath(sources.download_kaggle(dest, report)))
        return (root, *index_images(root, cache=dest / INDEX_CACHE), None)
    if source == "oxford-pets":
        pairs = sources.download_oxford_pets(dest, report)
        root = Path(os.path.abspath(dest / "raw" / "oxford-iiit-pet" / "images"))
        return (root, *index_images(pairs, cache=dest / INDEX_CACHE), None)

    if source == "sample":  # a list of files: the NOTICE beside them is no photo to skip
        return (sample_dir(), *index_images(sample_photos(), cache=dest / INDEX_CACHE), None)

    from_dir = from_dir or os.environ.get("CATDOG_DATA")
    if not from_dir:
        raise CatdogError(tr("no folder given: use --from DIR (or from_dir=...), or set CATDOG_DATA to a folder "
                             "of photos"))
    root = Path(os.path.abspath(Path(from_dir).expanduser()))
    uploaded = root.is_file()
    if uploaded:  # a zip: Kaggle's, its train.zip, or any zip of photos
        root = Path(os.path.abspath(sources.unpack_upload(root, dest, report)))
    if not root.is_dir():
        raise CatdogError(tr("there is no folder at {root}: check the path given by --from or CATDOG_DATA",
                             root=root))
    if root == dest:
        raise CatdogError(tr("{dest} is the photo folder itself: give another --dest for the arranged data",
                             dest=dest))

    if is_split_layout(root):
        entries, loose = split_layout_entries(root)
        skipped = [(p, skip_reason("not in a class folder (train/<label>/...)")) for p in loose]
        images, more = index_images(entries["train"] + entries["val"], cache=dest / INDEX_CACHE)
        in_train = {path for path, _ in entries["train"]}
        given = {"train": [r for r in images if r.path in in_train],
                 "val": [r for r in images if r.path not in in_train]}
        return root, images, skipped + more, given

    images, skipped = index_images(root, exclude=[dest], cache=dest / INDEX_CACHE)
    if uploaded:  # our own marker of a finished unpack is no learner's file
        skipped = [(p, r) for p, r in skipped if p != root / sources.COMPLETE]
    return root, images, skipped, None


def prepare(source="auto", dest=None, from_dir=None, val_fraction=0.25, seed=0, report=print, link=True,
            test_fraction=0.0):
    """Get, index, split and arrange the photos; return a ``Prepared``.

    ``source``: ``"kaggle"``, ``"oxford-pets"``, ``"folder"``, ``"sample"``
    or ``"auto"`` (see ``choose_source``). For ``"folder"``, ``from_dir``
    (default ``$CATDOG_DATA``) is a folder of ``cat.N.jpg``/``dog.N.jpg`` files (in
    subfolders too), a folder already split as ``train/<label>/`` and
    ``val/<label>/`` (kept as it is), or a zip of either. ``"sample"`` is the
    kit's 96 photos (``catdog_lib.sample``), there without any network; ``"auto"``
    falls back to it, saying so in one line, when its source cannot be reached.
    ``dest`` (default ``data/<source>`` in the kit) gets ``train/``, ``val/``
    and ``split.json``. ``report`` gets one line at a time for a person.
    ``test_fraction`` (e.g. 0.1): that share of the photos, stratified and
    seeded, is held out first into ``test/<label>/``, looked at once at the
    end; the rest is split by ``val_fraction``. Copies of one photo under
    two names always land on one side.
    """
    if not (isinstance(val_fraction, (int, float)) and 0 < val_fraction < 1):
        raise CatdogError(tr("val_fraction must be between 0 and 1 (e.g. 0.25), not {val_fraction!r}",
                             val_fraction=val_fraction))
    if not (isinstance(test_fraction, (int, float)) and 0 <= test_fraction < 1):
        raise CatdogError(tr("test_fraction must be at least 0 and below 1 (e.g. 0.1), not {test_fraction!r}",
                             test_fraction=test_fraction))
    chosen = choose_source(source, report)
    target = Path(os.path.abspath(Path(dest).expanduser() if dest else data_root() / chosen))
    made = None  # the outermost folder this call will make for dest, if any
    if not os.path.lexists(target):
        made = target
        while not os.path.lexists(made.parent):
            made = made.parent
    try:
        return _prepare(chosen, dest, from_dir, val_fraction, seed, report, link, test_fraction)
    except sources.SourceUnreachable:
        if made:
            shutil.rmtree(made, ignore_errors=True)
        if source != "auto":
            raise
        # No network: the lesson goes on with the sample rather than stopping.
        report(tr("Could not reach {server} (no network?). {sample}", server=tr(SERVER_NAMES[chosen]),
                  sample=sample_summary()))
        return _prepare("sample", dest, from_dir, val_fraction, seed, report, link, test_fraction, summary=False)
    except CatdogError:
        if made:  # a refused archive, no usable photo...: leave no folder behind that this call made
            shutil.rmtree(made, ignore_errors=True)
        raise


def arrange_test(test, dest, link):
    """``dest/test/<label>/``: the held-out photos, laid out as ``arrange_imagefolder`` lays out val (none: removed)."""
    import shutil

    folder = dest / "test"
    if folder.exists():
        shutil.rmtree(folder)
    counts = {}
    for path, label in test:
        target = folder / label / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not link:
                raise OSError
            os.symlink(os.path.abspath(path), target)
        except OSError:
            shutil.copy2(path, target)
        counts[label] = counts.get(label, 0) + 1
    return counts


def _prepare(source, dest, from_dir, val_fraction, seed, report, link, test_fraction=0.0, summary=True):
    if source == "sample" and summary:
        report(sample_summary())
    dest = Path(os.path.abspath(Path(dest).expanduser() if dest else data_root() / source))
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST

    root, images, skipped, given = collect_photos(source, dest, from_dir, report)
    report(tr("Indexed {total} file(s) in {root}: {usable} usable photo(s), {skipped} skipped.",
              total=len(images) + len(skipped), root=root, usable=len(images), skipped=len(skipped)))

    images = _drop_duplicate_names(images, skipped)
    images, arranged = convert_unlisted(images, root, dest / CONVERTED, skipped)  # a GIF: a PNG ImageFolder lists
    converted = [(path, record.path) for path, record in arranged.items() if record.path != path]
    if not images:
        report_skipped(skipped, report)
        raise CatdogError(tr("found no usable cat or dog photos in {root}: expected files named like cat.1.jpg "
                             "and dog.1.jpg, or train/<label>/ and val/<label>/ folders",
                             root=root))

    groups = duplicate_groups([r.path for r in images], cache=dest / FINGERPRINTS)
    if groups:
        report(tr("Found {groups} photo(s) saved twice or more under different names ({files} files), e.g. {example}: "
                  "each kept on one side of the split.", groups=len(groups), files=sum(len(g) for g in groups),
                  example=" = ".join(p.name for p in groups[0])))
    else:
        report(tr("No photo is saved twice under different names."))
    test = []
    if given is not None:  # the folder's own split, kept as it is
        kept = {r.path for r in images}
        train = [r for r in given["train"] if r.path in kept]
        val = [r for r in given["val"] if r.path in kept]
        in_train = {r.path for r in train}
        across = [g for g in groups if len({p in in_train for p in g}) > 1]
        if across:
            report(tr("Warning: in the folder's own split, {count} photo(s) are in both train/ and val/ under "
                      "different names, e.g. {example}.", count=len(across),
                      example=" = ".join(p.name for p in across[0])))
        write_manifest(manifest_path, {
            "source": source, "root": str(root), "layout": "split", "seed": None, "val_fraction": None,
            "train": [[relative_name(r.path, root), r.label] for r in train],
            "val": [[relative_name(r.path, root), r.label] for r in val]})
        report(tr("{root} is already split into train/ and val/: keeping that split ({manifest_path}).",
                  root=root, manifest_path=manifest_path))
    else:
        train, val, test = split_with_manifest(images, root, manifest_path, source, seed, val_fraction, report,
                                               test_fraction=test_fraction, groups=groups)

    class_names = sorted({r.label for r in train} | {r.label for r in val})
    for label in class_names:
        for part, items in (("train", train), ("val", val)):
            if not any(r.label == label for r in items) and part == "val":
                raise CatdogError(tr("the {part} set has no {label} photo: give at least a few photos of each "
                                     "label (or a larger val_fraction)",
                                     part=part, label=label))
            if not any(r.label == label for r in items):  # val took them all: a smaller share leaves some
                raise CatdogError(tr("the {part} set has no {label} photo: give at least a few photos of each "
                                     "label (or a smaller val_fraction)",
                                     part=part, label=label))
    if len(class_names) < 2:
        raise CatdogError(tr("only one label ({label}) among the photos: a classifier needs two or more",
                             label=class_names[0]))

    try:
        counts = arrange_imagefolder([(arranged[r.path].path, r.label) for r in train],
                                     [(arranged[r.path].path, r.label) for r in val], dest, link=link)
    except ValueError as e:
        raise CatdogError(tr("arranging the photos in {dest} failed: {error}", dest=dest, error=e)) from None
    test_counts = arrange_test([(arranged[r.path].path, r.label) for r in test], dest, link)

    report_skipped(skipped, report)
    report_converted(converted, dest / CONVERTED, report)
    width = max(len(label) for label in class_names)
    for part in ("train", "val"):
        per_label = ", ".join(f"{counts[part].get(label, 0)} {label:<{width}}" for label in class_names)
        report(tr("{part:>5}: {count:6} photos ({per_label})",
                  part=part, count=sum(counts[part].values()), per_label=per_label))
    if test:
        per_label = ", ".join(f"{test_counts.get(label, 0)} {label:<{width}}" for label in class_names)
        report(tr("{part:>5}: {count:6} photos ({per_label}), held out until the end",
                  part="test", count=len(test), per_label=per_label))
        report(tr("Data ready in {dest} (train/, val/ and test/).", dest=dest))
    else:
        report(tr("Data ready in {dest} (train/ and val/).", dest=dest))
    return Prepared(data_dir=dest, class_names=class_names, counts=counts, skipped=skipped,
                    manifest=manifest_path, source=source, images=[arranged[r.path] for r in images],
                    converted=converted, test=[arranged[r.path] for r in test], duplicates=groups)
