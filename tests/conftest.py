"""Shared fixtures: the real photos, small arranged data sets, a tiny model.

The real photos (``photos_dir``) are the 4,000 shared Kaggle photos
(``../shared/data/dogs-vs-cats-200px/train``) where they are, else the 96 of
the kit's embedded sample (``catdog_lib/sample/photos``): both are flat
folders of ``cat.N.jpg`` and ``dog.N.jpg``. Tests take photos from it with
``helpers.photo_items`` / ``helpers.photo_path`` (which list the folder,
never guess names), and a test that needs more photos than the folder has
skips, saying how many it needs.

``CATDOG_TEST_PHOTOS=sample`` uses the sample even where the shared photos
are (to see what a fresh clone or CI runs); ``CATDOG_TEST_PHOTOS=DIR`` uses
the flat folder DIR.
"""
import os
from pathlib import Path

import pytest

from helpers import photo_items

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"


def real_photos():
    """The folder of real photos the tests use, and a word for the report: ``"shared"``, ``"sample"``, or a path."""
    from catdog_lib.sample import sample_dir

    choice = os.environ.get("CATDOG_TEST_PHOTOS", "").strip()
    if choice == "sample":
        return sample_dir(), "sample"
    if choice:
        return Path(choice).expanduser(), choice
    return (PHOTOS, "shared") if PHOTOS.is_dir() else (sample_dir(), "sample")


def pytest_report_header(config):
    folder, kind = real_photos()
    count = len(list(folder.glob("*.jpg"))) if folder.is_dir() else 0
    return f"real photos: {kind} ({count} in {folder}; CATDOG_TEST_PHOTOS=sample uses the kit's sample)"


@pytest.fixture(autouse=True, scope="session")
def _offline_torch_home(tmp_path_factory):
    """No test may use (or download into) the real torch cache."""
    old = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(tmp_path_factory.mktemp("torch_home"))
    yield
    if old is None:
        os.environ.pop("TORCH_HOME", None)
    else:
        os.environ["TORCH_HOME"] = old


@pytest.fixture(scope="session")
def photos_dir():
    """A flat folder of real Kaggle photos (cat.N.jpg, dog.N.jpg): the shared 4,000, else the kit's sample."""
    folder, kind = real_photos()
    if not folder.is_dir():
        pytest.fail(f"CATDOG_TEST_PHOTOS={kind}: there is no folder of photos there")
    return folder


@pytest.fixture(scope="session")
def small_items(photos_dir):
    """40 real cats and 40 real dogs as ``(path, label)`` pairs."""
    return photo_items(photos_dir, 40)


@pytest.fixture(scope="session")
def tiny_imagefolder(tmp_path_factory, photos_dir):
    """An arranged ImageFolder tree: 12 train and 4 val images per class."""
    from catdog_lib import arrange_imagefolder

    val = photo_items(photos_dir, 4)
    train = photo_items(photos_dir, 12, start=4)
    dest = tmp_path_factory.mktemp("tiny_imagefolder")
    arrange_imagefolder(train, val, dest)
    return dest


@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread: tiny tensors gain nothing from more, and the CPU is shared."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
