"""From files to a split: labels from file names, a stratified split, class folders.

These are the pieces of lesson 02. Each one uses only the names every lesson
imports at its top (``os``, ``random``, ``Path``...), so a learner's version
can be swapped in for any of them.
"""
import os
import random
from pathlib import Path

LABELS = ("cat", "dog")


def label_from_filename(path):
    """Read the label out of a Kaggle file name: ``cat.123.jpg`` -> ``"cat"``.

    In Kaggle's "Dogs vs. Cats" every training file is named
    ``<label>.<number>.<extension>``. The label is the part before the first
    dot, compared without regard to case (``Dog.7.JPG`` is a dog). We look at
    that whole part, not at whether the name *contains* "cat": ``catalog.jpg``
    is no cat and ``hotdog.1.jpg`` no dog. Anything else is an error that
    names the file, so a stray file never gets a made-up label.
    """
    name = Path(path).name
    parts = name.split(".")
    label = parts[0].lower()
    if len(parts) < 3 or label not in ("cat", "dog"):
        raise ValueError(f"cannot tell the label of {name!r}: expected a name like 'cat.123.jpg' or 'dog.7.jpg'")
    return label


def split_items(items, val_fraction=0.25, seed=0):
    """Split ``(path, label)`` pairs into a training list and a validation list.

    Stratified: each label is split on its own, so that the validation set
    has the same share of cats and dogs as the whole. Shuffled with our own
    ``random.Random(seed)``: the same seed always gives the same split (a
    restart never leaks validation images into training), and the global
    random state is left alone. The caller's list is not changed.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, not {val_fraction!r}")
    rng = random.Random(seed)

    by_label = {}
    for item in items:
        by_label.setdefault(item[1], []).append(item)

    train, val = [], []
    for label in sorted(by_label):
        group = list(by_label[label])  # a copy: shuffle ours, not the caller's
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val.extend(group[:n_val])
        train.extend(group[n_val:])

    # Mix the labels, so the lists are not all cats then all dogs.
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val


def arrange_imagefolder(train_items, val_items, dest, link=True):
    """Lay the split out as ``dest/{train,val}/<label>/<file name>``.

    This is the layout torchvision's ``ImageFolder`` reads: one folder per
    class. With ``link`` we make symbolic links to the photos (fast, no extra
    disk), falling back to copies where links are not allowed; without it we
    copy. The old ``train`` and ``val`` folders are emptied first, so no file
    of an earlier split is left behind. The source photos are never touched.
    Returns how many files each split holds per label.
    """
    import shutil

    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        split_dir = dest / split
        for path, _ in items:
            if Path(os.path.abspath(path)).is_relative_to(os.path.abspath(split_dir)):
                raise ValueError(f"{path} lies inside {split_dir}, which is about to be rebuilt: arrange into another folder")
        if split_dir.exists():
            shutil.rmtree(split_dir)  # removes links and our copies, never the sources
        counts[split] = {}
        for path, label in items:
            target = split_dir / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() or target.is_symlink():
                raise ValueError(f"two {label} files are named {target.name!r}: rename one of them")
            if link:
                try:
                    os.symlink(os.path.abspath(path), target)
                except OSError:  # e.g. Windows without developer mode
                    shutil.copy2(path, target)
            else:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
