"""The fast loaders: every photo decoded once, whole batches augmented on the training device.

The classic loaders (``make_loaders``) open, decode and augment every JPEG
again in every epoch, one by one on the CPU; a GPU waits for them most of
the time. The fast loaders are data, not another loop: they feed the same
``train_model`` and ``run_epoch`` pieces, which cannot tell them apart.

1. Every photo is decoded once into a ``uint8`` cache (``cache``), kept in
   RAM, or on the GPU when it fits, and memory-mapped from a file next time.
2. Each batch is cropped, flipped and normalized as one tensor operation on
   the device (``augment``), with the distributions of the classic transforms.
3. A loader yields ``(inputs, labels)`` already on the device (on a GPU in
   the ``channels_last`` layout); ``len(loader)`` is its number of batches and
   ``len(loader.dataset)`` its number of photos, as a ``DataLoader``'s.
4. The training loader shuffles and augments with generators seeded from
   ``(seed, epoch)``: the loop calls ``set_epoch(epoch)``, so a resumed run
   draws exactly what an uninterrupted one did. Without ``set_epoch`` each
   pass draws anew, as a ``DataLoader`` does.

``fast_loaders(data_dir, ...)`` returns ``(loaders, class_names)``, as
``make_loaders`` does.
"""
from pathlib import Path

import torch

from ..errors import CatdogError
from ..hardware import available_ram
from ..i18n import tr
from .augment import eval_batch, train_batch
from .cache import cache_bytes, cache_side, check_fits, list_imagefolder, load_or_build_cache


class CachedImages:
    """One split's cached images and labels, placed where training reads them fastest.

    ``images``: ``uint8`` ``N x 3 x S x S``, on the device when it fits there,
    else in RAM (pinned, when copying to a GPU, so copies run asynchronously).
    ``labels``: ``int64`` on the device. ``batch(index)`` returns the images
    and labels of ``index`` on the device.
    """

    def __init__(self, array, labels, device, gpu_budget=None):
        self.device = torch.device(device)
        images = torch.from_numpy(array)
        self.labels = torch.as_tensor(labels, dtype=torch.long).to(self.device)
        self.on_device = self.device.type == "cpu"
        if self.device.type == "cuda":
            if gpu_budget is None:
                free, _ = torch.cuda.mem_get_info(self.device)
                gpu_budget = free // 2  # the other half for the model, activations and batches
            if images.numel() <= gpu_budget:
                images, self.on_device = images.to(self.device), True
            else:
                print(tr("the image cache ({size:.2f} GiB) does not fit in the GPU's free memory: it stays in "
                         "RAM and each batch is copied over", size=images.numel() / 1024 ** 3))
                images = images.pin_memory()
        elif self.device.type != "cpu":
            images, self.on_device = images.to(self.device), True
        self.images = images

    def __len__(self):
        return len(self.labels)

    def batch(self, index):
        """Images (``uint8``) and labels of ``index`` (a tensor of positions) on the device."""
        if self.on_device:
            index = index.to(self.device, non_blocking=True)
            return self.images[index], self.labels[index]
        images = self.images[index]
        if self.device.type == "cuda":
            images = images.pin_memory().to(self.device, non_blocking=True)
        return images, self.labels[index.to(self.device, non_blocking=True)]


class CachedSplit:
    """A fast loader's ``dataset``: one split's photos, as an ``ImageFolder`` describes them.

    ``len()`` is the number of photos; ``samples`` the ``(path, class index)``
    pairs in the cache's order, ``targets`` the class indexes, ``classes``
    the class names; ``dataset[i]`` is photo ``i`` as the evaluation
    transforms give it (a ``3 x size x size`` tensor on the device) and its label.
    """

    def __init__(self, images, paths, labels, classes, size):
        self.images, self.classes, self.size = images, list(classes), size
        self.samples = [(str(path), int(label)) for path, label in zip(paths, labels)]
        self.targets = [int(label) for label in labels]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        images, labels = self.images.batch(torch.tensor([index]))
        return eval_batch(images, self.size)[0], int(labels[0])


class FastLoader:
    """Batches of one cached split on the device: augmented and shuffled (``train``) or centre-cropped in order."""

    def __init__(self, dataset, batch_size, train, seed=0):
        self.dataset, self.batch_size, self.train, self.seed = dataset, int(batch_size), train, seed
        self.device = dataset.images.device
        self.order_generator = torch.Generator()
        self.augment_generator = torch.Generator(device=self.device)
        self.set_epoch(0)

    def set_epoch(self, epoch):
        """Seed this epoch's shuffle and augmentation from ``(seed, epoch)``: the same epoch draws the same."""
        for generator in (self.order_generator, self.augment_generator):
            generator.manual_seed(self.seed * 100_003 + epoch)

    def __len__(self):
        return len(self._chunks(len(self.dataset)))

    def _chunks(self, n):
        """``(start, stop)`` of each batch. Training folds a last batch of one photo into the one before:
        batch normalization cannot train on a single image, and no photo is left out."""
        bounds = [(start, min(start + self.batch_size, n)) for start in range(0, n, self.batch_size)]
        if self.train and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
            bounds[-2:] = [(bounds[-2][0], n)]
        return bounds

    def __iter__(self):
        n = len(self.dataset)
        images = self.dataset.images
        if self.train:
            order = torch.randperm(n, generator=self.order_generator)
        else:
            order = torch.arange(n)
        if images.on_device:
            order = order.to(self.device)  # one copy per epoch, not one per batch
        size = self.dataset.size
        for start, stop in self._chunks(n):
            batch, labels = images.batch(order[start:stop])
            if self.train:
                inputs = train_batch(batch, size, self.augment_generator)
            else:
                inputs = eval_batch(batch, size)
            if self.device.type == "cuda":  # what the tensor cores read fastest (the loop puts the model so too)
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            yield inputs, labels


def load_split(folder, size, device, cache_dir=None, available=None, progress=True, class_names=None):
    """List, cache (or load the cache of) and place one ImageFolder split. Returns ``(CachedSplit, class_names)``."""
    paths, labels, names = list_imagefolder(folder)
    if class_names is not None and names != class_names:
        raise CatdogError(tr("{folder} has the classes {names} but train/ has {class_names}: give both splits "
                             "the same class folders",
                             folder=folder, names=names, class_names=class_names))
    array, _, _ = load_or_build_cache(paths, size, cache_dir, available=available, progress=progress,
                                      desc=f"caching {Path(folder).name}")
    return CachedSplit(CachedImages(array, labels, device), paths, labels, names, size), names


def check_cache_memory(n_images, size, device, available=None):
    """Check the whole cache fits before any of it is built: GPU memory on CUDA (else RAM), RAM elsewhere.

    Returns where it will live: ``"gpu"`` or ``"ram"``. Raises ``CatdogError``
    with a smaller size to try when it fits nowhere.
    """
    device = torch.device(device)
    if device.type == "cuda" and available is None:
        free, _ = torch.cuda.mem_get_info(device)
        if cache_bytes(n_images, cache_side(size)) <= free // 2:
            return "gpu"
    check_fits(n_images, size, available_ram() if available is None else available)
    return "ram"


def fast_loaders(data_dir, batch_size, size=224, device="cpu", seed=0, cache_dir=None, progress=True,
                 available_memory=None):
    """``({"train": FastLoader, "val": FastLoader}, class_names)`` for ``data_dir/train`` and ``data_dir/val``.

    What ``make_loaders`` returns, the fast way. ``cache_dir``: where the
    image caches live (default ``~/.cache/catdog``); ``available_memory``:
    bytes to budget the cache against instead of the free RAM (lets a test
    see the refusal). The loaders' ``placement`` says where the images are:
    ``"gpu"`` or ``"ram"``.
    """
    data_dir = Path(data_dir)
    if not (data_dir / "train").is_dir() or not (data_dir / "val").is_dir():
        raise CatdogError(tr("{data_dir} needs train/ and val/ folders: run catdog prepare first",
                             data_dir=data_dir))
    device = torch.device(device)
    n_images = len(list_imagefolder(data_dir / "train")[0]) + len(list_imagefolder(data_dir / "val")[0])
    placement = check_cache_memory(n_images, size, device, available_memory)
    train_set, class_names = load_split(data_dir / "train", size, device, cache_dir, available_memory, progress)
    val_set, _ = load_split(data_dir / "val", size, device, cache_dir, available_memory, progress, class_names)
    loaders = {"train": FastLoader(train_set, batch_size, train=True, seed=seed),
               "val": FastLoader(val_set, batch_size, train=False)}
    for loader in loaders.values():
        loader.placement = placement
    return loaders, class_names
