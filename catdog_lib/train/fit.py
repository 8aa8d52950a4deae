"""Training around the pieces: checkpoints, resume, progress bars, mixed precision.

``fit`` runs the same recipe as the ``train_model`` piece (cross-entropy,
SGD with momentum, a step learning-rate schedule; each epoch a training pass,
one scheduler step, a validation pass; the best epoch's weights kept and
restored) and adds what a long run needs:

- a checkpoint after every epoch, written atomically, and resuming from it,
  so that a run cut off by a disconnect loses at most one epoch and every
  epoch runs exactly once across the interruptions;
- progress bars (``tqdm.auto``: a widget in a notebook, text in a terminal);
- on an NVIDIA GPU, mixed precision (bfloat16 where the GPU has it, else
  float16 with a gradient scaler) and the ``channels_last`` memory layout,
  both of which let the GPU's tensor cores do the work.

``catdog train`` (in ``catdog_lib.cli``) and lesson 05 call it.
"""
import contextlib
import copy
import gc
import random
import time

import numpy as np
import torch
from torch import nn

from ..hardware import pick_device
from ..training import run_epoch as reference_run_epoch
from .amp import amp_dtype, amp_step, grad_scaler
from .checkpoint import HISTORY_KEYS, resume, rng_states, save_checkpoint, set_rng_states
from .recipe import RECIPE, optimizer_and_schedule


def seed_everything(seed):
    """Seed Python's, NumPy's and torch's generators: the same seed gives the same run (on the CPU)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every GPU


def run_epoch_amp(model, loader, criterion, device, optimizer=None, dtype=None, scaler=None):
    """The ``run_epoch`` piece for the GPU: mixed precision, ``channels_last`` and no per-batch sync.

    Same steps and same result as the piece. Under ``torch.autocast`` the
    convolutions run in ``dtype`` while the loss stays in float32; with float16 the
    ``scaler`` multiplies the loss before ``backward`` so that small gradients
    do not round to zero, and divides them again before the step. Sums stay
    on the GPU until the end: ``.item()`` on every batch would make the CPU
    wait for the GPU each time.
    """
    training = optimizer is not None
    model.train(training)
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    seen = 0
    with torch.set_grad_enabled(training):
        for inputs, labels in loader:
            inputs = inputs.to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
            labels = labels.to(device, non_blocking=True)
            outputs, loss = amp_step(model, criterion, inputs, labels, optimizer, dtype, scaler)
            total_loss += loss.detach().float() * inputs.size(0)
            correct += (outputs.argmax(dim=1) == labels).sum()
            seen += inputs.size(0)
    return float(total_loss) / seen, int(correct) / seen


class ProgressLoader:
    """A data loader that shows a progress bar while it is iterated.

    Wrapping the loader, not the loop, puts a bar on any ``run_epoch``,
    a learner's included. Other attributes (``dataset``, ``batch_size``)
    are the wrapped loader's.
    """

    def __init__(self, loader, desc, enabled=True):
        self.loader, self.desc, self.enabled = loader, desc, enabled

    def __iter__(self):
        if getattr(self.loader, "num_workers", 0):
            # Collect the last pass's iterator here, in this process: left to the garbage collector it can
            # be inherited by the workers about to be forked and "closed" there, which prints a traceback.
            gc.collect()
        if not self.enabled:
            yield from self.loader
            return
        from tqdm.auto import tqdm

        with tqdm(self.loader, desc=self.desc, unit="batch", leave=False, dynamic_ncols=True) as bar:
            yield from bar

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):
        if name == "loader":  # not set yet: no endless recursion
            raise AttributeError(name)
        return getattr(self.loader, name)


def fit(model, loaders, *, epochs, lr, momentum=RECIPE.momentum, step_size=RECIPE.step_size, gamma=RECIPE.gamma,
        device=None, checkpoint=None, identity=None, run_epoch=None, progress=True, amp=True, on_epoch=None):
    """Train ``model`` for ``epochs`` epochs; return it with the best epoch's weights, and the history.

    The recipe of the ``train_model`` piece: ``CrossEntropyLoss``, SGD with
    ``momentum``, and ``StepLR`` dividing the learning rate by ``1/gamma``
    every ``step_size`` epochs. ``history`` holds one value per epoch under
    ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` and ``lr``.

    - ``device``: where to train; ``None`` picks the best there is (the
      model is moved there).
    - ``checkpoint``: a file path. After every epoch the whole state of the
      run is saved there; if the file exists when ``fit`` starts, the run
      resumes after its last finished epoch. ``identity`` (a dict: split,
      architecture, class names, image size...) is stored in it, and a
      checkpoint of another identity is refused, not loaded.
    - ``run_epoch``: a learner's ``run_epoch`` piece to use instead of ours.
    - ``amp``: mixed precision on an NVIDIA GPU (ignored elsewhere). With a
      custom ``run_epoch`` we can only wrap its call in ``torch.autocast``,
      which is safe with bfloat16 only; on float16 GPUs it trains in float32.
    - ``progress``: progress bars and a line per epoch.
    - ``on_epoch(history)``: called after every epoch (to redraw curves live).
    """
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    on_gpu = device.type == "cuda"
    if on_gpu:
        model.to(memory_format=torch.channels_last)
    dtype = amp_dtype(device) if amp else None
    if run_epoch is not None and dtype == torch.float16:
        dtype = None  # float16 needs a GradScaler inside the loop, which a learner's run_epoch lacks
    scaler = grad_scaler() if dtype == torch.float16 else None

    def one_pass(loader, optimizer=None):
        if run_epoch is not None:
            autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
            with autocast:
                return run_epoch(model, loader, criterion, device, optimizer)
        if on_gpu:
            return run_epoch_amp(model, loader, criterion, device, optimizer, dtype=dtype, scaler=scaler)
        return reference_run_epoch(model, loader, criterion, device, optimizer)

    criterion = nn.CrossEntropyLoss()
    optimizer, scheduler = optimizer_and_schedule(model, lr, momentum, step_size, gamma)
    say = _printer(progress)

    identity = dict(identity or {})
    history, best_acc, best_weights, start, state = resume(checkpoint, identity, model, optimizer,
                                                           scheduler, scaler)
    if state is not None:
        set_rng_states(state["rng"])
        if start >= epochs:
            say(f"checkpoint {checkpoint} holds all {start} epochs already: nothing to train "
                f"(delete it to train again)")
        else:
            say(f"resuming from {checkpoint}: {start} of {epochs} epochs done")

    epoch_bar = None
    if progress and start < epochs:
        from tqdm.auto import tqdm

        epoch_bar = tqdm(total=epochs, initial=start, desc="epochs", unit="epoch", dynamic_ncols=True)
    try:
        for epoch in range(start, epochs):
            began = time.perf_counter()
            history["lr"].append(optimizer.param_groups[0]["lr"])
            train_loss, train_acc = one_pass(ProgressLoader(loaders["train"], "train", progress), optimizer)
            scheduler.step()
            val_loss, val_acc = one_pass(ProgressLoader(loaders["val"], "val", progress))
            for key, value in zip(HISTORY_KEYS[:4], (train_loss, train_acc, val_loss, val_acc)):
                history[key].append(value)
            if val_acc > best_acc:
                best_acc = val_acc
                best_weights = copy.deepcopy(model.state_dict())  # a copy: later epochs change the live tensors
            if checkpoint is not None:
                save_checkpoint(checkpoint, {
                    "epoch": epoch + 1, "epochs": epochs,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "history": history, "best_acc": best_acc, "best_weights": best_weights,
                    "identity": identity, "rng": rng_states(),
                })
            if epoch_bar is not None:
                epoch_bar.update(1)
            say(f"epoch {epoch + 1}/{epochs}: train loss {train_loss:.3f} acc {train_acc:.3f}, "
                f"val loss {val_loss:.3f} acc {val_acc:.3f} ({time.perf_counter() - began:.1f} s)")
            if on_epoch is not None:
                on_epoch(history)
    except KeyboardInterrupt:
        if checkpoint is not None:
            say(f"stopped: {len(history['val_acc'])} of {epochs} epochs are saved in {checkpoint}; "
                f"run the same training again to resume")
        raise
    finally:
        if epoch_bar is not None:
            epoch_bar.close()

    model.load_state_dict(best_weights)
    return model, history


def _printer(enabled):
    def say(message):
        if enabled:
            from tqdm.auto import tqdm

            tqdm.write(message)  # prints above the bars instead of breaking them
    return say
