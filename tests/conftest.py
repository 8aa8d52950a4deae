"""Shared fixtures: the real photos, small arranged data sets, a tiny model."""
import os
import random
from pathlib import Path

import pytest

from helpers import photo_items

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"


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
    """The 4,000 shared Kaggle photos (flat layout: cat.N.jpg, dog.N.jpg)."""
    if not PHOTOS.is_dir():
        pytest.skip(f"the shared photos are not at {PHOTOS}")
    return PHOTOS


@pytest.fixture(scope="session")
def small_items(photos_dir):
    """40 real cats and 40 real dogs as ``(path, label)`` pairs."""
    return photo_items(photos_dir, 40)


@pytest.fixture(scope="session")
def tiny_imagefolder(tmp_path_factory, photos_dir):
    """An arranged ImageFolder tree: 12 train and 4 val images per class."""
    from catdog_lib import arrange_imagefolder

    items = photo_items(photos_dir, 16)
    rng = random.Random(0)
    rng.shuffle(items)
    val = [it for it in items if int(Path(it[0]).name.split(".")[1]) < 4]
    train = [it for it in items if it not in val]
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
