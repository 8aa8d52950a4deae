"""Batch augmentation: shapes, ranges, and the same distributions as the classic transforms."""
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms

from catdog_lib import IMAGENET_MEAN, IMAGENET_STD, build_transforms
from catdog_lib.train.augment import eval_batch, random_resized_crop_boxes, train_batch
from catdog_lib.train.cache import _decode_one, cache_side

MEAN = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)


def gray_levels(normalized):
    """Back from normalized values to 0..255."""
    return (normalized * STD + MEAN) * 255


def test_train_batch_shape_dtype_and_range():
    images = torch.randint(0, 256, (8, 3, 37, 37), dtype=torch.uint8)
    images[0] = 0
    images[1] = 255
    out = train_batch(images, 32, torch.Generator().manual_seed(0))
    assert out.shape == (8, 3, 32, 32) and out.dtype == torch.float32
    levels = gray_levels(out)
    assert levels.min() >= -0.01 and levels.max() <= 255.01
    assert torch.allclose(levels[0], torch.zeros(3, 32, 32), atol=0.01)
    assert torch.allclose(levels[1], torch.full((3, 32, 32), 255.0), atol=0.01)


def test_eval_batch_is_the_normalized_centre():
    images = torch.randint(0, 256, (4, 3, 73, 73), dtype=torch.uint8)
    out = eval_batch(images, 64)
    assert out.shape == (4, 3, 64, 64) and out.dtype == torch.float32
    top = round((73 - 64) / 2)
    expected = (images[:, :, top:top + 64, top:top + 64].float() / 255 - MEAN) / STD
    assert torch.allclose(out, expected, atol=1e-5)


def test_crop_boxes_follow_random_resized_crop():
    """Share of the area, log aspect ratio and position: as torchvision draws them."""
    height, width, n = 73, 73, 20000
    top, left, h, w = random_resized_crop_boxes(n, height, width, generator=torch.Generator().manual_seed(1))
    assert (top >= 0).all() and (left >= 0).all() and (top + h <= height).all() and (left + w <= width).all()
    assert (h > 0).all() and (w > 0).all()

    torch.manual_seed(1)
    ref = np.array([transforms.RandomResizedCrop.get_params(torch.empty(3, height, width), (0.08, 1.0), (3 / 4, 4 / 3))
                    for _ in range(4000)], dtype=float)  # rows: top, left, h, w
    ours = torch.stack([top, left, h, w], dim=1).double().numpy()
    for name, f in (("area share", lambda b: b[:, 2] * b[:, 3] / (height * width)),
                    ("log ratio", lambda b: np.log(b[:, 3] / b[:, 2])),
                    ("centre x", lambda b: b[:, 1] + b[:, 3] / 2),
                    ("centre y", lambda b: b[:, 0] + b[:, 2] / 2)):
        a, b = f(ours), f(ref)
        spread = b.std() / math.sqrt(len(b))
        assert abs(a.mean() - b.mean()) < 5 * spread, name
        assert abs(a.std() - b.std()) < 0.1 * b.std(), name
        assert np.allclose(np.quantile(a, [0.1, 0.5, 0.9]), np.quantile(b, [0.1, 0.5, 0.9]),
                           atol=0.1 * (b.max() - b.min())), name
    share = ours[:, 2] * ours[:, 3] / (height * width)
    assert share.min() >= 0.07 and share.max() <= 1.0
    ratio = ours[:, 3] / ours[:, 2]
    assert ratio.min() > 0.6 and ratio.max() < 1.6  # 3/4..4/3 before rounding to whole pixels


def test_crop_boxes_fall_back_to_the_centre_of_a_narrow_image():
    """A 10 x 100 strip rarely fits a try: the fallback is the centre cut to ratio 4/3."""
    top, left, h, w = random_resized_crop_boxes(2000, 10, 100, scale=(0.9, 1.0), generator=torch.Generator().manual_seed(0))
    assert (h == 10).all() and (w == round(10 * 4 / 3)).all()
    assert (left == (100 - w) // 2).all() and (top == 0).all()


def test_half_the_images_are_flipped_and_a_flip_is_a_mirror():
    """A picture dark on the left and bright on the right: flipped ones are bright on the left."""
    image = torch.zeros(1, 3, 40, 40, dtype=torch.uint8)
    image[..., 20:] = 200
    batch = image.expand(4000, -1, -1, -1)
    out = train_batch(batch, 32, torch.Generator().manual_seed(0), scale=(1.0, 1.0), ratio=(1.0, 1.0))
    flipped = out[..., :16].mean(dim=(1, 2, 3)) > out[..., 16:].mean(dim=(1, 2, 3))
    assert abs(flipped.float().mean().item() - 0.5) < 0.03
    # With the whole image cropped, a flipped output is the mirror of an unflipped one.
    assert torch.allclose(out[flipped][0], out[~flipped][0].flip(2), atol=1e-5)


def test_same_generator_same_batch():
    images = torch.randint(0, 256, (16, 3, 37, 37), dtype=torch.uint8)
    a = train_batch(images, 32, torch.Generator().manual_seed(3))
    b = train_batch(images, 32, torch.Generator().manual_seed(3))
    c = train_batch(images, 32, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("size", [64, 96])
def test_eval_matches_the_classic_eval_transform(photos_dir, size):
    """Cached then centre-cropped equals Resize + CenterCrop on the PIL image: the same decode, resize and crop.

    Small JPEGs too (the kit's sample is 160 px): a reduced-scale JPEG decode
    (PIL's ``draft``) would differ by several gray levels there.
    """
    from helpers import photo_items

    classic = build_transforms(train=False, size=size)
    for name, _ in photo_items(photos_dir, 48):  # the whole sample, or as many shared photos
        cached = torch.from_numpy(_decode_one(name, cache_side(size)).copy())[None]
        fast = eval_batch(cached, size)[0]
        with Image.open(name) as image:
            reference = classic(image)
        diff = (gray_levels(fast[None]) - gray_levels(reference[None])).abs()
        assert diff.max() < 1.0, f"{name.name}: {diff.mean():.2f} gray levels on average, {diff.max():.1f} at most"


def test_eval_matches_the_classic_eval_transform_on_a_non_square_png(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (30, 50, 3)).repeat(3, 0).repeat(3, 1).astype(np.uint8)  # 90 x 150
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    cached = torch.from_numpy(_decode_one(tmp_path / "wide.png", cache_side(64)).copy())[None]
    fast = eval_batch(cached, 64)[0]
    with Image.open(tmp_path / "wide.png") as image:
        reference = build_transforms(train=False, size=64)(image)
    diff = (gray_levels(fast[None]) - gray_levels(reference[None])).abs()
    assert diff.max() < 1.0  # no JPEG draft here: the same PIL resize, the same crop


def test_train_output_has_the_classic_colour_statistics(photos_dir):
    """Mean and spread of the pixels over many random crops agree with RandomResizedCrop's."""
    size = 64
    classic = build_transforms(train=True, size=size)
    from helpers import photo_path

    photo = photo_path(photos_dir, "dog", 3)
    torch.manual_seed(0)
    with Image.open(photo) as image:
        image.load()
        reference = torch.stack([classic(image) for _ in range(300)])
    cached = torch.from_numpy(_decode_one(photo, cache_side(size)).copy())[None]
    fast = train_batch(cached.expand(300, -1, -1, -1), size, torch.Generator().manual_seed(0))
    assert torch.allclose(fast.mean(dim=(0, 2, 3)), reference.mean(dim=(0, 2, 3)), atol=0.08)
    assert torch.allclose(fast.std(dim=(0, 2, 3)), reference.std(dim=(0, 2, 3)), rtol=0.1)
