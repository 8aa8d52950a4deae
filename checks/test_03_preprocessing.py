"""Lesson 03: build_transforms and make_loaders.

The checks draw small pictures with numpy (gradients and blobs, a plain
colour, a dark left half) and compare what the piece makes of them with
what the lesson's recipe makes.
"""
import os

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms as T

from catdog_lib.course.error_hints import short_error
from catdog_lib.course.plugin import CheckFailed, expect, expect_signature
from catdog_lib.i18n import tr

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# A gray level or two of resampling difference, in normalized units, is fine;
# another crop or normalization is much farther off.
CLOSE = 0.06
# The same for the geometry alone, each channel scaled to mean 0 and spread 1 first (so that a wrong
# Normalize, which test_*_normalizes judge, does not count here): PIL against tensor resizing differs
# by 0.005, a crop one pixel off by 0.03, the mistakes below by 0.04 and more.
CLOSE_SHAPE = 0.025


def _standardized(tensor):
    flat = tensor.flatten(1)
    return (tensor - flat.mean(1)[:, None, None]) / (flat.std(1)[:, None, None] + 1e-6)


def _shape_distance(a, b):
    return (_standardized(a) - _standardized(b)).abs().mean().item()


def picture(width=64, height=48, seed=0):
    """A smooth picture that looks different wherever you crop it."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.05 * width * height))
    rgb = np.stack([x / width, y / height, blob], axis=-1)
    return Image.fromarray((rgb * 255).round().astype(np.uint8))


def plain(colour, width=50, height=40):
    return Image.new("RGB", (width, height), colour)


def _normalized(colour):
    return torch.tensor([(c / 255 - m) / s for c, m, s in zip(colour, MEAN, STD)])


def _recipe(size, resize, crop=True):
    steps = [T.Resize(resize)] + ([T.CenterCrop(size)] if crop else []) + [T.ToTensor(), T.Normalize(MEAN, STD)]
    return T.Compose(steps)


def _kind(train):
    """The transforms' kind as a message names it: "the train transforms", "the eval transforms"."""
    return tr("train") if train else tr("eval")


def _tensor(function, train, size, image):
    transform = function(train=train, size=size)
    if isinstance(transform, (list, tuple)):
        raise CheckFailed(tr("build_transforms(train={train}, size={size}) returned a {transform_type} of "
                             "steps, not one transform",
                             train=train, size=size, transform_type=type(transform).__name__), hint=tr("Wrap the steps: return transforms.Compose([...])."))
    expect(callable(transform), tr("build_transforms(train={train}, size={size}) returned "
           "{transform_type}, not a transform", train=train, size=size, transform_type=type(transform).__name__),
           hint=tr("Return one callable that takes a photo: transforms.Compose([...])."))
    try:
        out = transform(image)
    except (TypeError, RuntimeError, ValueError) as error:
        if "float" in str(error) and ("uint8" in str(error) or "Byte" in str(error)):
            raise CheckFailed(tr("the {kind} transforms raised {error_type} on a photo in mode {image_mode} "
                                 "({short_error}): a missing conversion, the image tensor is still uint8 "
                                 "(0 to 255) when it reaches a step that needs float",
                                 kind=_kind(train), error_type=type(error).__name__, image_mode=image.mode,
                                 short_error=short_error(error)),
                              hint=tr("transforms.ToTensor() gives float32 in [0, 1]; with v2, put "
                                      "v2.ToDtype(torch.float32, scale=True) after v2.ToImage().")) from error
        raise
    expect(isinstance(out, torch.Tensor), tr("the {kind} transforms turned a {image_mode} photo into a "
           "{out_type}, not a tensor: end with transforms.ToTensor() and Normalize",
           kind=_kind(train), image_mode=image.mode, out_type=type(out).__name__),
           hint=tr("transforms.ToTensor() turns a PIL image into a tensor."))
    expect(out.dtype == torch.float32, tr("the {kind} transforms gave a {out_dtype} tensor, not float32",
                                          kind=_kind(train), out_dtype=out.dtype),
           hint=tr("ToTensor() gives float32 in [0, 1]; with v2, use v2.ToDtype(torch.float32, scale=True)."))
    return out


def _shape_check(out, train, size):
    shape = tuple(out.shape)
    if shape in ((3, 224, 224), (3, 256, 256)) and size not in (224, 256):
        raise CheckFailed(tr("build_transforms(train={train}, size={size}) gave shape {shape} for a 64 x 48 photo, "
                             "not (3, {size}, {size}): it ignores size (wrong size)",
                             train=train, size=size, shape=shape),
                          hint=tr("Use the argument everywhere: RandomResizedCrop(size), CenterCrop(size), "
                                  "Resize(round(size * 256 / 224)), not 224 or 256."))
    if len(shape) == 3 and shape[1] != shape[2]:
        raise CheckFailed(tr("the {kind} transforms gave shape {shape} for a 64 x 48 photo: Resize without "
                             "CenterCrop keeps the photo's shape; add CenterCrop(size)",
                             kind=_kind(train), shape=shape),
                          hint=tr("Resize(n) makes the short side n; CenterCrop(size) then cuts out a size x size square."))
    expect(shape == (3, size, size), tr("the {kind} transforms with size={size} gave shape {shape} for a "
           "64 x 48 photo, not (3, {size}, {size}): wrong size", kind=_kind(train), size=size, shape=shape),
           hint=tr("The last step that changes the size must make it size x size: CenterCrop(size) or "
                   "RandomResizedCrop(size)."))


def _normalization_check(out, colour, kind):
    expected = _normalized(colour)
    got = out.mean(dim=(1, 2))
    if torch.allclose(got, expected, atol=0.02):
        return
    shown = tr("a plain ({red}, {green}, {blue}) photo gives channel means {means} after the {kind} transforms",
               red=colour[0], green=colour[1], blue=colour[2], means=[round(v, 2) for v in got.tolist()], kind=kind)
    if torch.allclose(got, torch.tensor(colour) / 255, atol=0.02):
        raise CheckFailed(tr("{shown}, its colour in [0, 1]: no Normalize; add transforms.Normalize(IMAGENET_MEAN, "
                             "IMAGENET_STD)", shown=shown), hint=tr("Normalize comes after ToTensor(): "
                          "transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)."))
    unscaled = torch.tensor([(c - m) / s for c, m, s in zip(colour, MEAN, STD)])
    if torch.allclose(got, unscaled, rtol=0.02, atol=0.5) or torch.allclose(got, torch.tensor(colour, dtype=torch.float),
                                                                             atol=1):
        raise CheckFailed(tr("{shown}, not {expected}: the values were not scaled "
                             "to [0, 1] before Normalize (a missing conversion: 0 to 255 stays 0 to 255)",
                             shown=shown, expected=[round(v, 2) for v in expected.tolist()]),
                          hint=tr("ToTensor() scales to [0, 1]; PILToTensor().float() and v2.ToDtype(torch.float32) "
                                  "without scale=True do not: divide by 255, or pass scale=True."))
    raise CheckFailed(tr("{shown}, not {expected}: wrong mean or std in Normalize",
                         shown=shown, expected=[round(v, 2) for v in expected.tolist()]),
                      hint=tr("Normalize(IMAGENET_MEAN, IMAGENET_STD), after ToTensor(), with the mean first."))


def test_build_transforms_signature(build_transforms):
    expect_signature(build_transforms, "build_transforms")


def test_eval_shape_and_type(build_transforms):
    for size in (32, 40):
        _shape_check(_tensor(build_transforms, False, size, picture()), False, size)


def test_eval_normalizes(build_transforms):
    colour = (200, 100, 50)
    _normalization_check(_tensor(build_transforms, False, 32, plain(colour)), colour, _kind(False))


def test_eval_is_deterministic(build_transforms):
    outs = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        outs.append(_tensor(build_transforms, False, 32, picture()))
    expect(all(torch.equal(outs[0], out) for out in outs[1:]),
           tr("the eval transforms gave three different tensors for one photo: random crop (or flip) in eval; "
              "evaluation must be deterministic"),
           hint=tr("Eval uses Resize and CenterCrop; RandomResizedCrop and RandomHorizontalFlip belong to train only."))


def test_eval_resizes_and_crops(build_transforms):
    size = 32
    image = picture()
    torch.manual_seed(0)  # an eval pipeline that is random (test_eval_is_deterministic says so) gives one verdict
    out = _tensor(build_transforms, False, size, image)
    if tuple(out.shape) != (3, size, size):
        raise CheckFailed(tr("the eval transforms with size={size} gave shape {tuple}, so the check could not "
                             "compare the picture with the lesson's recipe", size=size, tuple=tuple(out.shape)), hint=tr("Resize(round(size * 256 / 224)), "
                          "then CenterCrop(size), ToTensor(), Normalize(IMAGENET_MEAN, IMAGENET_STD)."))
    reference = _recipe(size, round(size * 256 / 224))(image)
    off = _shape_distance(out, reference)
    if off < CLOSE_SHAPE:
        return
    mistakes = (
        (_recipe(size, (size, size), crop=False), tr("it squashes the whole photo to size x size: "
         "Resize without CenterCrop; resize the short side to round(size * 256 / 224), then CenterCrop(size)"),
         tr("Resize((size, size)) squashes; Resize(n) with one number keeps the proportions.")),
        (_recipe(size, size), tr("it resizes to size, not round(size * 256 / 224), before the CenterCrop (wrong size)"),
         tr("Resize(round(size * 256 / 224)) leaves a border for CenterCrop(size) to cut away.")),
        (_recipe(size, 256), tr("it resizes to 256 whatever size is: 256 belongs to size 224 only; "
         "use Resize(round(size * 256 / 224))"), "round(size * 256 / 224) is 256 for size 224 and 37 for size 32."),
        (T.Compose([T.CenterCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)]),
         tr("it crops without resizing first: Resize(round(size * 256 / 224)) before CenterCrop(size)"),
         tr("Resize first, so the crop holds most of the photo: Resize(round(size * 256 / 224)), CenterCrop(size).")),
    )
    for recipe, message, hint in mistakes:
        if _shape_distance(out, recipe(image)) < CLOSE_SHAPE:
            raise CheckFailed(tr("the eval image of a 64 x 48 photo is not what the lesson's recipe gives: {detail}",
                                 detail=message),
                              hint=hint)
    raise CheckFailed(tr("the eval picture of a 64 x 48 photo differs from what Resize(round(size * 256 / 224)), "
                         "CenterCrop(size) give by {off:.2f} on average, each channel scaled to spread 1 "
                         "(resampling alone differs by less than {CLOSE_SHAPE})", off=off, CLOSE_SHAPE=CLOSE_SHAPE),
                      hint=tr("Eval is exactly Resize(round(size * 256 / 224)), CenterCrop(size), ToTensor(), "
                              "Normalize(IMAGENET_MEAN, IMAGENET_STD), in that order."))


def test_any_image_mode(build_transforms):
    rgb = picture()
    images = {"grayscale (L)": rgb.convert("L"), "RGBA": rgb.convert("RGBA"), "palette (P)": rgb.convert("P")}
    for train in (False, True):
        for mode, image in images.items():
            try:
                out = _tensor(build_transforms, train, 32, image)
            except CheckFailed:
                raise
            except Exception as error:
                raise CheckFailed(tr("the {kind} transforms failed on a {mode} photo "
                                     "({error_type}: {short_error}): convert every photo to RGB first",
                                     kind=_kind(train), mode=mode, error_type=type(error).__name__,
                                     short_error=short_error(error)),
                                  hint=tr("transforms.Lambda(lambda image: image.convert('RGB')) as the first step.")) from error
            expect(tuple(out.shape)[0] == 3,
                   tr("a {mode} photo gave shape {tuple} after the {kind} transforms, not 3 channels: "
                      "convert every photo to RGB first", mode=mode, tuple=tuple(out.shape), kind=_kind(train)),
                   hint=tr("transforms.Lambda(lambda image: image.convert('RGB')) as the first step."))


def test_train_shape_and_type(build_transforms):
    for size in (32, 24):
        _shape_check(_tensor(build_transforms, True, size, picture()), True, size)


def test_train_crops_at_random(build_transforms):
    # Red grows from left to right, green from top to bottom: the spread of each in a crop tells how
    # much of the photo's width and height the crop took.
    torch.manual_seed(0)
    image = picture()
    transform = build_transforms(train=True, size=16)
    outs = [transform(image) for _ in range(30)]
    expect(any(not torch.allclose(outs[0], out, atol=1e-3) and not torch.allclose(outs[0], out.flip(-1), atol=1e-3)
               for out in outs[1:]),
           tr("in 30 draws the train transforms cut out the same part of a 64 x 48 photo every time: no random crop in "
              "train; add RandomResizedCrop(size)"),
           hint=tr("RandomResizedCrop(size) takes a random part of the photo at a random scale."))
    # What a channel's full range (black to white) becomes: the piece's own normalization, right or wrong.
    unit = transform(plain((255, 255, 255))).mean(dim=(1, 2)) - transform(plain((0, 0, 0))).mean(dim=(1, 2))
    shares = []
    for out in outs:
        spans = out.flatten(1).max(dim=1).values - out.flatten(1).min(dim=1).values
        shares.append(float(spans[0] / unit[0] * spans[1] / unit[1]))
    expect(max(shares) - min(shares) > 0.25 and min(shares) < 0.5,
           tr("in 30 draws the train crops always took about {mean:.0%} of a 64 x 48 photo "
              "(from {min:.0%} to {max:.0%}): a crop at one scale, such as RandomCrop after Resize; "
              "RandomResizedCrop(size) takes 8 % to 100 % of the photo",
              mean=sum(shares) / len(shares), min=min(shares), max=max(shares)),
           hint=tr("Replace Resize + RandomCrop by RandomResizedCrop(size): it picks the scale and the place at random."))


def test_train_normalizes(build_transforms):
    colour = (30, 160, 220)
    _normalization_check(_tensor(build_transforms, True, 32, plain(colour)), colour, _kind(True))


def test_train_flips(build_transforms):
    # Dark left half, bright right half: a crop keeps that order, only a flip swaps it.
    torch.manual_seed(0)
    row = np.where(np.arange(64) < 32, 20, 235).astype(np.uint8)
    image = Image.fromarray(np.repeat(row[None, :, None], 48, axis=0).repeat(3, axis=2))
    transform = build_transforms(train=True, size=16)
    flipped = kept = 0
    for _ in range(40):
        out = transform(image)
        left, right = out[:, :, :8].mean().item(), out[:, :, 8:].mean().item()
        flipped += left > right + 0.1
        kept += right > left + 0.1
    expect(flipped > 0, tr("in 40 draws the train transforms never mirrored a photo left to right: no flip in train; "
           "add RandomHorizontalFlip()"),
           hint=tr("RandomHorizontalFlip() mirrors half of the photos left to right (RandomVerticalFlip turns them "
                   "upside down, which a cat never is)."))
    expect(kept > 0, tr("in 40 draws the train transforms mirrored the photo every time ({flipped} of 40): "
           "RandomHorizontalFlip() mirrors half of them", flipped=flipped), hint=tr("Leave p at its default: RandomHorizontalFlip()."))


# -- make_loaders ---------------------------------------------------------------------

TRAIN_COLOURS = {"cat": [(250, 10, 10), (10, 250, 10), (10, 10, 250), (250, 250, 10), (10, 250, 250)],
                 "dog": [(250, 10, 250), (128, 128, 128), (250, 128, 10), (10, 128, 250)]}
VAL_COUNTS = {"cat": 4, "dog": 3}
SIZE = 16


@pytest.fixture(scope="session")
def image_tree(tmp_path_factory):
    """data/train/<label>/: plain colours (so each can be told apart); data/val/<label>/: pictures."""
    root = tmp_path_factory.mktemp("imagefolder")
    for label, colours in TRAIN_COLOURS.items():
        (root / "train" / label).mkdir(parents=True)
        for i, colour in enumerate(colours):
            plain(colour, 20, 16).save(root / "train" / label / f"{label}.{i}.png")
    val_files = []
    for label, n in VAL_COUNTS.items():
        (root / "val" / label).mkdir(parents=True)
        for i in range(n):
            path = root / "val" / label / f"{label}.{100 + i}.png"
            picture(40, 30, seed=len(val_files)).save(path)
            val_files.append(path)
    return root, val_files


def _loaders(function, root, batch_size, num_workers=0, size=SIZE):
    call = f"make_loaders(data_dir, batch_size={batch_size}, num_workers={num_workers}, size={size})"
    result = function(root, batch_size=batch_size, num_workers=num_workers, size=size)
    expect(isinstance(result, tuple) and len(result) == 2,
           tr("{call} returned {result_type} of length {length}, not (loaders, class_names)", call=call,
              result_type=type(result).__name__, length=len(result)) if hasattr(result, "__len__") else
           tr("{call} returned {result_type}, not (loaders, class_names)", call=call, result_type=type(result).__name__),
           hint=tr("return loaders, class_names: a dict of two DataLoaders, and the list of class names."))
    loaders, class_names = result
    expect(isinstance(loaders, dict) and {"train", "val"} <= set(loaders),
           tr("{call} returned {loaders_type} first with the keys {keys}, not a dict with the keys 'train' and 'val'",
              call=call, loaders_type=type(loaders).__name__, keys=sorted(loaders)) if isinstance(loaders, dict) else
           tr("{call} returned {loaders_type} first, not a dict with the keys 'train' and 'val'",
              call=call, loaders_type=type(loaders).__name__),
           hint=tr("loaders = {{'train': DataLoader(...), 'val': DataLoader(...)}}"))
    for split in ("train", "val"):
        expect(isinstance(loaders[split], DataLoader), tr("loaders[{split!r}] is a {loaders_type}, "
               "not a DataLoader", split=split, loaders_type=type(loaders[split]).__name__), hint=tr("Wrap each dataset in DataLoader(dataset, batch_size=..., shuffle=...)."))
    return loaders, class_names


def _without_workers(loader):
    """The same batches without worker processes: test_uses_num_workers judges num_workers; the other
    checks need not wait for workers to start."""
    if not getattr(loader, "num_workers", 0) or loader.batch_sampler is None:
        return loader
    return DataLoader(loader.dataset, batch_sampler=loader.batch_sampler, num_workers=0, collate_fn=loader.collate_fn)


def _epoch(loader):
    loader = _without_workers(loader)
    images, labels = [], []
    for batch_images, batch_labels in loader:
        images.append(batch_images)
        labels.append(batch_labels)
    return torch.cat(images), torch.cat(labels), [len(b) for b in labels]


def test_make_loaders_signature(make_loaders):
    expect_signature(make_loaders, "make_loaders")


def test_loaders_and_class_names(make_loaders, image_tree):
    root, _ = image_tree
    loaders, class_names = _loaders(make_loaders, root, 4)
    expect(list(class_names) == ["cat", "dog"], tr("class_names is {class_names!r} for the folders train/cat and "
           "train/dog, not ['cat', 'dog']", class_names=class_names), hint=tr("Return the training dataset's classes: train_set.classes."))


def test_reads_train_and_val_folders(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 4)
    for split, n in (("train", sum(len(c) for c in TRAIN_COLOURS.values())), ("val", sum(VAL_COUNTS.values()))):
        got = len(loaders[split].dataset)
        expect(got == n, tr("loaders[{split!r}] reads {got} images; data_dir/{split} holds {n}: make the {split} "
               "dataset on data_dir / {split!r}", split=split, got=got, n=n),
               hint=tr("datasets.ImageFolder(Path(data_dir) / 'train', ...) and datasets.ImageFolder(Path(data_dir) / "
                       "'val', ...): one folder each."))


def _each_epoch(make_loaders, image_tree, batch_size):
    """``(split, images, labels, batch sizes)`` of one pass over each loader ``make_loaders`` gives."""
    loaders, _ = _loaders(make_loaders, image_tree[0], batch_size)
    return [(split, *_epoch(loaders[split])) for split in ("train", "val")]


def test_uses_size(make_loaders, image_tree):
    for split, images, _, _ in _each_epoch(make_loaders, image_tree, 4):
        expect(tuple(images.shape[1:]) == (3, SIZE, SIZE),
               tr("with size={SIZE} the {split} images have shape {tuple}, not (3, {SIZE}, {SIZE}): "
                  "it ignores size", SIZE=SIZE, split=split, tuple=tuple(images.shape[1:])), hint=tr("Pass size on: build_transforms(train=True, size=size) and "
                                      "build_transforms(train=False, size=size)."))


def test_uses_batch_size(make_loaders, image_tree):
    for split, _, _, sizes in _each_epoch(make_loaders, image_tree, 3):
        expect(sizes[0] == 3, tr("with batch_size=3 the first {split} batch holds {sizes_0} images: "
               "batch size ignored; pass batch_size to the DataLoader", split=split, sizes_0=sizes[0]),
               hint=tr("DataLoader(dataset, batch_size=batch_size, ...) for both loaders."))


def test_uses_num_workers(make_loaders, image_tree):
    root, _ = image_tree
    for workers in (2, 0):
        loaders, _ = _loaders(make_loaders, root, 4, num_workers=workers)
        for split in ("train", "val"):
            got = loaders[split].num_workers
            expect(got == workers, tr("with num_workers={workers}, loaders[{split!r}].num_workers is {got}: it "
                   "ignores num_workers", workers=workers, split=split, got=got), hint=tr("DataLoader(..., num_workers=num_workers) for both loaders: "
                   "the caller knows how many processes its machine can spare (Colab and Windows need 0 or few)."))


def test_train_uses_train_transforms(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 4)
    transform = getattr(loaders["train"].dataset, "transform", None)
    expect(callable(transform), tr("loaders['train'].dataset is a {loaders_train_dataset_type} without a "
           "transform: make it datasets.ImageFolder(data_dir / 'train', build_transforms(train=True, size=size))",
           loaders_train_dataset_type=type(loaders['train'].dataset).__name__),
           hint=tr("datasets.ImageFolder(folder, transform) keeps the transform it applies to every image."))
    torch.manual_seed(0)
    outs = [transform(picture(40, 30)) for _ in range(8)]
    expect(any(not torch.equal(outs[0], out) for out in outs[1:]),
           tr("loaders['train'] gives a photo the same way every epoch: eval transforms on train; "
              "use build_transforms(train=True, size=size) for train"),
           hint=tr("Each dataset gets its own transforms: train=True for train (random crops and flips), "
                   "train=False for val."))


def test_val_keeps_order_and_every_image(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 3)
    total = sum(VAL_COUNTS.values())
    for _ in range(2):
        images, labels, _ = _epoch(loaders["val"])
        expect(len(labels) <= total, tr("an epoch of loaders['val'] gave {n_labels} images, data_dir/val holds "
               "{total}: it reads another folder", n_labels=len(labels), total=total), hint=tr("datasets.ImageFolder(Path(data_dir) / 'val', ...) for val."))
        expect(len(labels) == total, tr("with batch_size=3, an epoch of loaders['val'] gave {n_labels} of its "
               "{total} images: val drops its last batch; use drop_last=False (the default)",
               n_labels=len(labels), total=total),
               hint=tr("Leave drop_last out of the val loader: every validation photo must count."))
        expect(labels.tolist() == [0] * VAL_COUNTS["cat"] + [1] * VAL_COUNTS["dog"],
               tr("loaders['val'] gave the labels {tolist}: val is shuffled; use shuffle=False for val",
                  tolist=labels.tolist()),
               hint=tr("Only the training loader shuffles: DataLoader(val_set, ..., shuffle=False)."))


def test_val_uses_eval_transforms(make_loaders, image_tree):
    root, files = image_tree
    loaders, _ = _loaders(make_loaders, root, 4)
    images, _, _ = _epoch(loaders["val"])
    expected = torch.stack([_recipe(SIZE, round(SIZE * 256 / 224))(Image.open(f).convert("RGB")) for f in files])
    if images.shape[1:] != expected.shape[1:] or len(images) > len(expected):
        raise CheckFailed(tr("the val images have shape {tuple}, not {tuple2}, so the "
                             "check could not compare them with what the eval transforms give",
                             tuple=tuple(images.shape), tuple2=tuple(expected.shape)),
                          hint=tr("datasets.ImageFolder(data_dir / 'val', build_transforms(train=False, size=size))"))
    # Each image against the nearest expected one: the order is test_val_keeps_order_and_every_image's to judge.
    differences = (images[:, None] - expected[None]).abs().mean(dim=(2, 3, 4)).min(dim=1).values
    expect(bool((differences < CLOSE).all()),
           tr("the val images are not what the eval transforms give: train transforms on val; "
              "use build_transforms(train=False, size=size) for val"),
           hint=tr("datasets.ImageFolder(data_dir / 'val', build_transforms(train=False, size=size))"))


def test_train_shuffles(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 9)
    colours = [c for label in ("cat", "dog") for c in TRAIN_COLOURS[label]]
    known = torch.stack([_normalized(c) for c in colours])
    orders = []
    for _ in range(3):
        images, _, _ = _epoch(loaders["train"])
        means = images.mean(dim=(2, 3))
        orders.append(tuple(int((known - m).abs().sum(dim=1).argmin()) for m in means))
    expect(len(set(orders)) > 1,
           tr("loaders['train'] gave its 9 images in the same order in 3 epochs: train not shuffled; use shuffle=True"),
           hint=tr("DataLoader(train_set, ..., shuffle=True): each epoch then sees the photos in a new order."))


def test_train_gives_each_image_once(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 4)
    colours = [c for label in ("cat", "dog") for c in TRAIN_COLOURS[label]]
    known = torch.stack([_normalized(c) for c in colours])
    for _ in range(3):
        images, _, _ = _epoch(loaders["train"])
        seen = [int((known - m).abs().sum(dim=1).argmin()) for m in images.mean(dim=(2, 3))]
        twice = len(seen) - len(set(seen))
        expect(not twice, tr("in one epoch loaders['train'] gave {twice} of its 9 images twice or more and left "
                             "{never} out: its sampler draws with replacement; shuffling gives each image once per epoch",
                             twice=twice, never=len(colours) - len(set(seen))),
               hint=tr("DataLoader(train_set, batch_size=batch_size, shuffle=True): no sampler with replacement=True."))


class _Listing:
    """What ``os.scandir`` returns, with the entries in the order the check chose."""

    def __init__(self, entries):
        self.entries = iter(entries)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def test_class_names_are_the_datasets_list(make_loaders, image_tree):
    root, _ = image_tree
    # A folder listing comes in whatever order the file system keeps (ext4: by a hash; NTFS and APFS: sorted):
    # here, listings come in reverse order, and ImageFolder sorts them.
    listdir, scandir = os.listdir, os.scandir

    def reversed_listdir(path="."):
        return sorted(listdir(path), reverse=True)

    def reversed_scandir(path="."):
        with scandir(path) as entries:
            return _Listing(sorted(entries, key=lambda entry: entry.name, reverse=True))

    os.listdir, os.scandir = reversed_listdir, reversed_scandir
    try:
        loaders, class_names = _loaders(make_loaders, root, 4)
    finally:
        os.listdir, os.scandir = listdir, scandir
    if isinstance(class_names, (dict, set, frozenset)):
        raise CheckFailed(tr("class_names is the {kind} {class_names!r}, not the datasets' list of class names: "
                             "return train_set.classes, ['cat', 'dog']", kind=type(class_names).__name__,
                             class_names=class_names),
                          hint=tr("train_set.classes is the list of names; class_to_idx is the dict from name to index."))
    try:
        names = [str(name) for name in class_names]
    except TypeError:
        return  # not a list at all: test_loaders_and_class_names says so
    if sorted(names) != ["cat", "dog"]:
        return  # other names than the classes': test_loaders_and_class_names says so
    expect(names == ["cat", "dog"],
           tr("where a folder listing comes in another order, class_names is {class_names!r}, not the datasets' "
              "list ['cat', 'dog']: it reads the folders itself, unsorted", class_names=names),
           hint=tr("Return train_set.classes: ImageFolder sorts the class folders, and label i names class_names[i]."))
