"""Augment whole batches as tensors on the training device.

The classic transforms work on one PIL image at a time on the CPU. These do
the same to a batch of cached ``uint8`` squares in a few tensor operations,
on the GPU when there is one:

- ``train_batch``: ``RandomResizedCrop(size)`` (scale (0.08, 1), ratio
  (3/4, 4/3), drawn for each image as torchvision draws them), a horizontal
  flip of half the images, normalization with ImageNet's mean and std.
- ``eval_batch``: the centre ``size x size`` of the cache, normalized. The
  cache already holds each image resized to ``round(size * 256 / 224)`` by
  PIL, so this equals ``Resize`` + ``CenterCrop`` of the classic path.

The crop, resize and flip of the whole batch are one ``affine_grid`` +
``grid_sample``: each image gets its own affine map from the output square
onto its crop box (mirrored when flipped), sampled bilinearly.
"""
import math

import torch
import torch.nn.functional as F

from ..transforms import IMAGENET_MEAN, IMAGENET_STD


def random_resized_crop_boxes(n, height, width, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                              generator=None, device="cpu"):
    """``n`` crop boxes ``(top, left, h, w)`` drawn as ``RandomResizedCrop.get_params`` draws them.

    For each image: up to ten tries of an area (a uniform share ``scale`` of
    the image) and an aspect ratio (log-uniform in ``ratio``); the first try
    whose box fits is taken, at a uniform position. When no try fits, the
    whole image cut to the nearest allowed ratio, as torchvision falls back.
    Returns four integer tensors of length ``n`` on ``device``.
    """
    tries = 10
    area = height * width
    u_scale = torch.rand(n, tries, generator=generator, device=device)
    u_ratio = torch.rand(n, tries, generator=generator, device=device)
    target_area = area * (scale[0] + (scale[1] - scale[0]) * u_scale)
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    aspect = torch.exp(log_lo + (log_hi - log_lo) * u_ratio)
    w = torch.round(torch.sqrt(target_area * aspect))
    h = torch.round(torch.sqrt(target_area / aspect))
    fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
    first = torch.argmax(fits.to(torch.uint8), dim=1, keepdim=True)  # first try that fits (0 if none)
    any_fit = fits.any(dim=1)
    w = torch.gather(w, 1, first).squeeze(1)
    h = torch.gather(h, 1, first).squeeze(1)

    # The fallback: the central crop with the aspect ratio clamped into range.
    in_ratio = width / height
    if in_ratio < min(ratio):
        fw, fh = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        fw, fh = int(round(height * max(ratio))), height
    else:
        fw, fh = width, height
    w = torch.where(any_fit, w, torch.full_like(w, fw))
    h = torch.where(any_fit, h, torch.full_like(h, fh))

    u_top = torch.rand(n, generator=generator, device=device)
    u_left = torch.rand(n, generator=generator, device=device)
    top = torch.floor(u_top * (height - h + 1)).clamp(max=height - h)
    left = torch.floor(u_left * (width - w + 1)).clamp(max=width - w)
    top = torch.where(any_fit, top, torch.full_like(top, (height - fh) // 2))
    left = torch.where(any_fit, left, torch.full_like(left, (width - fw) // 2))
    return top.long(), left.long(), h.long(), w.long()


def _normalize(images):
    """From 0..255 floats to ImageNet-normalized values, in place: ``(x / 255 - mean) / std`` as one multiply-add."""
    mean = torch.tensor(IMAGENET_MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=images.device).view(1, 3, 1, 1)
    return images.mul_(1 / (255 * std)).sub_(mean / std)


def train_batch(images, size, generator=None, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), flip_p=0.5):
    """A training batch: random resized crop to ``size``, random horizontal flip, normalize.

    ``images``: ``uint8`` ``N x 3 x H x W`` on the training device. Returns
    ``float32`` ``N x 3 x size x size`` on the same device. ``generator``
    (a ``torch.Generator`` on that device) makes the draws repeatable.

    Each crop is one affine map from output pixels to input pixels, so the
    whole batch is one ``affine_grid`` + ``grid_sample`` (bilinear); a flip
    is the same map with its x axis reversed, at no extra cost. The cache's
    side is only 256/224 of ``size``, so a crop is shrunk by at most 1.14x
    and bilinear sampling needs no antialiasing; for larger inputs we use
    ``roi_align``, which averages several samples per output pixel.
    """
    n, _, height, width = images.shape
    device = images.device
    top, left, h, w = random_resized_crop_boxes(n, height, width, scale, ratio, generator, device)
    flip = torch.rand(n, generator=generator, device=device) < flip_p
    if max(height, width) > 1.5 * size:
        return _normalize(_roi_crops(images, size, top, left, h, w, flip))
    # Output pixel centres (normalized, align_corners=False) onto the box of each image.
    sign = 1.0 - 2.0 * flip.float()
    theta = torch.zeros(n, 2, 3, device=device)
    theta[:, 0, 0] = w / width * sign
    theta[:, 0, 2] = (2 * left + w) / width - 1
    theta[:, 1, 1] = h / height
    theta[:, 1, 2] = (2 * top + h) / height - 1
    grid = F.affine_grid(theta, (n, 3, size, size), align_corners=False)
    crops = F.grid_sample(images.float(), grid, mode="bilinear", padding_mode="border", align_corners=False)
    return _normalize(crops)


def _roi_crops(images, size, top, left, h, w, flip):
    """Crops shrunk with ``roi_align`` (several bilinear samples per output pixel: antialiased), then flipped."""
    from torchvision.ops import roi_align

    n = images.shape[0]
    # roi_align boxes: (image index, x1, y1, x2, y2) in pixel edges (aligned=True).
    boxes = torch.stack([torch.arange(n, device=images.device, dtype=torch.float32),
                         left.float(), top.float(), (left + w).float(), (top + h).float()], dim=1)
    crops = roi_align(images.float(), boxes, output_size=(size, size), spatial_scale=1.0,
                      sampling_ratio=-1, aligned=True)
    return torch.where(flip.view(n, 1, 1, 1), crops.flip(3), crops)


def center_crop_offsets(height, width, size):
    """Where ``CenterCrop(size)`` starts on an ``height x width`` image: ``(top, left)``, rounded as torchvision does."""
    return int(round((height - size) / 2.0)), int(round((width - size) / 2.0))


def eval_batch(images, size):
    """An evaluation batch: the centre ``size x size`` of each cached image, normalized (float32)."""
    top, left = center_crop_offsets(images.shape[2], images.shape[3], size)
    return _normalize(images[:, :, top:top + size, left:left + size].to(torch.float32, copy=True))
