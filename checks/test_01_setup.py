"""Lesson 01: pick_device.

The checks pretend the machine has an NVIDIA GPU, an Apple GPU, both or
neither, by standing in for ``torch.cuda.is_available`` and friends while
the piece runs.
"""
import contextlib

import torch

from catdog_lib.course.plugin import CheckFailed, expect, expect_raises


@contextlib.contextmanager
def machine(cuda=0, mps=False):
    """Pretend this machine has ``cuda`` NVIDIA GPUs and (or) an Apple GPU."""
    saved = [(torch.cuda, "is_available"), (torch.cuda, "device_count"),
             (torch.backends.mps, "is_available"), (torch.backends.mps, "is_built")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in saved]
    torch.cuda.is_available = lambda: cuda > 0
    torch.cuda.device_count = lambda: cuda
    torch.backends.mps.is_available = lambda: mps
    torch.backends.mps.is_built = lambda: mps
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _device(function, *args, **kwargs):
    result = function(*args, **kwargs)
    if isinstance(result, str):
        raise CheckFailed(f"returned the string {result!r}, not a torch.device",
                          hint="Wrap the name: return torch.device('cuda').")
    expect(isinstance(result, torch.device), f"returned {type(result).__name__}, not a torch.device",
           hint="Return torch.device('cuda'), torch.device('mps') or torch.device('cpu').")
    return result


def test_returns_a_device(pick_device):
    with machine(cuda=0, mps=False):
        device = _device(pick_device)
    expect(device.type == "cpu", f"with no GPU, pick_device() gave {device}: it should be cpu")


def test_picks_cuda_first(pick_device):
    with machine(cuda=1, mps=False):
        device = _device(pick_device)
    expect(device.type == "cuda", f"with an NVIDIA GPU, pick_device() gave {device}: it ignores CUDA",
           hint="Ask torch.cuda.is_available() first.")
    with machine(cuda=1, mps=True):
        device = _device(pick_device)
    expect(device.type == "cuda", f"with both CUDA and an Apple GPU, pick_device() gave {device}: "
           "it ignores CUDA, which comes first")


def test_picks_mps_without_cuda(pick_device):
    with machine(cuda=0, mps=True):
        device = _device(pick_device)
    expect(device.type == "mps", f"with only an Apple GPU, pick_device() gave {device}: it should be mps",
           hint="After CUDA, ask torch.backends.mps.is_available().")


def test_prefer_names_the_device(pick_device):
    with machine(cuda=2, mps=True):
        for prefer, kind in (("cpu", "cpu"), ("CPU", "cpu"), ("mps", "mps"), ("cuda", "cuda")):
            device = _device(pick_device, prefer)
            expect(device.type == kind,
                   f"pick_device({prefer!r}) gave {device} on a machine that has it: it ignores prefer",
                   hint="When prefer is given, return torch.device(prefer.lower()) if that device is available.")
        device = _device(pick_device, "cuda:1")
        expect(device == torch.device("cuda:1"),
               f"pick_device('cuda:1') gave {device} on a machine with two GPUs: it should be cuda:1")


def test_prefer_unavailable_raises(pick_device):
    for prefer, cuda, mps in (("cuda", 0, True), ("mps", 1, False), ("CUDA", 0, False), ("cuda:3", 2, False)):
        with machine(cuda=cuda, mps=mps):
            error = expect_raises(ValueError, pick_device, prefer,
                                  message=f"pick_device({prefer!r}) on a machine without it did not raise ValueError",
                                  hint="Raise ValueError(f'device {prefer!r} is not available') instead of falling back.")
        expect(prefer.lower() in str(error).lower(),
               f"the ValueError for pick_device({prefer!r}) does not name the device: {error}")
