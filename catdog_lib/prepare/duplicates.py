"""The same photo under two names: found by a perceptual hash, and kept on one side of a split.

Kaggle's "Dogs vs. Cats" holds some photos twice (``dog.74.jpg`` and
``dog.180.jpg`` are one), saved as two JPEG files: the bytes differ, and so do
the decoded pixels (each copy was compressed on its own; in the shared
200 px copy no two photos have equal pixels, yet two pairs are one photo).
A digest of the bytes or of the pixels finds none of them. A perceptual hash
does: ``dhash`` shrinks the photo to 9 x 8 grey pixels and keeps, for each row,
which neighbour is brighter: 64 bits that recompression and resizing change
in a bit or two at most. Photos whose hashes are that close are then compared
on a 32 x 32 grey copy (mean difference under ``SAME_PHOTO``), so two different
photos with close hashes are not taken for one.

Hashing 4,000 photos takes about a second, and a JSON cache beside the data
(``fingerprints.json``) makes the next run read only the files that changed.
"""
import json
import os
from pathlib import Path

from ..atomic import atomic_write
from .index import read_json_dict

FINGERPRINTS = "fingerprints.json"  # each photo's hash, by file size and time
NEAR_BITS = 4  # hashes this close are compared on their pixels
SAME_PHOTO = 12.0  # mean difference (0-255) of the 32 x 32 grey copies below which two photos are one


def _grey(path, size):
    """``path`` decoded small and grey (JPEG's draft mode decodes at 1/8 scale: fast)."""
    from PIL import Image

    with Image.open(path) as im:
        im.draft("L", (size[0] * 4, size[1] * 4))
        return im.convert("L").resize(size, Image.BILINEAR)


def dhash(path):
    """The 64-bit difference hash of a photo, as 16 hex digits."""
    import numpy as np

    pixels = np.asarray(_grey(path, (9, 8)), dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    return "%016x" % int("".join("1" if b else "0" for b in bits), 2)


def _near(a, b):
    """Hashes within ``NEAR_BITS`` bits of each other."""
    return bin(int(a, 16) ^ int(b, 16)).count("1") <= NEAR_BITS


def duplicate_groups(paths, cache=None):
    """Groups of two or more paths that hold the same photo, in the order of ``paths``.

    Two photos are one when their hashes differ in at most ``NEAR_BITS`` bits
    (recompression flips a bit or two) and their 32 x 32 grey copies differ
    by less than ``SAME_PHOTO`` on average. Such hashes agree exactly on at
    least one of their four 16-bit quarters, so only photos that share a
    quarter are compared: no search over every pair. ``cache``: a JSON file
    remembering each photo's hash by its size and modification time. A file
    Pillow cannot decode is in no group.
    """
    import numpy as np
    from tqdm.auto import tqdm

    paths = [Path(p) for p in paths]
    known = read_json_dict(cache) if cache else {}
    seen, hashes = {}, {}
    for i, path in enumerate(tqdm(paths, desc="Looking for photos saved twice", unit="file", leave=False,
                                  disable=len(paths) < 500)):
        try:
            st = path.stat()
            stamp = [st.st_size, st.st_mtime_ns]
            old = known.get(str(path))
            hashes[i] = old[2] if old and old[:2] == stamp else dhash(path)
        except (OSError, ValueError, SyntaxError):
            continue
        seen[str(path)] = stamp + [hashes[i]]
    if cache and seen != known:
        atomic_write(cache, json.dumps(seen))

    buckets = {}
    for i, digest in hashes.items():
        for quarter in range(4):
            buckets.setdefault((quarter, digest[4 * quarter:4 * quarter + 4]), []).append(i)
    pairs = {(i, j) for members in buckets.values() for n, i in enumerate(members) for j in members[n + 1:]
             if _near(hashes[i], hashes[j])}

    grey = {}

    def thumb(i):
        if i not in grey:
            grey[i] = np.asarray(_grey(paths[i], (32, 32)), dtype=np.float32)
        return grey[i]

    parent = {}

    def root(i):
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    for i, j in sorted(pairs):
        if root(i) != root(j) and float(np.abs(thumb(i) - thumb(j)).mean()) < SAME_PHOTO:
            parent[max(root(i), root(j))] = min(root(i), root(j))
    groups = {}
    for i in sorted(set(parent) | set(parent.values())):
        groups.setdefault(root(i), []).append(i)
    return [[paths[i] for i in members] for _, members in sorted(groups.items())]


def keep_together(items, groups):
    """Items with one representative per group of copies: ``(representatives, expand)``.

    ``items`` are ``(path, label, ...)`` tuples (or ImageRecords). Split the
    representatives as usual; ``expand(part)`` puts every copy beside its
    representative, so a photo and its copies always land on one side. With
    no groups the representatives are ``items`` themselves, in their order.
    """
    index = {os.path.abspath(p): i for i, group in enumerate(groups) for p in group}
    first_of, copies = {}, {}
    representatives = []
    for item in items:
        g = index.get(os.path.abspath(item[0]))
        if g is None:
            representatives.append(item)
        elif g in first_of:
            copies[first_of[g]].append(item)
        else:
            first_of[g] = os.path.abspath(item[0])
            copies[first_of[g]] = []
            representatives.append(item)

    def expand(part):
        return [each for item in part for each in [item] + copies.get(os.path.abspath(item[0]), [])]

    return representatives, expand

