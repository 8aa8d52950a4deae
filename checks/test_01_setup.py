"""Lesson 01: pick_device.

The checks pretend the machine has an NVIDIA GPU, an Apple GPU, both or
neither, by standing in for ``torch.cuda.is_available`` and friends while
the piece runs.
"""
import contextlib

import torch

from catdog_lib.course.plugin import CheckFailed, expect, expect_raises, expect_signature
from catdog_lib.i18n import tr


@contextlib.contextmanager
def machine(cuda=0, mps=False, mps_built=None):
    """Pretend this machine has ``cuda`` NVIDIA GPUs and (or) an Apple GPU (``mps_built``: PyTorch was built
    with MPS, whether or not there is an Apple GPU to use; by default, when there is)."""
    saved = [(torch.cuda, "is_available"), (torch.cuda, "device_count"),
             (torch.backends.mps, "is_available"), (torch.backends.mps, "is_built")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in saved]
    torch.cuda.is_available = lambda: cuda > 0
    torch.cuda.device_count = lambda: cuda
    torch.backends.mps.is_available = lambda: mps
    torch.backends.mps.is_built = lambda: mps if mps_built is None else mps_built
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def _device(function, *args, **kwargs):
    call = f"pick_device({', '.join(repr(a) for a in args)})"
    result = function(*args, **kwargs)
    if isinstance(result, str):
        raise CheckFailed(tr("{call} returned the string {result!r}, not a torch.device", call=call, result=result),
                          hint=tr("Wrap the name: return torch.device({result!r}).", result=result))
    expect(isinstance(result, torch.device), tr("{call} returned {result_type}, not a torch.device",
                                                call=call, result_type=type(result).__name__),
           hint=tr("Every way out of the function returns torch.device('cuda'), torch.device('mps') or "
                   "torch.device('cpu'): look for a path that ends without a return."))
    return result


def test_pick_device_signature(pick_device):
    expect_signature(pick_device, "pick_device")


def _expect_picks(pick_device, kind, where, fault, hint, **machine_has):
    """pick_device() on a pretend machine that has ``machine_has`` (``where``, in words) gives a ``kind`` device."""
    with machine(**machine_has):
        device = _device(pick_device)
    expect(device.type == kind, tr("on a pretend machine with {where}, pick_device() gave {device}: {fault}",
                                   where=where, device=device, fault=fault), hint=hint)


def test_returns_a_device(pick_device):
    _expect_picks(pick_device, "cpu", tr("no GPU"), tr("it should be cpu"),
                  tr("When neither torch.cuda.is_available() nor torch.backends.mps.is_available(), "
                     "return torch.device('cpu')."), cuda=0, mps=False)


def test_picks_cuda_first(pick_device):
    _expect_picks(pick_device, "cuda", tr("an NVIDIA GPU"), tr("it ignores CUDA"),
                  tr("Ask torch.cuda.is_available() first."), cuda=1, mps=False)
    _expect_picks(pick_device, "cuda", tr("both CUDA and an Apple GPU"), tr("it ignores CUDA, which comes first"),
                  tr("Ask torch.cuda.is_available() before torch.backends.mps.is_available()."), cuda=1, mps=True)


def test_picks_mps_without_cuda(pick_device):
    _expect_picks(pick_device, "mps", tr("only an Apple GPU"), tr("it ignores mps; it should be mps"),
                  tr("After CUDA, ask torch.backends.mps.is_available()."), cuda=0, mps=True)


def test_mps_only_when_available(pick_device):
    # PyTorch for macOS is built with MPS; an older macOS or an Intel Mac still has no Apple GPU to use.
    where = tr("a PyTorch built with MPS but no Apple GPU to use (torch.backends.mps.is_built() is True, "
               "is_available() False)")
    with machine(cuda=0, mps=False, mps_built=True):
        device = pick_device()
    expect(getattr(device, "type", None) != "mps",
           tr("on a pretend machine with {where}, pick_device() gave mps: it asks is_built(), which says only "
              "how PyTorch was built; ask torch.backends.mps.is_available()", where=where),
           hint=tr("torch.backends.mps.is_available() says whether there is an Apple GPU to use here."))
    with machine(cuda=0, mps=False, mps_built=False):
        try:
            pick_device("mps")
        except ValueError:
            pass
        else:
            return  # it falls back quietly: test_prefer_unavailable_raises says so
    with machine(cuda=0, mps=False, mps_built=True):
        try:
            device = pick_device("mps")
        except ValueError:
            return
    raise CheckFailed(tr("on a pretend machine with {where}, pick_device('mps') returned {device!r} instead of "
                         "raising ValueError: it asks is_built(), which says only how PyTorch was built; ask "
                         "torch.backends.mps.is_available()", where=where, device=device),
                      hint=tr("torch.backends.mps.is_available() says whether there is an Apple GPU to use here."))


def test_prefer_names_the_device(pick_device):
    with machine(cuda=2, mps=True):
        for prefer, kind in (("cpu", "cpu"), ("mps", "mps"), ("cuda", "cuda")):
            device = _device(pick_device, prefer)
            expect(device.type == kind,
                   tr("on a pretend machine with two GPUs and an Apple GPU, pick_device({prefer!r}) gave {device}: "
                      "it ignores prefer", prefer=prefer, device=device),
                   hint=tr("When prefer is given, return torch.device(prefer.lower()) if that device is available."))
        device = _device(pick_device, "cuda:1")
        expect(device == torch.device("cuda:1"),
               tr("on a pretend machine with two GPUs, pick_device('cuda:1') gave {device}: it should be cuda:1, "
                  "the second GPU (it drops the index)", device=device),
               hint=tr("torch.device('cuda:1') keeps the index; build the device from the whole name, prefer.lower()."))


def test_prefer_ignores_case(pick_device):
    with machine(cuda=2, mps=True):
        for prefer, kind in (("CPU", "cpu"), ("Cuda", "cuda"), ("MPS", "mps"), ("CUDA:1", "cuda")):
            try:
                device = _device(pick_device, prefer)
            except ValueError as error:
                raise CheckFailed(tr("on a pretend machine that has it, pick_device({prefer!r}) raised ValueError "
                                     "({error}): it is case-sensitive; any case names the device",
                                     prefer=prefer, error=error),
                                  hint=tr("Compare and build in lower case: name = prefer.lower().")) from error
            expect(device.type == kind, tr("on a pretend machine that has it, pick_device({prefer!r}) gave {device}, "
                   "not {kind}: it is case-sensitive; any case names the device",
                   prefer=prefer, device=device, kind=kind),
                   hint=tr("Compare and build in lower case: name = prefer.lower()."))
    with machine(cuda=0, mps=False):
        try:
            pick_device("cuda")
        except ValueError:
            # Only when the lower-case name is refused does the upper-case one tell about case.
            expect_raises(ValueError, pick_device, "CUDA",
                          message=tr("on a pretend machine without a GPU, pick_device('cuda') raised ValueError but "
                                     "pick_device('CUDA') did not: it is case-sensitive; 'CUDA' names cuda too"),
                          hint=tr("Lower-case prefer before you compare it: prefer.lower()."))


def test_prefer_unavailable_raises(pick_device):
    for prefer, cuda, mps in (("cuda", 0, True), ("mps", 1, False), ("cuda:3", 2, False), ("cuda:1", 1, False)):
        where = (tr("{cuda} GPU", cuda=cuda) if cuda == 1 else tr("{cuda} GPUs", cuda=cuda)) + \
            (tr(" and an Apple GPU") if mps else "")
        with machine(cuda=cuda, mps=mps):
            try:
                result = pick_device(prefer)
            except ValueError as error:
                expect(prefer.lower() in str(error).lower(),
                       tr("the ValueError for pick_device({prefer!r}) does not name the device: {error}",
                          prefer=prefer, error=error),
                       hint=tr("Put the name asked for in the message: ValueError(f'device {{prefer!r}} is not available')."))
                continue
        index = prefer.partition(":")[2]
        if index:
            raise CheckFailed(tr("on a pretend machine with {where}, pick_device({prefer!r}) returned {result!r} instead "
                                 "of raising ValueError: GPU {index} does not exist; check the index",
                                 where=where, prefer=prefer, result=result, index=index),
                              hint=tr("GPUs are numbered from 0: cuda:N exists when N < torch.cuda.device_count()."))
        raise CheckFailed(tr("on a pretend machine with {where}, pick_device({prefer!r}) returned {result!r} instead "
                             "of raising ValueError: it falls back quietly",
                             where=where, prefer=prefer, result=result),
                          hint=tr("Raise ValueError(f'device {{prefer!r}} is not available') instead of falling back."))
