"""Tiny synthetic data for the training tests: they run in seconds on a shared CPU."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for tiny_run, the script the kill test runs


@pytest.fixture
def tiny_loaders():
    from tiny_run import synthetic_loaders

    return synthetic_loaders()


@pytest.fixture(scope="module")
def arranged_photos(photos_dir, tmp_path_factory):
    """A tiny arranged tree of the shared photos: 24 train and 8 val per class, as links."""
    from catdog_lib import arrange_imagefolder

    from helpers import photo_items

    train = photo_items(photos_dir, 24)
    val = photo_items(photos_dir, 8, start=24)
    dest = tmp_path_factory.mktemp("arranged")
    arrange_imagefolder(train, val, dest)
    return dest
