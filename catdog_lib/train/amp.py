"""Mixed precision: the half-precision type for a device, the gradient scaler, and one training step."""
import torch


def amp_dtype(device):
    """The half-precision type for mixed precision on ``device``, or ``None`` where we train in float32.

    bfloat16 has float32's range, so it needs no gradient scaling: we use it
    on GPUs that compute it natively (Ampere, compute capability 8.0, and
    later). Older GPUs (Colab's T4) get float16 with a ``GradScaler``. The
    CPU and Apple's GPU train in float32.
    """
    device = torch.device(device)
    if device.type != "cuda":
        return None
    major, _ = torch.cuda.get_device_capability(device)
    return torch.bfloat16 if major >= 8 else torch.float16


def grad_scaler():
    """``torch.amp.GradScaler("cuda")``; torch before 2.3 has it as ``torch.cuda.amp.GradScaler``."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()


def amp_step(model, criterion, inputs, labels, optimizer=None, dtype=None, scaler=None):
    """One batch: forward under ``torch.autocast`` when ``dtype`` is set, and with an optimizer
    zero the gradients, backward (through ``scaler`` for float16) and step. Returns ``(outputs, loss)``."""
    if optimizer is not None:
        optimizer.zero_grad(set_to_none=True)
    with torch.autocast(inputs.device.type, dtype=dtype, enabled=dtype is not None):
        outputs = model(inputs)
        loss = criterion(outputs, labels)
    if optimizer is not None:
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
    return outputs, loss
