"""Decode every photo once: a uint8 image cache for the fast training path.

The classic loader opens, decodes and resizes each JPEG again in every epoch,
one image at a time on the CPU. Here we do that work once: every image is
resized so its short side is ``cache_side(size)`` (the eval resize,
``round(size * 256 / 224)``), cut to the centre square, and stored as
``uint8`` in one ``N x 3 x S x S`` array. The array is saved as a ``.npy``
file that is memory-mapped on the next run, so a second run starts at once.

Centre square: a non-square photo loses the ends of its long side. The
eval transform cuts there anyway; a random crop of the training transform
sees a little less of such a photo than the classic path does. The Kaggle
photos we ship are square already.

The file's name holds a hash of the file list (names, sizes, modification
times) and the side, so changing, adding or removing a photo, or asking for
another size, builds a new cache instead of reusing a stale one.
"""
import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import CatdogError, first_line
from ..hardware import available_ram
from ..i18n import tr
from ..paths import image_cache_dir
from ..transforms import eval_resize_side


def cache_side(size):
    """The side of the cached squares for crops of ``size``: the eval resize, 256 for 224."""
    return eval_resize_side(size)


def list_imagefolder(folder):
    """``(paths, labels, class_names)`` of an ImageFolder split, listed by torchvision's own functions.

    ``find_classes`` and ``make_dataset`` are what ``datasets.ImageFolder``
    runs, so the fast and classic paths agree on which files count and on
    which label is 0 (classes sorted, files sorted in each).
    """
    from torchvision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

    folder = Path(folder)
    if not folder.is_dir():
        raise CatdogError(tr("{folder} is not a folder: prepare the data first (catdog prepare) or pass --data",
                             folder=folder))
    try:
        class_names, class_to_idx = find_classes(folder)
        samples = make_dataset(folder, class_to_idx, extensions=IMG_EXTENSIONS)
    except FileNotFoundError as e:  # no class folders, or a class folder without images
        raise CatdogError(tr("no images in {folder} ({error}): expected {folder}/<class>/<image>.jpg",
                             folder=folder, error=first_line(e))) from None
    return [Path(path) for path, _ in samples], [label for _, label in samples], class_names


DECODE = "whole"  # how the photos were decoded: part of the key, so a cache decoded another way is rebuilt


def cache_key(paths, side):
    """A short hash of the file list (name, size, modification time of each), the side and ``DECODE``."""
    digest = hashlib.sha256(f"side={side}\ndecode={DECODE}\n".encode())
    for path in paths:
        stat = os.stat(path)  # follows links: the photo's own size and time
        digest.update(f"{os.path.abspath(path)}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def cache_bytes(n_images, side):
    """How many bytes the cache of ``n_images`` squares of ``side`` takes: 3 bytes a pixel."""
    return n_images * 3 * side * side


def largest_fitting_size(n_images, budget, size):
    """The largest crop size below ``size`` (a multiple of 16, at least 32) whose cache fits ``budget``."""
    for smaller in range((size - 1) // 16 * 16, 31, -16):
        if cache_bytes(n_images, cache_side(smaller)) <= budget:
            return smaller
    return None


def check_fits(n_images, size, available, where="RAM"):
    """Raise ``CatdogError`` when a cache for ``n_images`` at crop ``size`` needs more than ``available`` bytes.

    We keep a quarter of ``available`` free for everything else (the model,
    the batches, the other programs). The message says how much is needed,
    which smaller size would fit, and that the classic path needs no cache.
    """
    need = cache_bytes(n_images, cache_side(size))
    if available is None:
        return need
    budget = int(available * 0.75)
    if need <= budget:
        return need
    gib = 1024 ** 3
    smaller = largest_fitting_size(n_images, budget, size)
    hint = tr("use --size {smaller} (a {size:.2f} GiB cache) or ",
              smaller=smaller, size=cache_bytes(n_images, cache_side(smaller)) / gib) if smaller else ""
    raise CatdogError(
        tr("the image cache for {n_images} images at size {size} needs {need:.2f} GiB but only {available:.2f} "
           "GiB of {where} is free: {hint}train without --fast (the classic path needs no cache)",
           n_images=n_images, size=size, need=need / gib, available=available / gib, where=where, hint=hint))


def _decode_one(path, side):
    """Open and decode the whole photo, resize the short side to ``side``, crop the centre.

    The same steps as the classic loader and eval transforms (``ImageFolder``'s
    ``convert("RGB")``, then ``Resize``), so a photo's cached centre is the
    classic eval image exactly. No ``draft()``: letting the JPEG decoder
    skip detail (1/2, 1/4 or 1/8 scale) is two to three times faster at
    64 px, but on small JPEGs it changed the eval images by up to 6 gray
    levels on average, and the cache is built once.
    """
    from PIL import Image
    from torchvision.transforms import functional as TF

    with Image.open(path) as image:
        image = image.convert("RGB")
        image = TF.resize(image, side)  # bilinear with antialias, as the classic Resize
        image = TF.center_crop(image, side)
        return np.asarray(image).transpose(2, 0, 1)


def build_cache(paths, side, out_path, workers=None, progress=True, desc="decoding"):
    """Decode ``paths`` into a new ``.npy`` file of shape ``N x 3 x side x side`` (uint8) at ``out_path``.

    Threads decode in parallel (PIL lets go of Python's lock while it
    decodes). We write to a temporary name and rename it at the end, so an
    interrupted build never leaves a half-filled cache that looks complete.
    """
    from tqdm.auto import tqdm

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + f".partial-{os.getpid()}")
    array = np.lib.format.open_memmap(partial, mode="w+", dtype=np.uint8, shape=(len(paths), 3, side, side))

    def fill(index):
        array[index] = _decode_one(paths[index], side)

    workers = workers or min(32, (os.cpu_count() or 1) + 2)
    try:
        with ThreadPoolExecutor(workers) as pool:
            for _ in tqdm(pool.map(fill, range(len(paths))), total=len(paths), desc=desc,
                          unit="img", disable=not progress, mininterval=1.0):
                pass
        array.flush()
        array = None  # close the map before the rename
        os.replace(partial, out_path)
    except BaseException:
        array = None
        partial.unlink(missing_ok=True)
        raise
    return out_path


def load_or_build_cache(paths, size, cache_dir=None, available=None, progress=True, desc="decoding"):
    """The cached images of ``paths`` for crops of ``size``, as a memory-mapped ``N x 3 x S x S`` uint8 array.

    Reuses the file of an earlier run when the photos and the size are the
    same (a load, not a build); otherwise checks that the cache fits in
    ``available`` bytes of memory (default: the free RAM) and on the disk,
    then builds it. Returns ``(array, path, built)``.
    """
    side = cache_side(size)
    cache_dir = Path(cache_dir) if cache_dir is not None else image_cache_dir()
    path = cache_dir / f"images-{cache_key(paths, side)}-{side}px.npy"
    check_fits(len(paths), size, available_ram() if available is None else available)
    built = False
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        need = cache_bytes(len(paths), side)
        free_disk = shutil.disk_usage(cache_dir).free
        if need > free_disk:
            raise CatdogError(tr("the image cache needs {need:.2f} GiB but {cache_dir} has only {free_disk:.2f} "
                                 "GiB free: set CATDOG_CACHE to a roomier folder",
                                 need=need / 1024 ** 3, cache_dir=cache_dir, free_disk=free_disk / 1024 ** 3))
        build_cache(paths, side, path, progress=progress, desc=desc)
        built = True
    # "c" (copy on write): a writable view for torch, and the file is never changed.
    array = np.load(path, mmap_mode="c")
    if array.shape != (len(paths), 3, side, side) or array.dtype != np.uint8:
        raise CatdogError(tr("{path} is not the cache it should be: delete it and run again", path=path))
    return array, path, built
