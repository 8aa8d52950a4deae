"""The image cache: what it holds, when it is reused, and when it refuses to be built."""
import os

import numpy as np
import pytest
import torch
from torchvision import datasets

from catdog_lib.errors import CatdogError
from catdog_lib.train.cache import cache_bytes, cache_side, check_fits, list_imagefolder, load_or_build_cache
from catdog_lib.fast import fit_fast
from catdog_lib.train.fast import CachedImages


def test_cache_side_is_the_eval_resize():
    assert cache_side(224) == 256 and cache_side(64) == 73
    assert cache_bytes(10, 73) == 10 * 3 * 73 * 73


@pytest.mark.parametrize("size", [32, 64, 100, 112, 128, 224, 299])
def test_the_eval_resize_helper_is_the_pieces_own(size):
    """build_transforms writes the formula out (a piece uses the lessons' names only); the helper must agree."""
    from torchvision import transforms

    from catdog_lib import build_transforms
    from catdog_lib.transforms import eval_resize_side

    resize = [t for t in build_transforms(train=False, size=size).transforms if isinstance(t, transforms.Resize)]
    assert [r.size for r in resize] == [eval_resize_side(size)] and cache_side(size) == eval_resize_side(size)


def test_listing_matches_imagefolder(color_folder):
    paths, labels, class_names = list_imagefolder(color_folder / "train")
    reference = datasets.ImageFolder(color_folder / "train")
    assert class_names == reference.classes
    assert [(str(p), y) for p, y in zip(paths, labels)] == [(str(p), y) for p, y in reference.samples]


def test_listing_an_empty_or_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(CatdogError, match="prepare"):
        list_imagefolder(tmp_path / "nowhere")
    (tmp_path / "cat").mkdir()
    with pytest.raises(CatdogError, match="no images"):
        list_imagefolder(tmp_path)


def test_cache_holds_uint8_squares_and_is_reused(color_folder, tmp_path):
    paths, _, _ = list_imagefolder(color_folder / "train")
    array, path, built = load_or_build_cache(paths, 32, tmp_path, progress=False)
    assert built and path.exists()
    assert array.shape == (len(paths), 3, 37, 37) and array.dtype == np.uint8
    assert array[: len(paths) // 2, 0].mean() > array[: len(paths) // 2, 2].mean() + 40  # cats are reddish
    assert not list(tmp_path.glob("*.partial*"))

    again, path2, built2 = load_or_build_cache(paths, 32, tmp_path, progress=False)
    assert not built2 and path2 == path  # a load, not a build
    assert isinstance(again, np.memmap) and np.array_equal(again, array)

    _, path3, built3 = load_or_build_cache(paths, 48, tmp_path, progress=False)
    assert built3 and path3 != path  # another size, another cache


def test_changing_a_photo_invalidates_the_cache(color_folder, tmp_path):
    paths, _, _ = list_imagefolder(color_folder / "val")
    _, path, _ = load_or_build_cache(paths, 32, tmp_path, progress=False)
    stat = os.stat(paths[0])
    os.utime(paths[0], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    try:
        _, new_path, built = load_or_build_cache(paths, 32, tmp_path, progress=False)
        assert built and new_path != path
        _, fewer_path, built = load_or_build_cache(paths[1:], 32, tmp_path, progress=False)
        assert built and fewer_path not in (path, new_path)
    finally:
        os.utime(paths[0], ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_cache_refuses_to_outgrow_the_memory_and_names_a_smaller_size():
    need = cache_bytes(25000, cache_side(224))
    with pytest.raises(CatdogError) as info:
        check_fits(25000, 224, available=need)  # a quarter is kept free: this does not fit
    message = str(info.value)
    assert "GiB" in message and "--size" in message and "without --fast" in message
    smaller = int(message.split("--size ")[1].split()[0])
    assert 32 <= smaller < 224 and check_fits(25000, smaller, available=need) <= need
    with pytest.raises(CatdogError, match="without --fast") as info:
        check_fits(25000, 224, available=1000)
    assert "--size" not in str(info.value)  # nothing fits in 1000 bytes
    assert check_fits(10, 224, available=10**9) == cache_bytes(10, 256)


def test_fit_fast_checks_memory_before_building(color_folder, tmp_path):
    with pytest.raises(CatdogError, match="without --fast"):
        fit_fast(color_folder, epochs=1, size=32, device="cpu", cache_dir=tmp_path, available_memory=5000,
                 progress=False)
    assert not any(tmp_path.iterdir())  # nothing was built


def test_cached_images_give_batches_on_the_device(color_folder, tmp_path):
    paths, labels, _ = list_imagefolder(color_folder / "train")
    array, _, _ = load_or_build_cache(paths, 32, tmp_path, progress=False)
    data = CachedImages(array, labels, "cpu")
    images, batch_labels = data.batch(torch.tensor([0, len(labels) - 1]))
    assert images.dtype == torch.uint8 and images.shape == (2, 3, 37, 37)
    assert batch_labels.tolist() == [labels[0], labels[-1]]


def test_a_split_is_named_by_what_imagefolder_lists(color_folder):
    """A checkpoint's split identity: the hash of the very samples the classic loaders read, changed by a move."""
    import os

    from catdog_lib import make_loaders
    from catdog_lib.train.fingerprint import fingerprint_samples, split_fingerprint

    loaders, _ = make_loaders(color_folder, batch_size=4, size=32)
    as_loaded = {split: [(os.path.relpath(path, loaders[split].dataset.root), target)
                         for path, target in loaders[split].dataset.samples] for split in ("train", "val")}
    assert split_fingerprint(color_folder) == fingerprint_samples(as_loaded)
    moved = next((color_folder / "val" / "dog").iterdir())
    moved.rename(color_folder / "train" / "dog" / moved.name)
    try:
        assert split_fingerprint(color_folder) != fingerprint_samples(as_loaded)  # a file changed split
    finally:
        (color_folder / "train" / "dog" / moved.name).rename(moved)
