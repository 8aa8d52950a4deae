"""The fast training path: decode once, augment on the device, keep the device busy.

The classic loop (``make_loaders`` + ``train_model``) decodes and augments
every JPEG again in every epoch, one by one on the CPU; a GPU waits for it
most of the time. Here:

1. every photo is decoded once into a ``uint8`` cache (``cache``), kept
   in RAM, or on the GPU when it fits, and memory-mapped from a file on the
   next run;
2. whole batches are cropped, flipped and normalized as tensors on the
   training device (``augment``), with the same distributions as the
   classic transforms;
3. the model runs in ``channels_last`` and, on CUDA, in mixed precision
   (bfloat16 where the GPU has it, else float16 with a gradient scaler);
4. losses and hits are summed on the device and read once an epoch: no
   ``.item()`` per batch, so the CPU never waits for the GPU in the loop.

``fit_fast(data_dir, ...)`` is what lesson 05 and ``catdog train --fast`` call.
"""
import copy
import time
from pathlib import Path

import torch
from torch import nn

from ..errors import CatdogError
from ..hardware import available_ram, pick_device
from ..model import build_model
from .amp import amp_dtype, amp_step, grad_scaler
from .augment import eval_batch, train_batch
from .cache import cache_bytes, cache_side, check_fits, list_imagefolder, load_or_build_cache
from .checkpoint import resume, save_checkpoint
from .fingerprint import split_fingerprint
from .recipe import RECIPE, default_lr, fast_batch_size, optimizer_and_schedule


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
                print(f"the image cache ({images.numel() / 1024 ** 3:.2f} GiB) does not fit in the GPU's free "
                      f"memory: it stays in RAM and each batch is copied over")
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


def load_split(folder, size, device, cache_dir=None, available=None, progress=True, class_names=None):
    """List, cache (or load the cache of) and place one ImageFolder split. Returns ``(CachedImages, class_names)``."""
    paths, labels, names = list_imagefolder(folder)
    if class_names is not None and names != class_names:
        raise CatdogError(f"{folder} has the classes {names} but train/ has {class_names}: "
                          f"give both splits the same class folders")
    array, _, _ = load_or_build_cache(paths, size, cache_dir, available=available, progress=progress,
                                      desc=f"caching {Path(folder).name}")
    return CachedImages(array, labels, device), names


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


def run_fast_epoch(model, data, criterion, size, batch_size, optimizer=None, scaler=None,
                   generator=None, order_generator=None, autocast_dtype=None, progress=True, desc=""):
    """One pass over ``data`` (a :class:`CachedImages`): training with an optimizer, evaluation without.

    Same result as ``run_epoch``: ``(mean loss per image, accuracy)`` as
    floats, read from the device once, at the end.
    """
    from tqdm.auto import tqdm

    training = optimizer is not None
    model.train(training)
    device = data.device
    n = len(data)
    order = torch.randperm(n, generator=order_generator) if training else torch.arange(n)
    if data.on_device:
        order = order.to(device)  # one copy per epoch, not one per batch
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    seen = 0
    bar = tqdm(total=n, desc=desc, unit="img", leave=False, disable=not progress, mininterval=1.0)
    with torch.set_grad_enabled(training):
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            if training and len(index) < 2:
                break  # batch norm cannot train on one image
            images, labels = data.batch(index)
            inputs = train_batch(images, size, generator) if training else eval_batch(images, size)
            inputs = inputs.contiguous(memory_format=torch.channels_last)
            outputs, loss = amp_step(model, criterion, inputs, labels, optimizer if training else None,
                                     autocast_dtype, scaler)
            total_loss += loss.detach().float() * len(index)
            correct += (outputs.argmax(dim=1) == labels).sum()
            seen += len(index)
            bar.update(len(index))
    bar.close()
    return total_loss.item() / seen, correct.item() / seen  # the one wait for the device per pass


def fit_fast(data_dir, *, epochs=RECIPE.epochs, size=RECIPE.size, batch_size=None, lr=None, weights="DEFAULT",
             device=None, seed=RECIPE.seed, checkpoint=None, cache_dir=None, model=None, progress=True, on_epoch=None,
             available_memory=None):
    """Train on ``data_dir/train``, validate on ``data_dir/val``, the fast way. Returns ``(model, history, class_names)``.

    The same recipe as the classic loop (``catdog_lib.train.fit.fit``): SGD with
    momentum, ``StepLR`` dividing the learning rate by 10 every 7 epochs
    (stepped once an epoch), the best epoch's weights kept, ``history``
    with ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``, ``lr``.
    ``batch_size`` and ``lr`` default to values suited to the device
    (``recipe.fast_batch_size``, and ``recipe.default_lr`` for that batch).

    ``checkpoint``: a path; the run saves there after every epoch and, when
    the file exists, picks up where it stopped (same data, size and seed).
    ``cache_dir``: where the image caches live (default ``~/.cache/catdog``).
    ``model``: train this module instead of a new ResNet18 (tests use tiny
    ones). ``on_epoch(epoch, history)`` is called after each epoch.
    ``available_memory``: bytes to budget the cache against instead of the
    free RAM (lets a test see the refusal).
    """
    try:
        device = pick_device(device) if not isinstance(device, torch.device) else device
    except ValueError as e:
        raise CatdogError(f"{e}: choose another --device, or leave it out for the best there is") from None
    data_dir = Path(data_dir)
    if not (data_dir / "train").is_dir() or not (data_dir / "val").is_dir():
        raise CatdogError(f"{data_dir} needs train/ and val/ folders: run catdog prepare first")

    train_paths = list_imagefolder(data_dir / "train")[0]
    val_paths = list_imagefolder(data_dir / "val")[0]
    where = check_cache_memory(len(train_paths) + len(val_paths), size, device, available_memory)
    train_data, class_names = load_split(data_dir / "train", size, device, cache_dir, available_memory, progress)
    val_data, _ = load_split(data_dir / "val", size, device, cache_dir, available_memory, progress, class_names)

    batch_size = batch_size or fast_batch_size(device)
    lr = lr or default_lr(batch_size, weights)
    torch.manual_seed(seed)
    if model is None:
        model = build_model(len(class_names), weights=weights)
    model = model.to(device, memory_format=torch.channels_last)
    criterion = nn.CrossEntropyLoss()
    optimizer, scheduler = optimizer_and_schedule(model, lr)
    dtype = amp_dtype(device)
    scaler = grad_scaler() if dtype == torch.float16 else None

    identity = {"path": "fast", "arch": type(model).__name__, "size": size, "class_names": class_names,
                "split": split_fingerprint(data_dir), "seed": seed, "batch_size": batch_size, "lr": lr}
    history, best_acc, best_weights, start, state = resume(checkpoint, identity, model, optimizer,
                                                           scheduler, scaler)
    if state is not None:
        if progress:
            print(f"resuming from {checkpoint}: {start} of {epochs} epochs done")

    for epoch in range(start, epochs):
        # Seeds per epoch: a resumed run draws exactly what an uninterrupted one would have.
        order_generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
        generator = torch.Generator(device=device).manual_seed(seed * 100_003 + epoch)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        started = time.perf_counter()
        train_loss, train_acc = run_fast_epoch(
            model, train_data, criterion, size, batch_size, optimizer, scaler, generator, order_generator,
            dtype, progress, desc=f"epoch {epoch + 1}/{epochs} train")
        scheduler.step()
        val_loss, val_acc = run_fast_epoch(model, val_data, criterion, size, batch_size,
                                           autocast_dtype=dtype, progress=progress, desc="val")
        for key, value in zip(("train_loss", "train_acc", "val_loss", "val_acc"),
                              (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        if progress:
            print(f"epoch {epoch + 1}/{epochs}: train loss {train_loss:.3f} acc {train_acc:.3f}, "
                  f"val loss {val_loss:.3f} acc {val_acc:.3f} ({time.perf_counter() - started:.1f} s)")
        if val_acc > best_acc:
            best_acc = val_acc
            best_weights = copy.deepcopy(model.state_dict())
        if checkpoint is not None:
            save_checkpoint(checkpoint, {
                "epoch": epoch + 1, "epochs": epochs, "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict() if scaler else None, "history": history,
                "best_acc": best_acc, "best_weights": best_weights, "identity": identity,
            })
        if on_epoch is not None:
            on_epoch(epoch, history)

    model.load_state_dict(best_weights)
    model.cache_placement = where  # for reports: "gpu" or "ram"
    return model, history, class_names
