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

``train_cli`` is ``catdog train``: loaders, model, ``fit``, then the model
bundle, ``history.json`` and the plots.
"""
import contextlib
import copy
import gc
import hashlib
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .checkpoint import load_checkpoint, rng_states, save_checkpoint, set_rng_states
from .errors import CatdogError
from .hardware import pick_device
from .training import run_epoch as reference_run_epoch

HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def seed_everything(seed):
    """Seed Python's, NumPy's and torch's generators: the same seed gives the same run (on the CPU)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every GPU


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


def grad_scaler():
    """``torch.amp.GradScaler("cuda")``; torch before 2.3 has it as ``torch.cuda.amp.GradScaler``."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()


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


def resume(checkpoint, identity, model, optimizer, scheduler, scaler=None):
    """Load ``checkpoint`` (when it exists and was made by the same run) into the model, optimizer,
    scheduler and scaler. Returns ``(history, best_acc, best_weights, start_epoch, state)``;
    a fresh start when there is no checkpoint (``state`` is then ``None``)."""
    if checkpoint is None or not Path(checkpoint).exists():
        return {key: [] for key in HISTORY_KEYS}, -1.0, copy.deepcopy(model.state_dict()), 0, None
    state = load_checkpoint(checkpoint, expect=identity)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    history = {key: list(state["history"].get(key, [])) for key in HISTORY_KEYS}
    return history, state["best_acc"], state["best_weights"], state["epoch"], state


def fit(model, loaders, *, epochs, lr, momentum=0.9, step_size=7, gamma=0.1, device=None,
        checkpoint=None, identity=None, run_epoch=None, progress=True, amp=True, on_epoch=None):
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
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr, momentum=momentum)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
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


# ---------------------------------------------------------------------------
# catdog train

def split_fingerprint(loaders):
    """A short hash of which file is in which split under which label: the identity of a split."""
    return fingerprint_samples({
        split: [(os.path.relpath(path, loaders[split].dataset.root), target)
                for path, target in loaders[split].dataset.samples]
        for split in ("train", "val")})


def fingerprint_samples(samples_by_split):
    """Hash ``{split: [(path relative to the split's folder, class index)]}``; order does not matter."""
    digest = hashlib.sha256()
    for split in ("train", "val"):
        for path, target in sorted((Path(p).as_posix(), t) for p, t in samples_by_split[split]):
            digest.update(f"{split}\t{target}\t{path}\n".encode())
    return digest.hexdigest()[:16]


def default_workers(device):
    """Data loader processes: on a GPU, enough to keep it fed; on the CPU none (they would
    compete with the training for the same cores)."""
    if torch.device(device).type == "cuda":
        return min(8, os.cpu_count() or 1)
    return 0


def train_cli(args):
    """``catdog train``: train on ``--data`` and write the model bundle, history and plots into ``--out``."""
    if getattr(args, "fast", False):
        try:
            from .fast import train_fast
        except ModuleNotFoundError as e:
            if e.name != f"{__package__}.fast":
                raise
            raise CatdogError("--fast is not available in this version of the kit: train without it") from None
        return train_fast(args)

    from .model import build_model_or_explain
    from .transforms import make_loaders

    data, weights, device, out, checkpoint = parse_train_args(args)
    workers = args.workers if args.workers is not None else default_workers(device)

    seed_everything(args.seed)
    try:
        loaders, class_names = make_loaders(data, batch_size=args.batch_size, num_workers=workers, size=args.size)
    except FileNotFoundError as e:
        raise CatdogError(f"cannot read the photos in {data} ({e}): run catdog prepare again") from None
    val_classes = loaders["val"].dataset.classes
    if val_classes != class_names:
        raise CatdogError(f"{data}/train has the classes {class_names} but {data}/val has {val_classes}: "
                          f"run catdog prepare again")
    model = build_model_or_explain(num_classes=len(class_names), weights=weights)
    identity = {"arch": "resnet18", "class_names": list(class_names), "size": args.size,
                "split": split_fingerprint(loaders), "weights": weights or "none",
                "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed}
    print(f"training a ResNet18 ({'ImageNet' if weights else 'random'} weights) on {device} at {args.size} px: "
          f"{len(loaders['train'].dataset)} train and {len(loaders['val'].dataset)} val photos, "
          f"{args.epochs} epochs")

    model, history = fit(model, loaders, epochs=args.epochs, lr=args.lr, device=device,
                         checkpoint=checkpoint, identity=identity)

    save_run(out, model, class_names, args.size, history, loaders, device, checkpoint,
             extra={"weights": weights or "none", "split": identity["split"]})


def parse_train_args(args):
    """Check ``catdog train``'s arguments: ``(data, weights, device, out, checkpoint)``, or a CatdogError."""
    from .model import parse_weights

    data = Path(args.data).expanduser()
    check_data_folder(data)
    for name, value, low in (("--epochs", args.epochs, 1), ("--size", args.size, 32),
                             ("--batch-size", args.batch_size, 1)):
        if value < low:
            raise CatdogError(f"{name} must be at least {low}, not {value}")
    if not args.lr > 0:
        raise CatdogError(f"--lr must be a positive number, not {args.lr}")
    weights = parse_weights(args.weights)
    try:
        device = pick_device(args.device)
    except ValueError as e:
        raise CatdogError(str(e)) from None
    out = Path(args.out).expanduser()
    checkpoint = Path(args.checkpoint).expanduser() if args.checkpoint else out / "checkpoint.pt"
    return data, weights, device, out, checkpoint


def save_run(out, model, class_names, size, history, loaders, device, checkpoint, extra=None):
    """Write the model bundle, ``history.json`` and the plots into ``out``, and say what is where."""
    from .bundle import save_bundle
    from .transforms import IMAGENET_MEAN, IMAGENET_STD

    best = max(range(len(history["val_acc"])), key=history["val_acc"].__getitem__)
    out.mkdir(parents=True, exist_ok=True)
    save_bundle(out / "model.pt", model, class_names, size, IMAGENET_MEAN, IMAGENET_STD,
                extra={"history": history, "best_epoch": best + 1, "val_acc": history["val_acc"][best],
                       **(extra or {})})
    (out / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    plots = save_run_plots(model, loaders, class_names, history, device, out)
    print(f"best val accuracy {history['val_acc'][best]:.3f} (epoch {best + 1})")
    print(f"saved into {out}/:")
    print(f"  {'model.pt':<21} the model (try: catdog predict --model {out / 'model.pt'} PHOTO.jpg)")
    print(f"  {'history.json':<21} loss, accuracy and learning rate per epoch")
    for name in plots:
        print(f"  {name:<21} plot")
    where = checkpoint.name if checkpoint.parent == out else str(checkpoint)
    print(f"  {where:<21} checkpoint (run the same command again to resume, or with more --epochs to extend)")


def check_data_folder(data):
    """Say what to do when ``data`` is not a prepared folder with ``train/`` and ``val/``."""
    if not data.is_dir():
        raise CatdogError(f"there is no folder {data}: prepare the data first (catdog prepare --dest {data})")
    missing = [split for split in ("train", "val") if not (data / split).is_dir()]
    if missing:
        raise CatdogError(f"{data} has no {' or '.join(s + '/' for s in missing)} folder: "
                          f"prepare it with catdog prepare --dest {data}")


def save_run_plots(model, loaders, class_names, history, device, out):
    """Training curves, the confusion matrix and the top losses of the val set, as PNG files in ``out``."""
    from .plots import evaluate_predictions, plot_confusion_matrix, plot_history, plot_top_losses

    y_true, y_pred, probs, _ = evaluate_predictions(model, loaders["val"], device)
    paths = [path for path, _ in loaders["val"].dataset.samples]
    figures = {
        "curves.png": plot_history(history),
        "confusion_matrix.png": plot_confusion_matrix(y_true, y_pred, class_names),
        "top_losses.png": plot_top_losses(paths, y_true, probs, class_names, k=9),
    }
    for name, figure in figures.items():
        figure.savefig(out / name, dpi=100)
    return list(figures)
