"""A small sample of the real photos, shipped inside the package.

96 photos from Kaggle's "Dogs vs. Cats" (48 cats, 48 dogs), 160 px, in the
competition's flat layout (``cat.N.jpg``, ``dog.N.jpg``, Kaggle's numbers):
enough to run every lesson, the demo and the tests offline, far too few to
learn much from. Where they come from and on what terms: ``photos/NOTICE``.
``tools/make_sample.py`` drew them.

Most are ordinary photos, drawn at random; ``ODD_PHOTOS`` are the few odd
ones chosen on purpose, because the full data has such photos too and
lesson 02 teaches to look before training.

This module imports nothing heavy: ``prepare`` and the CLI may use it freely.
"""
from pathlib import Path

from ..i18n import tr

PHOTOS = Path(__file__).resolve().parent / "photos"

# The odd photos in the sample, and what is odd about each: the kind of
# thing a learner finds by looking at the data.
ODD_PHOTOS = {
    "cat.92.jpg": "a toy cat beside flowers: no live animal",
    "cat.166.jpg": "a man holding two cats: a person fills most of the photo",
    "cat.1210.jpg": "two black cats in black and white (grayscale)",
    "cat.1501.jpg": "an edited picture: paw prints and the name FELIX drawn over the cat",
    "cat.1575.jpg": "two tiny cats far away in a garden",
    "cat.1876.jpg": "a small photo on a white page: the original's odd shape, padded",
    "dog.74.jpg": "four puppies with their names written over them",
    "dog.180.jpg": "the same photo as dog.74.jpg under another name: a duplicate",
    "dog.1043.jpg": "an animal shelter's building and sign: no dog at all",
    "dog.1501.jpg": "a tall, narrow photo padded with white to a square",
    "dog.1773.jpg": "a black-and-white portrait of a man with a pipe: no dog",
    "dog.1895.jpg": "a drawing that says PHOTO COMING SOON: no photo at all",
}


def sample_dir():
    """The folder of the sample's photos (a flat folder: ``cat.N.jpg``, ``dog.N.jpg``)."""
    return PHOTOS


def sample_photos():
    """The sample's photo files, sorted: cats, then dogs, each by Kaggle's number."""
    def key(path):
        label, number, _ = path.name.split(".")
        return label, int(number)

    return sorted(PHOTOS.glob("*.jpg"), key=key)


def sample_summary():
    """One line for a person: what the sample is, and how to get the full data."""
    photos = sample_photos()
    cats = sum(p.name.startswith("cat.") for p in photos)
    return tr("Using the kit's small sample: {count} photos ({cats} cats, {dogs} dogs) from Kaggle's Dogs vs. "
              "Cats, enough to run the course, too few to learn well. For the full data: a Kaggle API token "
              "(lesson 01), or CATDOG_DATA=/path/to/photos.", count=len(photos), cats=cats, dogs=len(photos) - cats)


__all__ = ["PHOTOS", "ODD_PHOTOS", "sample_dir", "sample_photos", "sample_summary"]
