"""Lesson 03: build_transforms and make_loaders.

The checks draw small pictures with numpy (gradients and blobs, a plain
colour, a dark left half) and compare what the piece makes of them with
what the lesson's recipe makes.
"""
import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms as T

from catdog_lib.course.plugin import CheckFailed, expect

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# A gray level or two of resampling difference, in normalized units, is fine;
# another crop or normalization is much farther off.
CLOSE = 0.06


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


def _tensor(function, train, size, image):
    transform = function(train=train, size=size)
    expect(callable(transform), f"build_transforms(train={train}) returned {type(transform).__name__}, not a transform")
    out = transform(image)
    expect(isinstance(out, torch.Tensor), f"the {'train' if train else 'eval'} transforms gave a {type(out).__name__}, "
           "not a tensor: end with transforms.ToTensor() and Normalize", hint="transforms.ToTensor() turns a PIL image into a tensor.")
    expect(out.dtype == torch.float32, f"the {'train' if train else 'eval'} transforms gave a {out.dtype} tensor, not float32",
           hint="ToTensor() gives float32 in [0, 1]; with v2, use v2.ToDtype(torch.float32, scale=True).")
    return out


def _shape_check(out, train, size):
    kind = "train" if train else "eval"
    shape = tuple(out.shape)
    if shape == (3, 224, 224) and size != 224:
        raise CheckFailed(f"build_transforms(train={train}, size={size}) gave shape {shape}: it ignores size (wrong size)")
    if len(shape) == 3 and shape[1] != shape[2]:
        raise CheckFailed(f"the {kind} transforms gave shape {shape} for a 64 x 48 photo: Resize without CenterCrop "
                          "keeps the photo's shape; add CenterCrop(size)",
                          hint="Resize(n) makes the short side n; CenterCrop(size) then cuts out a size x size square.")
    expect(shape == (3, size, size), f"the {kind} transforms with size={size} gave shape {shape}, "
           f"not (3, {size}, {size}): wrong size")


def _normalization_check(out, colour, kind):
    expected = _normalized(colour)
    got = out.mean(dim=(1, 2))
    if torch.allclose(got, expected, atol=0.02):
        return
    if torch.allclose(got, torch.tensor(colour) / 255, atol=0.02):
        raise CheckFailed(f"the {kind} tensor holds values in [0, 1]: no Normalize; "
                          "add transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)")
    raise CheckFailed(f"a plain ({colour[0]}, {colour[1]}, {colour[2]}) photo gives channel means "
                      f"{[round(v, 2) for v in got.tolist()]} after the {kind} transforms, not "
                      f"{[round(v, 2) for v in expected.tolist()]}: wrong mean or std in Normalize",
                      hint="Normalize(IMAGENET_MEAN, IMAGENET_STD), after ToTensor(), with the mean first.")


def test_eval_shape_and_type(build_transforms):
    for size in (32, 40):
        _shape_check(_tensor(build_transforms, False, size, picture()), False, size)


def test_eval_normalizes(build_transforms):
    colour = (200, 100, 50)
    _normalization_check(_tensor(build_transforms, False, 32, plain(colour)), colour, "eval")


def test_eval_is_deterministic(build_transforms):
    outs = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        outs.append(_tensor(build_transforms, False, 32, picture()))
    expect(all(torch.equal(outs[0], out) for out in outs[1:]),
           "the eval transforms give a different tensor each time: random crop (or flip) in eval; "
           "evaluation must be deterministic",
           hint="Eval uses Resize and CenterCrop; RandomResizedCrop and RandomHorizontalFlip belong to train only.")


def test_eval_resizes_and_crops(build_transforms):
    size = 32
    image = picture()
    out = _tensor(build_transforms, False, size, image)
    _shape_check(out, False, size)
    reference = _recipe(size, round(size * 256 / 224))(image)
    if (out - reference).abs().mean() < CLOSE:
        return
    mistakes = (
        (_recipe(size, (size, size), crop=False), "it squashes the whole photo to size x size: "
         "Resize without CenterCrop; resize the short side to round(size * 256 / 224), then CenterCrop(size)"),
        (_recipe(size, size), "it resizes to size, not round(size * 256 / 224), before the CenterCrop (wrong size)"),
        (T.Compose([T.CenterCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)]),
         "it crops without resizing first: Resize(round(size * 256 / 224)) before CenterCrop(size)"),
    )
    for recipe, message in mistakes:
        if (out - recipe(image)).abs().mean() < CLOSE:
            raise CheckFailed(f"the eval image is not what the lesson's recipe gives: {message}")
    raise CheckFailed("the eval tensor differs from Resize(round(size * 256 / 224)), CenterCrop(size), ToTensor(), "
                      "Normalize(IMAGENET_MEAN, IMAGENET_STD)")


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
                raise CheckFailed(f"the {'train' if train else 'eval'} transforms failed on a {mode} photo "
                                  f"({type(error).__name__}: {error}): convert every photo to RGB first",
                                  hint="transforms.Lambda(lambda image: image.convert('RGB')) as the first step.") from error
            expect(tuple(out.shape) == (3, 32, 32),
                   f"a {mode} photo gave shape {tuple(out.shape)}: convert every photo to RGB first",
                   hint="transforms.Lambda(lambda image: image.convert('RGB')) as the first step.")


def test_train_shape_and_normalizes(build_transforms):
    for size in (32, 24):
        _shape_check(_tensor(build_transforms, True, size, picture()), True, size)
    colour = (30, 160, 220)
    _normalization_check(_tensor(build_transforms, True, 32, plain(colour)), colour, "train")


def test_train_crops_at_random(build_transforms):
    # Left and right halves alike: only a random crop can change the picture.
    y = np.linspace(0, 255, 48, dtype=np.float32)[:, None].repeat(64, axis=1)
    image = Image.fromarray(np.stack([y, 255 - y, y], axis=-1).astype(np.uint8))
    transform = build_transforms(train=True, size=16)
    outs = [transform(image) for _ in range(6)]
    expect(any(not torch.allclose(outs[0], out, atol=1e-3) for out in outs[1:]),
           "the train transforms give the same picture every time: no random crop in train; "
           "add RandomResizedCrop(size)", hint="RandomResizedCrop(size) takes a random part of the photo at a random scale.")


def test_train_flips(build_transforms):
    # Dark left half, bright right half: a crop keeps that order, only a flip swaps it.
    row = np.where(np.arange(64) < 32, 20, 235).astype(np.uint8)
    image = Image.fromarray(np.repeat(row[None, :, None], 48, axis=0).repeat(3, axis=2))
    transform = build_transforms(train=True, size=16)
    flipped = 0
    for _ in range(40):
        out = transform(image)
        left, right = out[:, :, :8].mean().item(), out[:, :, 8:].mean().item()
        flipped += left > right + 0.1
    expect(flipped > 0, "in 40 tries the train transforms never mirrored the photo: no flip in train; "
           "add RandomHorizontalFlip()", hint="RandomHorizontalFlip() mirrors half of the photos at random.")


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


def _loaders(function, root, batch_size):
    result = function(root, batch_size=batch_size, num_workers=0, size=SIZE)
    expect(isinstance(result, tuple) and len(result) == 2,
           f"make_loaders returned {type(result).__name__}, not (loaders, class_names)")
    loaders, class_names = result
    expect(isinstance(loaders, dict) and {"train", "val"} <= set(loaders),
           "make_loaders should return a dict with the keys 'train' and 'val' first")
    for split in ("train", "val"):
        expect(isinstance(loaders[split], DataLoader), f"loaders[{split!r}] is a {type(loaders[split]).__name__}, "
               "not a DataLoader")
    return loaders, class_names


def _epoch(loader):
    images, labels = [], []
    for batch_images, batch_labels in loader:
        images.append(batch_images)
        labels.append(batch_labels)
    return torch.cat(images), torch.cat(labels), [len(b) for b in labels]


def test_loaders_and_class_names(make_loaders, image_tree):
    root, _ = image_tree
    loaders, class_names = _loaders(make_loaders, root, 4)
    expect(list(class_names) == ["cat", "dog"], f"class_names is {class_names!r}, not ['cat', 'dog']",
           hint="Return the training dataset's classes: train_set.classes.")
    images, _, _ = _epoch(loaders["train"])
    expect(tuple(images.shape[1:]) == (3, SIZE, SIZE),
           f"with size={SIZE} the train images have shape {tuple(images.shape[1:])}: pass size to build_transforms")


def test_uses_batch_size(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 3)
    for split in ("train", "val"):
        _, _, sizes = _epoch(loaders[split])
        expect(sizes[0] == 3, f"with batch_size=3 the first {split} batch holds {sizes[0]} images: "
               "batch size ignored; pass batch_size to the DataLoader")


def test_val_keeps_order_and_every_image(make_loaders, image_tree):
    root, _ = image_tree
    loaders, _ = _loaders(make_loaders, root, 3)
    total = sum(VAL_COUNTS.values())
    for _ in range(2):
        images, labels, _ = _epoch(loaders["val"])
        expect(len(labels) == total, f"an epoch of loaders['val'] gave {len(labels)} of its {total} images: "
               "val drops its last batch; use drop_last=False (the default)")
        expect(labels.tolist() == [0] * VAL_COUNTS["cat"] + [1] * VAL_COUNTS["dog"],
               f"loaders['val'] gave the labels {labels.tolist()}: val is shuffled; use shuffle=False for val",
               hint="Only the training loader shuffles.")


def test_val_uses_eval_transforms(make_loaders, image_tree):
    root, files = image_tree
    loaders, _ = _loaders(make_loaders, root, 4)
    images, _, _ = _epoch(loaders["val"])
    expected = torch.stack([_recipe(SIZE, round(SIZE * 256 / 224))(Image.open(f).convert("RGB")) for f in files])
    differences = (images - expected).abs().mean(dim=(1, 2, 3))
    expect(bool((differences < CLOSE).all()),
           "the val images are not what the eval transforms give: train transforms on val; "
           "use build_transforms(train=False, size=size) for val",
           hint="datasets.ImageFolder(data_dir / 'val', build_transforms(train=False, size=size))")


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
           "loaders['train'] gave the images in the same order every epoch: train not shuffled; use shuffle=True",
           hint="Shuffling the training set each epoch keeps batches from being all cats, then all dogs.")
