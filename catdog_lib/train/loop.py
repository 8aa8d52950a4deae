"""The one training loop: the ``train_model`` piece, one epoch per call, with what a long run needs around it.

Everything in the kit that trains comes here: lesson 05 (with the learner's
pieces), ``catdog train`` and ``catdog train --fast`` (with the reference
pieces), the benchmark. ``train`` trains nothing itself. It calls

    train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=1, device=device)

once per epoch, always with the same optimizer and scheduler, so that N
calls run the same steps as one call with ``num_epochs=N``; each call runs
its training pass, one ``scheduler.step()`` and its evaluation pass with the
pieces' own code. Between the calls it:

- keeps a copy of the best epoch's weights across calls and joins the
  histories (each call keeps the best of its one epoch: that epoch's);
- saves a checkpoint after every epoch, atomically, with the random
  generators' states, and resumes from it after a disconnect or a kill, so
  that every epoch runs exactly once and the final weights are those of a
  run never interrupted;
- wraps the loaders, not the loop, for progress bars, so any ``run_epoch``
  shows them; on a GPU the wrapper also moves each batch there ahead of the
  piece (``.to(device)`` is then free) in the ``channels_last`` layout;
- runs the call under mixed precision where that is safe (``amp``);
- calls ``on_epoch(history)`` after each epoch (live curves), and on Ctrl-C
  keeps the finished epochs in the checkpoint and the best weights in the model.

What the pieces print goes nowhere: a ``train_model`` called one epoch at
a time would say "epoch 1/1" every time. The loop prints its own line per
epoch instead, and progress bars only where they can redraw in place (a
notebook or a terminal): into a file or a pipe, the line per epoch alone.
"""
import contextlib
import copy
import gc
import io
import random
import sys
import time
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from ..errors import CatdogError
from ..i18n import tr
from .amp import choose_precision, float32
from .checkpoint import HISTORY_KEYS, resume, rng_states, save_checkpoint, set_rng_states
from .recipe import RECIPE, training_setup


def seed_everything(seed):
    """Seed Python's, NumPy's and torch's generators: the same seed gives the same run (on the CPU)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every GPU


def bars_fit_output():
    """Whether progress bars can redraw in place here: in a Jupyter kernel, or on a terminal."""
    ipython = sys.modules.get("IPython")  # loaded in a kernel; looked up, never imported here
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if getattr(shell, "kernel", None) is not None:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class ProgressLoader:
    """A data loader as a piece sees it during one pass: a progress bar while it is iterated and,
    on a GPU, each batch already there in the ``channels_last`` layout.

    Wrapping the loader, not the loop, puts a bar on any ``run_epoch``, a
    learner's included. ``len()``, ``dataset``, ``batch_size`` and every other
    attribute are the wrapped loader's.
    """

    def __init__(self, loader, desc, enabled=True, device=None):
        self.loader, self.desc, self.enabled = loader, desc, enabled
        self.device = torch.device(device) if device is not None else None

    def __iter__(self):
        if getattr(self.loader, "num_workers", 0):
            # Collect the last pass's iterator here, in this process: left to the garbage collector it can
            # be inherited by the workers about to be forked and "closed" there, which prints a traceback.
            gc.collect()
        batches = self._on_device(self.loader) if self.device is not None else self.loader
        if not self.enabled:
            yield from batches
            return
        from tqdm.auto import tqdm

        with tqdm(batches, total=len(self.loader), desc=self.desc, unit="batch", leave=False,
                  dynamic_ncols=True) as bar:
            yield from bar

    def _on_device(self, batches):
        for inputs, labels in batches:
            if inputs.device != self.device:
                inputs = inputs.to(self.device, non_blocking=True)
                labels = labels.to(self.device, non_blocking=True)
            if inputs.dim() == 4:
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            yield inputs, labels

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):
        if name == "loader":  # not set yet: no endless recursion
            raise AttributeError(name)
        return getattr(self.loader, name)


def start_epoch(loaders, epoch):
    """Tell loaders that draw per epoch which epoch this is (``set_epoch``, as ``DistributedSampler`` has it)."""
    for loader in loaders.values():
        for owner in (loader, getattr(loader, "sampler", None)):
            if hasattr(owner, "set_epoch"):
                owner.set_epoch(epoch)
                break


def one_epoch(train_model, model, criterion, optimizer, scheduler, loaders, device, precision):
    """One call of ``train_model`` with ``num_epochs=1``: ``(model, {key: value})`` of that epoch.

    The model comes back with the epoch's weights (the best of one epoch is
    that epoch). A ``train_model`` that returns another module (a copy)
    gives its weights to ours, so the optimizer keeps working on the
    parameters it holds.
    """
    printed = io.StringIO()
    with precision.around(criterion, optimizer) as (criterion, optimizer), contextlib.redirect_stdout(printed):
        returned = train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=1, device=device)
    try:
        trained, history = returned
        values = {key: float(history[key][-1]) for key in HISTORY_KEYS}
    except (TypeError, ValueError, KeyError, IndexError):
        raise CatdogError(tr("train_model must return (model, history), history holding a list of one value per "
                             "epoch under {history_keys}",
                             history_keys=', '.join(HISTORY_KEYS))) from None
    if trained is not model and isinstance(trained, nn.Module):
        model.load_state_dict(trained.state_dict())
    return model, values


def train(model, loaders, *, epochs, lr, train_model=None, recipe=None, momentum=None, gamma=None,
          step_size=None, device=None, checkpoint=None, identity=None, progress=True, bars=None, amp=True,
          on_epoch=None):
    """Train ``model`` for ``epochs`` epochs with the ``train_model`` piece; return it with the best
    epoch's weights, and the history.

    ``recipe`` (a ``recipe.Recipe``; default ``RECIPE``, fine-tuning) makes
    the criterion, optimizer and per-epoch scheduler handed to the piece
    (``recipe.training_setup``): for fine-tuning ``CrossEntropyLoss``, SGD
    with ``momentum`` over the parameters that learn, and ``StepLR``
    multiplying the rate by ``gamma`` every ``step_size`` epochs (default
    ``recipe.lr_step_size(epochs)``: once, after two thirds of the run);
    ``momentum`` and ``gamma`` default to the recipe's. ``lr`` is the (peak)
    rate. ``history`` holds one value per epoch under ``train_loss``,
    ``train_acc``, ``val_loss``, ``val_acc`` and ``lr``.

    - ``train_model``: the piece (default: the reference). Its calls of
      ``run_epoch`` reach whichever ``run_epoch`` its code names.
    - ``loaders``: ``{"train": ..., "val": ...}``, the classic ones or the
      fast ones; a loader with ``set_epoch`` is told each epoch's number.
    - ``device``: where to train (the model is moved there); ``None``: where
      the model's parameters are.
    - ``checkpoint``: a file path. After every epoch the run's whole state is
      saved there; when the file exists, the run resumes after its last
      finished epoch. ``identity`` (a dict: split, architecture, size...) is
      stored in it, and a checkpoint of another identity is refused.
    - ``amp``: mixed precision on NVIDIA GPUs (``amp.choose_precision``).
    - ``progress``: a line per epoch (and the precision, a resume); ``bars``:
      progress bars too (``None``: where they redraw in place).
    - ``on_epoch(history)``: called after every epoch, its checkpoint saved;
      the random generators are put back afterwards, so what it draws cannot
      make a run differ from a resumed one.
    """
    if train_model is None:
        from ..training import train_model
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)  # what the tensor cores read fastest
    bars = bars_fit_output() if bars is None else bars
    say = _printer(progress, bars)
    precision = choose_precision(device, amp)
    recipe = recipe or RECIPE
    recipe = replace(recipe, **{k: v for k, v in (("momentum", momentum), ("gamma", gamma)) if v is not None})
    criterion, optimizer, scheduler = training_setup(model, lr, epochs, recipe, step_size)

    identity = dict(identity or {})
    history, best_acc, best_weights, start, state = resume(checkpoint, identity, model, optimizer, scheduler,
                                                           precision.scaler)
    if state is not None:
        set_rng_states(state["rng"])
        if start >= epochs:
            say(tr("checkpoint {checkpoint} holds all {start} epochs already: nothing to train (delete it to "
                   "train again)", checkpoint=checkpoint, start=start))
        else:
            say(tr("resuming from {checkpoint}: {start} of {epochs} epochs done",
                   checkpoint=checkpoint, start=start, epochs=epochs))
    if start < epochs:
        say(precision.describe())

    epoch_bar = None
    if progress and bars and start < epochs:
        from tqdm.auto import tqdm

        epoch_bar = tqdm(total=epochs, initial=start, desc="epochs", unit="epoch", dynamic_ncols=True)
    feed = device if device.type == "cuda" else None
    try:
        for epoch in range(start, epochs):
            began = time.perf_counter()
            start_epoch(loaders, epoch)
            shown = {split: ProgressLoader(loader, split, progress and bars, feed) for split, loader in loaders.items()}
            model, values = one_epoch(train_model, model, criterion, optimizer, scheduler, shown, device, precision)
            for key in HISTORY_KEYS:
                history[key].append(values[key])
            if values["val_acc"] > best_acc:
                best_acc = values["val_acc"]
                best_weights = copy.deepcopy(model.state_dict())  # a copy: later epochs change the live tensors
            rng = rng_states()  # what the next epoch draws from, saved and restored after on_epoch
            if checkpoint is not None:
                save_checkpoint(checkpoint, {
                    "epoch": epoch + 1, "epochs": epochs,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": precision.scaler.state_dict() if precision.scaler is not None else None,
                    "history": history, "best_acc": best_acc, "best_weights": best_weights,
                    "identity": identity, "rng": rng,
                })
            if epoch_bar is not None:
                epoch_bar.update(1)
            say(tr("epoch {epoch}/{epochs}: train loss {train_loss:.3f} acc {train_acc:.3f}, val loss "
                   "{val_loss:.3f} acc {val_acc:.3f}, lr {lr:.2g} ({seconds:.1f} s)",
                   epoch=epoch + 1, epochs=epochs, seconds=time.perf_counter() - began, **values))
            if precision.scaler is not None and precision.unscaled_steps():
                precision = float32(device, tr("the loss your run_epoch computed did not come from the criterion "
                                               "it was given, so float16 could not be scaled"))
                say(tr("from the next epoch, {precision}", precision=precision.describe()))
            if on_epoch is not None:
                on_epoch(history)
                set_rng_states(rng)  # whatever on_epoch drew, the next epoch draws what a resumed run would
    except KeyboardInterrupt:
        done = len(history["val_acc"])
        if done:
            model.load_state_dict(best_weights)
        where = tr("; they are saved in {checkpoint}: run the same training again to resume",
                   checkpoint=checkpoint) if checkpoint else ""
        best = tr("; the model holds the best of them") if done else ""
        say(tr("stopped: {done} of {epochs} epochs finished{where}{best}", done=done, epochs=epochs, where=where,
               best=best))
        raise
    finally:
        if epoch_bar is not None:
            epoch_bar.close()

    model.load_state_dict(best_weights)
    return model, history


def _printer(enabled, bars):
    def say(message):
        if not enabled:
            return
        if bars:
            from tqdm.auto import tqdm

            tqdm.write(message, file=sys.stdout)  # above the bars instead of through them
        else:
            print(message, flush=True)
    return say
