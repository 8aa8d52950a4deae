"""A pretend GPU, so that the checks can tell on any machine whether a piece keeps its tensors where the model is.

A piece that forgets ``.to(device)`` works on a CPU and crashes on the
learner's Colab GPU in lesson 05. The checks catch it on a machine without a
GPU: inside ``PretendGPU()``, a ``torch.overrides.TorchFunctionMode``, some
tensors (a model's parameters and buffers, put there with ``gpu.put(model)``)
*say* they live on ``cuda:1``; ``.to(device)``, ``.cuda()`` and ``device=``
arguments move tensors there and back in name only; and every operation
follows the rules a real GPU enforces:

- tensors of one operation must share a device, except that a CPU tensor with
  no dimensions (a scalar) may join a GPU operation as an input (never as the
  tensor an in-place operation writes into: ``cpu_sum += gpu_loss`` fails);
- ``.numpy()`` of a GPU tensor fails ("Use Tensor.cpu() ...").

All the numbers stay on the CPU, so the piece computes exactly what it would
on a GPU. A broken rule raises the ``RuntimeError`` torch would, from the
learner's own line; ``mismatch_of(error)`` tells what it found. ``moves`` records every
move, so a check can say which tensors went where.
"""
import torch
from torch.overrides import TorchFunctionMode

_ATTRIBUTE = "_catdog_pretend_device"
_Tensor = torch.Tensor
_CPU = torch.device("cpu")
# Operations that may take tensors on several devices at once (a copy between
# devices, indexing with CPU indices) or that only look at a tensor.
_ANY_DEVICES = {
    _Tensor.copy_, _Tensor.__getitem__, _Tensor.__setitem__, _Tensor.__reduce_ex__, _Tensor.__deepcopy__,
    _Tensor.__repr__, _Tensor.__format__, _Tensor.set_, torch._has_compatible_shallow_copy_type,
}
# Functions that make a tensor of their first argument: given a tensor and a device, they move it.
_MAKERS = {torch.as_tensor, torch.asarray, torch.tensor}
_IN_PLACE_DUNDERS = {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
                     "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__", "__imatmul__"}


class Mismatch:
    """What a refused operation found: its ``operation``, the ``devices``, and its ``tensors`` as
    ``(shape, dtype, device, moved_but_dropped)``, where ``moved_but_dropped`` says that the tensor was
    moved with ``.to()`` but the moved copy was not used. A refusal is a plain ``RuntimeError``, as torch
    raises it (so the learner's traceback reads as it would on a GPU), carrying this as ``.mismatch``."""

    def __init__(self, operation, devices, tensors):
        self.operation, self.devices, self.tensors = operation, devices, tensors


def mismatch_of(error):
    """The ``Mismatch`` a pretend GPU's refusal carries, or None for any other error."""
    return getattr(error, "mismatch", None) if isinstance(error, RuntimeError) else None


def _device(value):
    if isinstance(value, int):
        return torch.device("cuda", value)
    device = torch.device(value)
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", 0)  # what torch means by "cuda": the current GPU, the first
    return device


def _pretend(device):
    return device is not None and device.type not in ("cpu", "meta")


def _tensors(args, kwargs):
    found = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, _Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(item for item in value if isinstance(item, _Tensor))
    return found


class PretendGPU(TorchFunctionMode):
    """Inside ``with PretendGPU() as gpu:``, ``gpu.put(model)`` puts the model on ``gpu.device``
    (``cuda:1``, a second GPU, so that ``.cuda()`` and a guessed ``"cuda"`` are both told apart
    from it), in name only. ``gpu.where(tensor)`` is where a tensor says it is."""

    def __init__(self, device="cuda:1"):
        super().__init__()
        self.device = _device(device)
        self.moves = []  # (shape, from device, to device) of each .to(), .cuda() and .cpu()
        self._moved = []  # the tensors moved, kept alive so that their ids stay theirs
        self._moved_ids = set()

    # -- where a tensor is -------------------------------------------------------------

    def where(self, tensor):
        device = tensor.__dict__.get(_ATTRIBUTE) if hasattr(tensor, "__dict__") else None
        return device if device is not None else tensor.device

    def _place(self, tensor, device):
        if _pretend(device):
            tensor.__dict__[_ATTRIBUTE] = device
        else:
            tensor.__dict__.pop(_ATTRIBUTE, None)

    def put(self, module):
        """Put ``module``'s parameters and buffers (and their gradients) on the pretend GPU."""
        for tensor in (*module.parameters(), *module.buffers()):
            self._place(tensor, self.device)
        return module

    def on_gpu(self, module):
        """Whether all of ``module``'s parameters and buffers are still on the pretend GPU."""
        return all(self.where(t) == self.device for t in (*module.parameters(), *module.buffers()))

    # -- the mode ----------------------------------------------------------------------

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        # A property's __get__ is a new object at each access: tell them by their descriptor.
        descriptor, name = getattr(func, "__self__", None), getattr(func, "__name__", "")
        if name == "__get__":
            if descriptor is _Tensor.device:
                return self.where(args[0])
            if descriptor is _Tensor.is_cuda:
                return self.where(args[0]).type == "cuda"
            if descriptor is _Tensor.is_cpu:
                return self.where(args[0]).type == "cpu"
            if descriptor in (_Tensor.grad, _Tensor.data):
                result = func(*args, **kwargs)
                if isinstance(result, _Tensor):
                    self._place(result, self.where(args[0]))
                return result
        if name == "__set__" and descriptor is _Tensor.data:
            func(*args, **kwargs)
            self._place(args[0], self.where(args[1]))
            return None
        if func is _Tensor.get_device:
            device = self.where(args[0])
            return device.index if device.type == "cuda" else -1
        if func is _Tensor.to:
            return self._to(func, args, kwargs)
        if func is _Tensor.cuda:
            index = args[1] if len(args) > 1 else kwargs.get("device")
            return self._move(args[0], _device(0 if index is None else index))
        if func is _Tensor.cpu:
            return self._move(args[0], _CPU)
        if func in (_Tensor.numpy, _Tensor.__array__) and _pretend(self.where(args[0])):
            raise TypeError(f"can't convert {self.where(args[0])} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")

        target = None
        if kwargs.get("device") is not None:
            target = _device(kwargs["device"])
            if _pretend(target):
                kwargs = {**kwargs, "device": "cpu"}
            if func in _MAKERS and args and isinstance(args[0], _Tensor):  # torch.as_tensor(x, device=...) moves x
                return self._move(args[0], target, func(*args, **kwargs))
        operands = _tensors(args, kwargs)
        common = self._common_device(func, args, kwargs, operands) if operands else None
        result = func(*args, **kwargs)
        device = target if target is not None else common
        if _pretend(device):
            for value in (result if isinstance(result, (tuple, list)) else (result,)):
                if isinstance(value, _Tensor):
                    self._place(value, device)
        return result

    def _common_device(self, func, args, kwargs, operands):
        devices = [self.where(t) for t in operands]
        if func in _ANY_DEVICES:
            return devices[0]
        # A CPU scalar (no dimensions) may join an operation on the GPU, as an input.
        real = [d for t, d in zip(operands, devices) if not (d.type == "cpu" and t.dim() == 0)]
        distinct = list(dict.fromkeys(real or devices))
        name = getattr(func, "__name__", "")
        if len(distinct) > 1:
            self._refuse(name, distinct, operands, devices)
        common = distinct[0]
        written = kwargs.get("out")
        if written is None and args and isinstance(args[0], _Tensor) and (
                name in _IN_PLACE_DUNDERS or (name.endswith("_") and not name.startswith("__"))):
            written = args[0]
        if isinstance(written, _Tensor) and self.where(written) != common:
            self._refuse(name, [common, self.where(written)], operands, devices, written=written)
        return common

    def _refuse(self, name, distinct, operands, devices, written=None):
        tensors = [(tuple(t.shape), t.dtype, d, id(t) in self._moved_ids and not _pretend(d))
                   for t, d in zip(operands, devices)]
        into = (f" (it writes into a tensor on {self.where(written)}, which cannot hold the result)"
                if written is not None else "")
        error = RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                             f"{distinct[0]} and {distinct[1]}! (in {name}{into}, on the checks' pretend GPU)")
        error.mismatch = Mismatch(name, distinct, tensors)
        raise error

    def _to(self, func, args, kwargs):
        tensor, rest = args[0], args[1:]
        if rest and isinstance(rest[0], _Tensor):
            target = self.where(rest[0])
            real = func(tensor, rest[0].dtype, *rest[1:], **kwargs)
        else:
            parsed = {key: value for key, value in kwargs.items() if key != "copy"}  # _parse_to refuses copy=
            device, dtype, non_blocking, memory_format = torch._C._nn._parse_to(*rest, **parsed)
            target = _device(device) if device is not None else self.where(tensor)
            options = {"non_blocking": non_blocking, "copy": bool(kwargs.get("copy", False))}
            if memory_format is not None:
                options["memory_format"] = memory_format
            # Tensor.to(dtype, ...) is the form that takes copy= without a device (the move is in name only).
            real = func(tensor, dtype if dtype is not None else tensor.dtype, **options)
        return self._move(tensor, target, real)

    def _move(self, tensor, target, real=None):
        source = self.where(tensor)
        self.moves.append((tuple(tensor.shape), source, target))
        if target != source:
            self._moved.append(tensor)
            self._moved_ids.add(id(tensor))
        result = tensor if real is None else real
        if result is tensor and target != source:
            result = tensor.view_as(tensor)  # a move gives a new tensor; the old one stays where it was
        self._place(result, target)
        return result
