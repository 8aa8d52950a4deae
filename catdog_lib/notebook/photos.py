"""The photos a lesson works on: all of them, prepared once, or a seeded subset of them."""
import os
import random

from ..data import arrange_imagefolder
from ..paths import data_root
from ..prepare import prepare


def get_photos(settings, report=print):
    """All the photos, indexed, split 75/25 and arranged: ``prepare`` with these settings.

    ``CATDOG_DATA`` (``settings.data``) when set, else Kaggle with a token,
    else the Oxford-IIIT Pet photos. Downloads once; afterwards it finds the
    photos, and the saved split, on disk. Returns ``prepare``'s ``Prepared``.
    """
    if settings.data:
        return prepare(source="folder", from_dir=settings.data, seed=settings.seed, report=report)
    return prepare(source="auto", seed=settings.seed, report=report)


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
    report(f"Using a subset of {sum(counts['train'].values())} training and {sum(counts['val'].values())} "
           f"validation photos in {dest}.")
    return dest
