"""Preprocessing: from a PIL image to a normalized tensor, and the data loaders.

The pieces of lesson 03.
"""
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

# The mean and standard deviation of each colour channel over ImageNet. The
# pretrained ResNet saw its inputs normalized with these, so ours must be too.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def build_transforms(train, size=224):
    """The transforms that turn a PIL image into a ``3 x size x size`` tensor.

    Training (``train=True``) adds randomness, so the model sees a slightly
    different picture every epoch and learns cats, not pixels:
    ``RandomResizedCrop`` takes a random part of the photo at a random scale
    and aspect ratio and resizes it to ``size``; ``RandomHorizontalFlip``
    mirrors half the images (a cat facing left is still a cat).

    Evaluation is deterministic: resize the short side to ``size * 256 / 224``
    (256 for 224, as ImageNet models were evaluated) and cut out the centre.

    Both end the same way: convert to a float tensor in [0, 1], then
    normalize each channel with ImageNet's mean and standard deviation. The
    first step converts any image (grayscale, with alpha, palette) to RGB.
    """
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    normalize = transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    if train:
        return transforms.Compose([
            to_rgb,
            transforms.RandomResizedCrop(size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            normalize,
        ])
    return transforms.Compose([
        to_rgb,
        transforms.Resize(round(size * 256 / 224)),
        transforms.CenterCrop(size),
        transforms.ToTensor(),
        normalize,
    ])


def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    """``ImageFolder`` datasets and ``DataLoader``s for ``data_dir/train`` and ``data_dir/val``.

    ``ImageFolder`` gives each sub-folder a class index in sorted order
    (``cat`` is 0, ``dog`` is 1). The training loader shuffles, so that each
    batch mixes cats and dogs and each epoch sees them in a new order; the
    validation loader does not shuffle and keeps its last, smaller batch, so
    every validation image counts exactly once.
    Returns ``({"train": loader, "val": loader}, class_names)``.
    """
    data_dir = Path(data_dir)
    image_datasets = {
        "train": datasets.ImageFolder(data_dir / "train", build_transforms(train=True, size=size)),
        "val": datasets.ImageFolder(data_dir / "val", build_transforms(train=False, size=size)),
    }
    pin = torch.cuda.is_available()  # page-locked memory speeds up copies to the GPU
    loaders = {
        "train": DataLoader(image_datasets["train"], batch_size=batch_size, shuffle=True,
                            num_workers=num_workers, pin_memory=pin),
        "val": DataLoader(image_datasets["val"], batch_size=batch_size, shuffle=False,
                          num_workers=num_workers, pin_memory=pin),
    }
    class_names = image_datasets["train"].classes
    return loaders, class_names


# Around the pieces.

def eval_resize_side(size):
    """The side ``build_transforms(train=False, size)`` resizes to before its centre crop: 256 for 224.

    For the code around the pieces (the fast path's cache). The piece writes
    the formula out itself, since a learner's version may use only the
    lessons' names.
    """
    return round(size * 256 / 224)
