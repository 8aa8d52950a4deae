"""The photos a lesson works on: all of them, prepared once; a seeded subset of them; or, for lesson 05,
labelled, split and arranged by the learner's own data pieces."""
import os
import random
from pathlib import Path

from ..data import arrange_imagefolder
from ..i18n import tr
from ..paths import data_root
from ..prepare import prepare

TEST_FRACTION = 0.1  # every lesson holds the same tenth out as a test set: lesson 05 looks at it once, at the end


def get_photos(settings, report=print):
    """All the photos, indexed, a tenth held out as a test set, the rest split 75/25 and arranged: ``prepare``.

    ``CATDOG_DATA`` (``settings.data``) when set, else Kaggle with a token,
    else the Oxford-IIIT Pet photos. Downloads once; afterwards it finds the
    photos, and the saved split, on disk. Returns ``prepare``'s ``Prepared``.
    """
    if settings.data:
        return prepare(source="folder", from_dir=settings.data, seed=settings.seed, report=report,
                       test_fraction=TEST_FRACTION)
    return prepare(source="auto", seed=settings.seed, report=report, test_fraction=TEST_FRACTION)


def lesson_data(settings, report=print):
    """The folder (with ``train/`` and ``val/``) a lesson trains on: all photos, or ``settings.subset`` of them.

    A subset is taken from each side of the saved split (a quarter of it from
    val), half cats and half dogs, with ``random.Random(settings.seed)``, so no
    validation photo of the full split ever lands in a subset's training set,
    and the same settings give the same subset.
    """
    prepared = get_photos(settings, report=report)
    if not settings.subset:
        return prepared.data_dir
    rng = random.Random(settings.seed)
    parts = {}
    for split, share in (("train", 0.75), ("val", 0.25)):
        parts[split] = []
        for label in prepared.class_names:
            files = sorted((prepared.data_dir / split / label).iterdir())
            want = max(1, round(settings.subset * share / len(prepared.class_names)))
            chosen = rng.sample(files, min(want, len(files)))
            parts[split] += [(os.path.realpath(path), label) for path in chosen]
    dest = data_root() / f"{prepared.source}-subset{settings.subset}-seed{settings.seed}"
    counts = arrange_imagefolder(parts["train"], parts["val"], dest)
    report(tr("Using a subset of {train} training and {val} validation photos in {dest}.",
              train=sum(counts['train'].values()), val=sum(counts['val'].values()), dest=dest))
    return dest


def arrange_photos(photos, settings, pieces, dest=None, report=print):
    """The photos of ``photos`` (``get_photos``'s) labelled, split and laid out by the data pieces in ``pieces``.

    Lesson 05's data, made with the learner's code: each photo named like
    ``cat.1.jpg`` is labelled by ``pieces["label_from_filename"]`` (a photo
    labelled by its folder, or by the Oxford-IIIT Pet list, keeps that
    label); ``settings.subset`` of them are taken, half of each class, with
    ``random.Random(settings.seed)``; ``pieces["split_items"]`` splits them
    75/25 with ``settings.seed`` (a folder split into ``train/`` and ``val/``
    already keeps its split); ``pieces["arrange_imagefolder"]`` lays them out
    in ``dest`` (default: under ``data_root()``). What finding, indexing and
    skipping the files takes stays the kit's (``prepare``). When ``pieces``
    can ``note`` why one was not used, it is told. Returns ``dest``.
    """
    from ..data import label_from_filename as kit_label
    from ..prepare import read_manifest

    from ..prepare.duplicates import keep_together

    note = getattr(pieces, "note", lambda name, why: None)
    held_out = {os.path.realpath(r.path) for r in photos.test}  # the kit's test set: never split, never trained on
    items, by_list = [], 0
    for record in photos.images:
        if os.path.realpath(record.path) in held_out:
            continue
        try:
            kit_label(record.path)
        except ValueError:  # labelled by its folder, or by the data set's list: not by its name
            items.append((record.path, record.label))
            by_list += 1
            continue
        items.append((record.path, pieces["label_from_filename"](record.path)))
    if by_list == len(items):
        where = tr("the data set's own list") if photos.source == "oxford-pets" else tr("the folders they are in")
        note("label_from_filename", tr("not used: these photos are not named cat.N.jpg, they are labelled by {where}",
                                       where=where))
        report(tr("{count} photos, labelled by {where} (their names hold no label).", count=len(items), where=where))
    else:
        if by_list:
            report(tr("{count} photos labelled by label_from_filename, {by_folder} by their folder.",
                      count=len(items) - by_list, by_folder=by_list))
        else:
            report(tr("{count} photos labelled by label_from_filename.", count=len(items)))

    if settings.subset:
        rng = random.Random(settings.seed)
        labels = sorted({label for _, label in items})
        items = [item for label in labels for item in
                 rng.sample([it for it in items if it[1] == label],
                            min(settings.subset // len(labels), sum(it[1] == label for it in items)))]
    manifest = read_manifest(photos.manifest) or {}
    if manifest.get("layout") == "split":
        in_train = set(prepared_split(photos)["train"])
        train = [item for item in items if os.path.realpath(item[0]) in in_train]
        val = [item for item in items if os.path.realpath(item[0]) not in in_train]
        note("split_items", tr("not used: the photos came split into train/ and val/ already, and that split is kept"))
        report(tr("The photos came split into train/ and val/: {train} and {val} kept as they are.",
                  train=len(train), val=len(val)))
    else:  # copies of one photo go where their first goes: split_items sees one of them
        representatives, expand = keep_together(items, photos.duplicates)
        train, val = pieces["split_items"](representatives, val_fraction=0.25, seed=settings.seed)
        train, val = expand(train), expand(val)
        report(tr("split_items: {train} for training, {val} for validation (seed {seed}).",
                  train=len(train), val=len(val), seed=settings.seed))
    dest = Path(dest) if dest else data_root() / f"{photos.source}-lesson05-{settings.subset or 'all'}-seed{settings.seed}"
    counts = pieces["arrange_imagefolder"](train, val, dest)
    report(tr("arrange_imagefolder: {dest}/train ({train}) and val ({val}).",
              dest=dest, train=_counted(counts['train']), val=_counted(counts['val'])))
    if photos.test:
        from ..prepare.pipeline import arrange_test

        held = [(r.path, r.label) for r in photos.test]
        if settings.subset:  # a subset's share of the test set, half of each class, drawn as the subset was
            rng = random.Random(settings.seed)
            labels = sorted({label for _, label in held})
            want = max(1, round(settings.subset * TEST_FRACTION / len(labels)))
            held = [item for label in labels for item in
                    rng.sample([it for it in held if it[1] == label], min(want, sum(it[1] == label for it in held)))]
        test = arrange_test(held, dest, link=True)
        report(tr("The kit's test set: {dest}/test ({test}), held out until the end of the lesson.",
                  dest=dest, test=_counted(test)))
    return dest


def prepared_split(photos):
    """``{"train": [path...], "val": [path...]}`` of the split ``prepare`` made (from its arranged folders)."""
    split = {}
    for part in ("train", "val"):
        split[part] = [os.path.realpath(p) for p in sorted((photos.data_dir / part).glob("*/*"))]
    return split


def _counted(counts):
    return ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
