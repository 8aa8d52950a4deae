"""A split's identity: a short hash of which photo is in which split under which label.

A checkpoint stores it, so that resuming with another split (a photo moved
from val to train, one added or removed) is refused instead of mixing two
runs. Both training loops take it from the folders, listed as ImageFolder
lists them.
"""
import hashlib
from pathlib import Path

from .cache import list_imagefolder


def split_fingerprint(data_dir):
    """The fingerprint of the split in ``data_dir/train`` and ``data_dir/val``."""
    samples = {}
    for split in ("train", "val"):
        root = Path(data_dir) / split
        paths, labels, _ = list_imagefolder(root)
        samples[split] = [(Path(p).relative_to(root), y) for p, y in zip(paths, labels)]
    return fingerprint_samples(samples)


def fingerprint_samples(samples_by_split):
    """Hash ``{split: [(path relative to the split's folder, class index)]}``; order does not matter."""
    digest = hashlib.sha256()
    for split in ("train", "val"):
        for path, target in sorted((Path(p).as_posix(), t) for p, t in samples_by_split[split]):
            digest.update(f"{split}\t{target}\t{path}\n".encode())
    return digest.hexdigest()[:16]
