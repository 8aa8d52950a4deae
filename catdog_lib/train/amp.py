"""Mixed precision around the pieces, without changing them: which precision a device gets, and how.

A GPU's tensor cores multiply half-precision numbers many times faster than
float32 ones. ``torch.autocast`` runs the forward pass in half precision
while keeping the weights, and the loss, in float32. It is set up *around*
the ``train_model`` call, so the learner's ``run_epoch`` runs under it
unchanged:

- **bfloat16** (Ampere GPUs, compute capability 8.0, and later): float32's
  range in half the bits, so small gradients do not vanish; autocast alone.
- **float16** (older GPUs: Colab's T4 has no bfloat16): a narrow range, so
  small gradients round to zero unless the loss is multiplied by a large
  factor before ``backward`` and the gradients divided by it before the
  step (a ``GradScaler``). We do that without touching the learner's loop:
  the ``criterion`` the pieces are given returns the loss *value* unchanged
  but multiplies the gradient flowing back from it by the scale
  (``_ScaleGradient``), and the ``optimizer`` they are given unscales the
  gradients, skips a step whose gradients overflowed, and adapts the scale
  (``GradScaler.step`` and ``update``). A loss made without that criterion
  is not scaled: the optimizer then steps plainly, and the loop is told, so
  that it trains the remaining epochs in float32.
- **float32** everywhere else: the CPU (half precision is no faster there)
  and Apple's GPU.
"""
import contextlib
from dataclasses import dataclass, field

import torch

from ..i18n import tr


def amp_dtype(device):
    """The half-precision type for mixed precision on ``device``, or ``None`` where we train in float32."""
    device = torch.device(device)
    if device.type != "cuda":
        return None
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def grad_scaler(device="cuda"):
    """``torch.amp.GradScaler(device)``; torch before 2.3 has it as ``torch.cuda.amp.GradScaler``."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(torch.device(device).type)
    return torch.cuda.amp.GradScaler()


class _ScaleGradient(torch.autograd.Function):
    """The loss unchanged on the way forward; its gradient times ``scale`` on the way back."""

    @staticmethod
    def forward(ctx, loss, scale, tracker):
        ctx.save_for_backward(scale)
        ctx.tracker = tracker
        return loss.clone()

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        ctx.tracker.scaled_backward = True
        return grad * scale.to(grad.dtype), None, None


@dataclass
class _Tracker:
    scaled_backward: bool = False  # a scaled loss went backward since the last step
    plain_steps: int = 0           # steps whose gradients came from a loss we did not scale


class ScaledCriterion:
    """The criterion the pieces get under float16: the loss's value as the real criterion gives it,
    its gradient scaled by the ``GradScaler``'s factor."""

    def __init__(self, criterion, scaler, tracker):
        self.criterion, self.scaler, self.tracker = criterion, scaler, tracker

    def __call__(self, outputs, targets):
        loss = self.criterion(outputs, targets)
        if not (torch.is_grad_enabled() and loss.requires_grad):
            return loss  # an evaluation pass: nothing goes backward
        scale = self.scaler.scale(torch.ones((), device=loss.device))  # the current factor, no sync
        return _ScaleGradient.apply(loss, scale, self.tracker)

    def __getattr__(self, name):
        if name == "criterion":
            raise AttributeError(name)
        return getattr(self.criterion, name)


class ScalingOptimizer:
    """The optimizer the pieces get under float16: ``step`` unscales the gradients, skips the step when they
    overflowed and adapts the scale; everything else (``zero_grad``, ``param_groups``...) is the real one's."""

    def __init__(self, optimizer, scaler, tracker):
        self.optimizer, self.scaler, self.tracker = optimizer, scaler, tracker

    def step(self, closure=None):
        if self.tracker.scaled_backward:
            self.tracker.scaled_backward = False
            result = self.scaler.step(self.optimizer)
            self.scaler.update()
            return result
        self.tracker.plain_steps += 1  # the loss did not come from our criterion: its gradients are not scaled
        return self.optimizer.step(closure)

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)

    @property
    def param_groups(self):
        return self.optimizer.param_groups

    def __getattr__(self, name):
        if name == "optimizer":
            raise AttributeError(name)
        return getattr(self.optimizer, name)


@dataclass
class Precision:
    """How a run computes: ``name`` (``"bfloat16"``, ``"float16"`` or ``"float32"``), the autocast type,
    and for float16 the ``GradScaler``. ``around(criterion, optimizer)`` gives what the pieces get."""

    name: str
    device_type: str
    dtype: "torch.dtype | None" = None
    scaler: object = None
    reason: str = ""
    tracker: _Tracker = field(default_factory=_Tracker, repr=False)

    def describe(self):
        """One line for the learner: which precision, and why."""
        if self.dtype is None:
            return tr("precision: float32 ({reason})", reason=self.reason)
        how = "autocast" if self.scaler is None else tr("autocast, with the loss scaled for its narrow range")
        return tr("precision: mixed, {name} ({how}; {reason})", name=self.name, how=how, reason=self.reason)

    @contextlib.contextmanager
    def around(self, criterion, optimizer):
        """Autocast for the pieces' passes; under float16, the scaling criterion and optimizer."""
        if self.dtype is None:
            yield criterion, optimizer
            return
        if self.scaler is not None:
            criterion = ScaledCriterion(criterion, self.scaler, self.tracker)
            optimizer = ScalingOptimizer(optimizer, self.scaler, self.tracker)
        # No cast cache: it keeps each weight's half-precision copy until the context ends, and this context
        # spans the optimizer's steps (the whole train_model call), so a cached copy would go stale.
        with torch.autocast(self.device_type, dtype=self.dtype, cache_enabled=False):
            yield criterion, optimizer

    def unscaled_steps(self):
        """How many steps (since the last call) took gradients of a loss this precision did not scale."""
        count, self.tracker.plain_steps = self.tracker.plain_steps, 0
        return count


def choose_precision(device, amp=True, dtype=None):
    """The ``Precision`` for training on ``device``.

    ``amp=False``: float32. ``dtype`` forces a half-precision type (a test
    runs float16 with loss scaling on the CPU this way).
    """
    device = torch.device(device)
    if dtype is None:
        if not amp:
            return Precision("float32", device.type, reason=tr("mixed precision turned off"))
        if device.type != "cuda":
            where = tr("the CPU") if device.type == "cpu" else f"{device.type}"
            return Precision("float32", device.type, reason=tr("on {where} half precision is no faster", where=where))
        dtype = amp_dtype(device)
    name = {torch.bfloat16: "bfloat16", torch.float16: "float16"}[dtype]
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    if dtype == torch.float16:
        reason = tr("{gpu} has no fast bfloat16", gpu=gpu) if device.type == "cuda" else tr("forced on {gpu}", gpu=gpu)
        return Precision(name, device.type, dtype, grad_scaler(device), reason)
    return Precision(name, device.type, dtype, reason=tr("on {gpu}", gpu=gpu))


def float32(device, reason):
    """A float32 ``Precision`` on ``device``, saying ``reason``."""
    return Precision("float32", torch.device(device).type, reason=reason)
