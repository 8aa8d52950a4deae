"""The ``catdog`` command: argument parsing, and the glue between functions the notebooks call too.

    catdog info [--json]
    catdog prepare --source kaggle|oxford-pets|folder|sample [--from DIR] --dest DIR
    catdog train --data DIR [--epochs N] [--size S] ... [--fast]
    catdog predict --model PATH IMAGE... [--json]
    catdog build | collect NOTEBOOK... | demo

Each ``cmd_*`` reads its arguments once, checks them, and passes them on as
plain values; no library function reads ``args``. Errors are one line on
stderr and a non-zero exit, never a traceback.

``catdog train`` reads top to bottom: ``cmd_train`` -> ``check_train_args``
-> ``batch_and_lr`` (the recipe's defaults) -> ``train.run.train_on_folder``
(the reference pieces: ``make_loaders`` or, with ``--fast``, the fast
loaders; ``build_model``; ``train_model`` through the one loop, the same
call lesson 05 makes with the learner's pieces) -> ``save_run``
(``train.bundle.save_bundle``, ``history.json``, ``save_run_plots``).
Heavy modules (torch) are imported inside the commands, so that
``catdog --help`` and ``catdog prepare`` start at once.
"""
import argparse
import contextlib
import json
import sys
from pathlib import Path

from .errors import CatdogError, first_line
from .prepare.pipeline import SOURCES
from .train.recipe import FROM_SCRATCH, RECIPE


def cmd_info(args):
    from .hardware import format_report, hardware_report

    report = hardware_report()
    print(json.dumps(report, indent=2) if args.json else format_report(report))


def cmd_prepare(args):
    from .prepare import prepare

    prepare(source=args.source, dest=args.dest, from_dir=args.from_dir,
            val_fraction=args.val_fraction, seed=args.seed, report=print, test_fraction=args.test_fraction)


# --- catdog train -------------------------------------------------------------------------------

def cmd_train(args):
    """``catdog train``: train on ``--data`` and write the model bundle, history and plots into ``--out``."""
    from .train.run import train_on_folder

    data, weights, device, out, checkpoint = check_train_args(args)
    batch_size, lr = batch_and_lr(args.batch_size, args.lr, device, fast=args.fast, weights=weights)
    workers = args.workers
    if workers is None:
        from .train.recipe import default_workers

        workers = default_workers(device)
    if device.type == "cpu":
        import torch

        from .train.recipe import cpu_threads

        torch.set_num_threads(cpu_threads())  # a shared CPU: fewer threads than cores train faster
    with _Tee(sys.stdout, out / "train.log") as tee, contextlib.redirect_stdout(tee):
        run = train_on_folder(data, fast=args.fast, epochs=args.epochs, size=args.size, batch_size=batch_size, lr=lr,
                              weights=weights, device=device, workers=workers, seed=args.seed, checkpoint=checkpoint)
    save_run(out, run, device, checkpoint, extra={"weights": weights or "none", "split": run.identity["split"],
                                                   "fast": bool(args.fast)})
    report_test_accuracy(run, data, device, workers)


def report_test_accuracy(run, data, device, workers=0):
    """When ``data`` has a ``test/`` set (``prepare --test-fraction``): its accuracy, once, beside val's."""
    from torch import nn

    from .training import run_epoch
    from .transforms import build_transforms
    from .train.evaluate import test_loader

    loader = test_loader(data, build_transforms(train=False, size=run.identity["size"]), workers=workers,
                         class_names=run.class_names)
    if loader is None:
        return None
    _, accuracy = run_epoch(run.model, loader, nn.CrossEntropyLoss(), device)
    print(f"test accuracy {accuracy:.3f} on {len(loader.dataset)} held-out photos (val accuracy of the chosen "
          f"epoch {run.best_val_acc:.3f}: the epoch was chosen on val, so val flatters a little)")
    return accuracy


class _Tee:
    """Standard output that also goes into a log file (appended to, made at the first line: a run that fails
    before training leaves no folder): what the training, the train_model piece included, prints."""

    def __init__(self, stream, path):
        self.stream, self.path, self.log = stream, Path(path), None

    def write(self, text):
        if self.log is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.log = open(self.path, "a", encoding="utf-8")
        self.log.write(text)
        return self.stream.write(text)

    def flush(self):
        if self.log is not None:
            self.log.flush()
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.log is not None:
            self.log.close()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def check_train_args(args):
    """Check ``catdog train``'s arguments: ``(data, weights, device, out, checkpoint)``, or a CatdogError."""
    from .hardware import pick_device
    from .train.weights import parse_weights

    data = Path(args.data).expanduser()
    check_data_folder(data)
    for name, value, low in (("--epochs", args.epochs, 1), ("--size", args.size, 32),
                             ("--batch-size", args.batch_size, 1)):
        if value is not None and value < low:
            raise CatdogError(f"{name} must be at least {low}, not {value}")
    if args.lr is not None and not args.lr > 0:
        raise CatdogError(f"--lr must be a positive number, not {args.lr}")
    weights = parse_weights(args.weights)
    try:
        device = pick_device(args.device)
    except ValueError as e:
        raise CatdogError(str(e)) from None
    out = Path(args.out).expanduser()
    checkpoint = Path(args.checkpoint).expanduser() if args.checkpoint else out / "checkpoint.pt"
    check_writable(out, "--out")  # now, not after an epoch of training
    check_writable(checkpoint.parent, "--checkpoint")
    return data, weights, device, out, checkpoint


def check_writable(folder, option):
    """Say so when files cannot be written into ``folder`` (made later where it does not exist yet): a real
    try in its nearest existing folder, which also tells a read-only disk, where permissions alone do not."""
    import tempfile

    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise CatdogError(f"{option} {folder}: {existing} is a file, not a folder: choose another {option}")
    try:
        Path(tempfile.mkdtemp(prefix=".catdog-write-test-", dir=existing)).rmdir()
    except OSError as e:
        raise CatdogError(f"{option} {folder} cannot be written ({e.strerror or first_line(e)} in {existing}): "
                          f"choose a folder you can write to") from None


def check_data_folder(data):
    """Say what to do when ``data`` is not a prepared folder with ``train/`` and ``val/``."""
    if not data.is_dir():
        raise CatdogError(f"there is no folder {data}: prepare the data first (catdog prepare --dest {data})")
    missing = [split for split in ("train", "val") if not (data / split).is_dir()]
    if missing:
        raise CatdogError(f"{data} has no {' or '.join(s + '/' for s in missing)} folder: "
                          f"prepare it with catdog prepare --dest {data}")


def batch_and_lr(batch_size, lr, device, fast=False, weights="DEFAULT"):
    """``--batch-size`` and ``--lr``, or the defaults of the recipe of ``weights`` (``recipe.recipe_for``):
    fine-tuning ImageNet's weights 32 photos a step at 0.001, from random weights 64 at 0.002.

    With ``--fast`` and no ``--batch-size``, the batch is the device's
    (``recipe.fast_batch_size``) and the learning rate, meant for the
    recipe's batch, is scaled with it (``recipe.scaled_lr``: linearly for
    SGD, by the square root for AdamW).
    """
    from .train.recipe import fast_batch_size, recipe_for, scaled_lr

    recipe = recipe_for(weights)
    lr = recipe.lr if lr is None else lr
    if batch_size is not None:
        return batch_size, lr
    if not fast:
        return recipe.batch_size, lr
    batch_size = fast_batch_size(device)
    return batch_size, lr * scaled_lr(recipe, batch_size) / recipe.lr


def save_run(out, run, device, checkpoint, extra=None):
    """Write the model bundle, ``history.json`` and the plots of a ``TrainingRun`` into ``out``, and say what is where."""
    from .atomic import atomic_write
    from .train.bundle import save_bundle

    history, best = run.history, run.best_epoch
    out.mkdir(parents=True, exist_ok=True)
    save_bundle(out / "model.pt", run.model, run.class_names, run.identity["size"],
                extra={"history": history, "best_epoch": best, "val_acc": run.best_val_acc, **(extra or {})})
    atomic_write(out / "history.json", json.dumps(history, indent=2) + "\n")
    plots = save_run_plots(run.model, run.loaders, run.class_names, history, device, out)
    print(f"best val accuracy {run.best_val_acc:.3f} (epoch {best})")
    print(f"saved into {out}/:")
    print(f"  {'model.pt':<21} the model (try: catdog predict --model {out / 'model.pt'} PHOTO.jpg)")
    print(f"  {'history.json':<21} loss, accuracy and learning rate per epoch")
    print(f"  {'train.log':<21} what the training printed (train_model's lines too)")
    for name in plots:
        print(f"  {name:<21} plot")
    where = checkpoint.name if checkpoint.parent == out else str(checkpoint)
    print(f"  {where:<21} checkpoint (run the same command again to resume, or with more --epochs to extend)")


def save_run_plots(model, loaders, class_names, history, device, out):
    """Training curves, the confusion matrix and the top losses of the val set, as PNG files in ``out``."""
    from .plots import plot_confusion_matrix, plot_history, plot_top_losses
    from .train.evaluate import evaluate_predictions

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


# --- catdog predict -----------------------------------------------------------------------------

def cmd_predict(args):
    """``catdog predict --model PATH IMAGE... [--json]``: the class and probabilities of each image.

    An image that cannot be read gets a one-line error on stderr and the
    others are still classified; the exit status is then non-zero.
    """
    from PIL import Image

    from .prediction import predict_image
    from .prepare.photos import open_photo
    from .train.bundle import load_bundle
    from .transforms import IMAGENET_MEAN, IMAGENET_STD

    device = "cpu"  # one photo at a time: the CPU answers in milliseconds
    kind = special_kind(Path(args.model).expanduser())
    if kind:
        raise CatdogError(f"--model {args.model} is {kind}, not a model file")
    model, info = load_bundle(args.model, device=device)
    if [round(v, 4) for v in info["mean"]] != [round(v, 4) for v in IMAGENET_MEAN] or \
            [round(v, 4) for v in info["std"]] != [round(v, 4) for v in IMAGENET_STD]:
        raise CatdogError(f"{args.model} was trained with another normalization than ImageNet's, "
                          f"which predict_image does not apply")
    results, failed = [], 0
    for image in args.images:
        try:
            kind = special_kind(Path(image))
            if kind:
                raise ValueError(f"{kind}, not a photo")
            # Opened here: bombs (also where Pillow only warns) and strips refused, 16-bit photos scaled.
            photo = open_photo(image)
            probabilities = predict_image(model, photo, info["class_names"], size=info["size"], device=device)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as e:
            failed += 1
            reason = first_line(e, limit=None)
            if isinstance(e, FileNotFoundError):
                reason = "no such file"
            elif isinstance(e, Image.UnidentifiedImageError):
                reason = "not an image Pillow can read"
            print(f"catdog predict: cannot read {image}: {reason}", file=sys.stderr)
            results.append({"image": str(image), "error": reason})
            continue
        label = max(probabilities, key=probabilities.get)
        results.append({"image": str(image), "prediction": label, "probabilities": probabilities})
        if not args.json:
            others = ", ".join(f"{name} {p:.3f}" for name, p in probabilities.items())
            print(f"{image}: {label} ({probabilities[label]:.1%})   [{others}]")
    if args.json:
        print(json.dumps(results, indent=2))
    if failed:
        raise CatdogError(f"{failed} of {len(args.images)} images could not be read")


def special_kind(path):
    """What ``path`` is when it exists but is neither a regular file nor a folder (a FIFO, a device, a
    socket), else None: reading a FIFO waits for a writer that may never come, so such a path is refused
    at once."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: the reader says so in its own words
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


# --- the course: catdog build, collect, demo ----------------------------------------------------

def cmd_build(args):
    from .course.build import build_cli

    build_cli(args)


def cmd_collect(args):
    from .course.collect import collect_cli

    collect_cli(args)


def cmd_demo(args):
    from .course.demo import run_demo

    run_demo(out_dir=args.out, source=args.source, weights=args.weights)


def get_args_parser():
    parser = argparse.ArgumentParser(prog="catdog", description="Teach a ResNet18 to tell cats from dogs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="describe this machine: CPU, RAM, GPU, CUDA, versions")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("prepare", help="get, index, split and arrange the data")
    p.add_argument("--source", choices=["auto", *SOURCES], default="auto",
                   help="where the photos come from (auto: $CATDOG_DATA, else $CATDOG_SOURCE, else Kaggle, "
                        "else Oxford pets; the kit's small sample when none can be reached)")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="the folder, for --source folder")
    p.add_argument("--dest", metavar="DIR", help="where to put the data (default: data/ in the kit)")
    p.add_argument("--val-fraction", type=float, default=0.25,
                   help="share for validation (of what is left after --test-fraction)")
    p.add_argument("--test-fraction", type=float, default=0.0,
                   help="share held out first as a test set, in test/ (default 0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("train", help="fine-tune the ResNet18 on prepared data")
    p.add_argument("--data", required=True, metavar="DIR", help="a folder with train/ and val/")
    p.add_argument("--epochs", type=int, default=RECIPE.epochs)
    p.add_argument("--size", type=int, default=RECIPE.size)
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"photos per step (default {RECIPE.batch_size}, from random weights {FROM_SCRATCH.batch_size}; "
                        f"with --fast, the device's: 64 on a CPU, 256 on a CUDA GPU)")
    p.add_argument("--lr", type=float, default=None,
                   help=f"(peak) learning rate (default {RECIPE.lr}, SGD, from random weights {FROM_SCRATCH.lr}, "
                        f"AdamW; with --fast and the device's batch size, scaled to it)")
    p.add_argument("--weights", default="DEFAULT",
                   help="DEFAULT (ImageNet's weights: fine-tuning, SGD and StepLR) or none (random weights: "
                        "the from-scratch recipe, AdamW with a warm-up and a cosine)")
    p.add_argument("--checkpoint", metavar="PATH", help="resume from and save to this checkpoint")
    p.add_argument("--out", default="runs/latest", metavar="DIR", help="where the model, history and plots go")
    p.add_argument("--device", help="cpu, cuda, mps (default: the best there is)")
    p.add_argument("--workers", type=int, default=None, help="data loader processes")
    p.add_argument("--seed", type=int, default=RECIPE.seed)
    p.add_argument("--fast", action="store_true", help="decode once into a cache, augment on the device")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="classify photos with a trained model")
    p.add_argument("--model", required=True, metavar="PATH", help="a model bundle from catdog train")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("build", help="make lessons/ from solutions/ (as nbgrader's generate_assignment)")
    p.add_argument("--solutions", default=None, metavar="DIR")
    p.add_argument("--lessons", default=None, metavar="DIR")
    p.add_argument("--check", action="store_true", help="only say whether lessons/ is up to date")
    p.add_argument("--for-nbgrader", default=None, metavar="DIR",
                   help="write the solutions with %%solution off, one assignment each, into DIR: "
                        "an nbgrader course's source/ folder")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("collect", help="pull the piece cells out of saved notebooks into a workspace")
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p.add_argument("--workspace", metavar="DIR", help="default: $CATDOG_WORKSPACE or my_pieces/")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("demo", help="run the whole course headless and save the executed notebooks")
    p.add_argument("--out", default=None, metavar="DIR")
    p.add_argument("--source", choices=["auto", *SOURCES], default=None,
                   help="where the lessons' photos come from (default: $CATDOG_DATA when set, else the kit's "
                        "small sample, offline; auto: as a lesson would choose)")
    p.add_argument("--weights", choices=["DEFAULT", "none"], default=None,
                   help="DEFAULT: fine-tune ImageNet's weights, downloaded once (the default; offline, random "
                        "ones); none: start from random weights")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    args = get_args_parser().parse_args(argv)
    try:
        args.func(args)
    except CatdogError as e:
        print(f"catdog {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"catdog {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        print(f"catdog {args.command}: {e}", file=sys.stderr)
        return 1
    return 0
