"""The one training loop: the ``train_model`` piece, called once for the whole run, with what a long run
needs hooked in around it.

Everything in the kit that trains comes here: lesson 05 (with the learner's
pieces), ``catdog train`` and ``catdog train --fast`` (with the reference
pieces), the benchmark. ``train`` trains nothing itself. It calls

    train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=epochs, device=device)

once, so the piece's own epoch loop, its choice of the best epoch, its
history and its prints are what run. The kit hooks in only through the
objects the piece is handed (``Hooks``):

- the loaders: a progress bar while a pass runs (so any ``run_epoch`` shows
  one); on a GPU each batch moved there ahead of the piece (``non_blocking``,
  ``channels_last``); ``set_epoch`` told at each training pass; and the end
  of a validation pass that follows a training pass is the end of an epoch;
- the criterion: it sees the outputs and labels, so the kit keeps its own
  record of each epoch's loss and accuracy (and the learning rate, from the
  optimizer at the start of the training pass), the same numbers the
  reference ``run_epoch`` computes;
- at the end of each epoch, from that record: a copy of the best weights, a
  checkpoint (atomic, with the random generators' states) and
  ``on_epoch(history)`` (live curves).

Resuming after a disconnect or a kill calls ``train_model`` again, with the
model, optimizer and scheduler as the checkpoint left them, for the epochs
that are left; across that seam the kit keeps the best weights and joins the
histories. An uninterrupted run returns exactly what the piece returned.
Ctrl-C keeps the finished epochs (in the checkpoint, and the best of them in
the model). Mixed precision (``amp``) is set up around the one call.
"""
import contextlib
import copy
import gc
import io
import random
import sys
from dataclasses import dataclass, replace

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


def in_kernel():
    """Whether this runs in a Jupyter kernel (IPython looked up, never imported here)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


def bars_fit_output():
    """Whether progress bars can redraw in place here: in a Jupyter kernel, or on a terminal."""
    return in_kernel() or bool(getattr(sys.stderr, "isatty", lambda: False)())


class ProgressLoader:
    """A data loader as a piece sees it: a progress bar while it is iterated, on a GPU each batch already
    there in the ``channels_last`` layout, and (given ``hooks``) the start and end of each pass reported.

    Wrapping the loader, not the loop, puts a bar on any ``run_epoch``, a
    learner's included. ``len()``, ``dataset``, ``batch_size`` and every other
    attribute are the wrapped loader's.
    """

    def __init__(self, loader, desc, enabled=True, device=None, hooks=None):
        self.loader, self.desc, self.enabled, self.hooks = loader, desc, enabled, hooks
        self.device = torch.device(device) if device is not None else None

    def __iter__(self):
        if self.hooks is not None:
            self.hooks.begin(self.desc)
        if getattr(self.loader, "num_workers", 0):
            # Collect the last pass's iterator here, in this process: left to the garbage collector it can
            # be inherited by the workers about to be forked and "closed" there, which prints a traceback.
            gc.collect()
        batches = self._on_device(self.loader) if self.device is not None else self.loader
        if not self.enabled:
            yield from batches
        else:
            from tqdm.auto import tqdm

            with tqdm(batches, total=len(self.loader), desc=self.desc, unit="batch", leave=False,
                      dynamic_ncols=True) as bar:
                yield from bar
        if self.hooks is not None:  # reached only when the pass went through every batch
            self.hooks.end(self.desc)

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


class RecordingCriterion:
    """The criterion a piece is handed: the loss as the real one computes it, each batch's loss and
    correct predictions noted for the kit's own record of the epoch (``Hooks.record``)."""

    def __init__(self, criterion, hooks):
        self.criterion, self.hooks = criterion, hooks

    def __call__(self, outputs, targets, *args, **kwargs):
        loss = self.criterion(outputs, targets, *args, **kwargs)
        self.hooks.record(outputs, targets, loss)
        return loss

    def __getattr__(self, name):
        if name == "criterion":
            raise AttributeError(name)
        return getattr(self.criterion, name)


class _Pass:
    """One pass's notes: each batch's loss (on the device until the pass ends) and size, the correct count."""

    def __init__(self):
        self.losses, self.sizes, self.correct = [], [], []

    def note(self, outputs, targets, loss):
        with torch.no_grad():
            self.losses.append(loss.detach().float().reshape(()))
            self.sizes.append(int(targets.size(0)))
            self.correct.append((outputs.detach().argmax(dim=1) == targets).sum())

    def result(self):
        """``(mean loss per image, accuracy)``, summed as the reference ``run_epoch`` sums them; NaN when
        the criterion saw nothing (a piece that computed its loss another way)."""
        if not self.sizes:
            return float("nan"), float("nan")
        total = 0.0
        for value, size in zip(torch.stack(self.losses).tolist(), self.sizes):  # one copy from the device
            total += value * size
        seen = sum(self.sizes)
        return total / seen, int(torch.stack(self.correct).sum()) / seen


class Hooks:
    """What the kit does at the start and end of each pass, and at the end of each epoch.

    The loaders report their passes (``begin``, ``end``), the criterion its
    batches (``record``). The end of a validation pass that follows a
    training pass is the end of an epoch: the epoch's record joins
    ``history``, the best weights are copied, the checkpoint saved and
    ``on_epoch(history)`` called.
    """

    def __init__(self, model, optimizer, loaders, start, epoch_end):
        self.model, self.optimizer, self.loaders = model, optimizer, loaders
        self.epoch = start            # the epoch running now, counted from 0
        self.current = None           # the split whose pass runs now
        self.passes = {}
        self.lr = None
        self.epoch_end = epoch_end    # called with (epoch, {key: value})

    def begin(self, split):
        if split == "train":
            start_epoch(self.loaders, self.epoch)
            self.lr = float(self.optimizer.param_groups[0]["lr"])
        self.current = split
        self.passes[split] = _Pass()

    def record(self, outputs, targets, loss):
        notes = self.passes.get(self.current)
        if notes is not None:
            try:
                notes.note(outputs, targets, loss)
            except (RuntimeError, IndexError, AttributeError):  # not a classifier's outputs: nothing to note
                pass

    def end(self, split):
        self.current = None
        if split != "val" or "train" not in self.passes:
            return
        train_loss, train_acc = self.passes.pop("train").result()
        val_loss, val_acc = self.passes.pop("val").result()
        values = {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc,
                  "lr": self.lr}
        epoch, self.epoch = self.epoch, self.epoch + 1
        self.epoch_end(epoch, values)


def start_epoch(loaders, epoch):
    """Tell loaders that draw per epoch which epoch this is (``set_epoch``, as ``DistributedSampler`` has it)."""
    for loader in loaders.values():
        loader = getattr(loader, "loader", loader)  # under a ProgressLoader
        for owner in (loader, getattr(loader, "sampler", None)):
            if hasattr(owner, "set_epoch"):
                owner.set_epoch(epoch)
                break


class _AboveBars(io.TextIOBase):
    """Standard output while terminal bars run: each line the piece prints goes above the bars."""

    def __init__(self, stream):
        self.stream, self.pending = stream, ""

    def write(self, text):
        from tqdm.auto import tqdm

        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            tqdm.write(line, file=self.stream)
        return len(text)

    def flush(self):
        if self.pending:
            self.write("\n")
        self.stream.flush()


def _returned(returned, model):
    """``(model, history)`` from what ``train_model`` returned, or a CatdogError saying what it must return."""
    try:
        trained, history = returned
        history = {key: [float(value) for value in history[key]] for key in HISTORY_KEYS}
    except (TypeError, ValueError, KeyError, IndexError):
        raise CatdogError(tr("train_model must return (model, history), history holding a list of one value per "
                             "epoch under {history_keys}",
                             history_keys=', '.join(HISTORY_KEYS))) from None
    if trained is not model and isinstance(trained, nn.Module):
        model.load_state_dict(trained.state_dict())  # a copy returned: its weights to ours
    return history


def train(model, loaders, *, epochs, lr, train_model=None, recipe=None, momentum=None, gamma=None,
          step_size=None, device=None, checkpoint=None, identity=None, progress=True, bars=None, amp=True,
          on_epoch=None):
    """Train ``model`` for ``epochs`` epochs with one call of the ``train_model`` piece; return
    ``(model, history)``: what the piece returned, joined with the epochs before a resume.

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
    - ``progress``: the precision, a resume, and what the piece prints;
      ``bars``: progress bars too (``None``: where they redraw in place).
    - ``on_epoch(history)``: called after every epoch, its checkpoint saved,
      with the kit's record so far; the random generators are put back
      afterwards, so what it draws cannot make a run differ from a resumed one.
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
        if start >= epochs:
            say(tr("checkpoint {checkpoint} holds all {start} epochs already: nothing to train (delete it to "
                   "train again)", checkpoint=checkpoint, start=start))
            model.load_state_dict(best_weights)
            return model, history
        say(tr("resuming from {checkpoint}: {start} of {epochs} epochs done; train_model runs the {left} left "
               "(it counts them from 1)", checkpoint=checkpoint, start=start, epochs=epochs, left=epochs - start))
    say(precision.describe())
    run = _Run(history=history, best_acc=best_acc, best_weights=best_weights, precision=precision)

    epoch_bar = None
    if progress and bars:
        from tqdm.auto import tqdm

        epoch_bar = tqdm(total=epochs, initial=start, desc="epochs", unit="epoch", dynamic_ncols=True)

    def epoch_end(epoch, values):
        for key in HISTORY_KEYS:
            run.history[key].append(values[key])
        if values["val_acc"] > run.best_acc:
            run.best_acc = values["val_acc"]
            run.best_weights = copy.deepcopy(model.state_dict())  # a copy: later epochs change the live tensors
        rng = rng_states()  # what the next epoch draws from, saved and restored after on_epoch
        if checkpoint is not None:
            save_checkpoint(checkpoint, {
                "epoch": epoch + 1, "epochs": epochs,
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": precision.scaler.state_dict() if precision.scaler is not None else None,
                "history": run.history, "best_acc": run.best_acc, "best_weights": run.best_weights,
                "identity": identity, "rng": rng,
            })
        if epoch_bar is not None:
            epoch_bar.update(1)
        if run.precision.scaler is not None and run.precision.unscaled_steps():
            torch.set_autocast_enabled(device.type, False)  # for the epochs left; the context restores it
            run.precision = float32(device, tr("the loss your run_epoch computed did not come from the "
                                               "criterion it was given, so float16 could not be scaled"))
            say(tr("from the next epoch, {precision}", precision=run.precision.describe()))
        if on_epoch is not None:
            on_epoch(run.history)
            set_rng_states(rng)  # whatever on_epoch drew, the next epoch draws what a resumed run would

    hooks = Hooks(model, optimizer, loaders, start, epoch_end)
    feed = device if device.type == "cuda" else None
    handed = {split: ProgressLoader(loader, split, progress and bars, feed, hooks) for split, loader in loaders.items()}
    before = {key: list(values) for key, values in history.items()}  # the epochs a resume starts after
    seam_acc, seam_weights = best_acc, best_weights
    printed = contextlib.nullcontext() if not (progress and bars) or in_kernel() else \
        contextlib.redirect_stdout(_AboveBars(sys.stdout))
    if not progress:
        printed = contextlib.redirect_stdout(io.StringIO())
    if state is not None:
        set_rng_states(state["rng"])  # last: the piece draws what the interrupted run would have
    try:
        with precision.around(criterion, optimizer) as (scaled, optimizer_handed), printed:
            returned = train_model(model, RecordingCriterion(scaled, hooks), optimizer_handed, scheduler, handed,
                                   num_epochs=epochs - start, device=device)
    except KeyboardInterrupt:
        done = len(run.history["val_acc"])
        if done:
            model.load_state_dict(run.best_weights)
        where = tr("; they are saved in {checkpoint}: run the same training again to resume",
                   checkpoint=checkpoint) if checkpoint else ""
        best = tr("; the model holds the best of them") if done else ""
        say(tr("stopped: {done} of {epochs} epochs finished{where}{best}", done=done, epochs=epochs, where=where,
               best=best))
        raise
    finally:
        if epoch_bar is not None:
            epoch_bar.close()

    theirs = _returned(returned, model)
    if not start:
        return model, theirs  # an uninterrupted run: what the piece returned
    if before["val_acc"] and seam_acc >= max(theirs["val_acc"] or [float("-inf")]):
        model.load_state_dict(seam_weights)  # the best epoch came before the resume (the first best wins ties)
    return model, {key: before[key] + theirs[key] for key in HISTORY_KEYS}


@dataclass
class _Run:
    """What the epochs' ends update: the kit's record, the best weights so far, the precision."""

    history: dict
    best_acc: float
    best_weights: dict
    precision: object


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
